<?php
namespace Magento\Framework\Console;

use Magento\Framework\App\Bootstrap;
use Magento\Framework\App\ProductMetadata;
use Magento\Framework\Exception\FileSystemException;
use Symfony\Component\Console\Application as SymfonyApplication;
use Symfony\Component\Console\Command\Command as ConsoleCommand;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

/**
 * bin/magento: a Symfony console application whose commands come from the object manager.
 */
class Cli extends SymfonyApplication
{
    const RETURN_SUCCESS = 0;
    const RETURN_FAILURE = 1;

    const COMMANDS = [
        Command\CacheCleanCommand::class,
        Command\CacheFlushCommand::class,
        Command\CacheStatusCommand::class,
        Command\MaintenanceEnableCommand::class,
        Command\MaintenanceDisableCommand::class,
        Command\MaintenanceStatusCommand::class,
        Command\ShowModeCommand::class,
        Command\DiCompileCommand::class,
    ];

    private $objectManager;

    public function __construct($name = 'UNKNOWN', $version = 'UNKNOWN')
    {
        $bootstrap = Bootstrap::create(BP, $_SERVER);
        $this->objectManager = $bootstrap->getObjectManager();
        $version = $this->objectManager->get(ProductMetadata::class)->getVersion();
        parent::__construct($name, $version);
    }

    protected function getDefaultCommands(): array
    {
        $commands = parent::getDefaultCommands();
        foreach (self::COMMANDS as $class) {
            $commands[] = $this->objectManager->create($class);
        }
        return $commands;
    }

    protected function doRunCommand(ConsoleCommand $command, InputInterface $input, OutputInterface $output)
    {
        if ($command->getName() === Command\DiCompileCommand::NAME) {
            // Magento does this before any command runs, and fails with the message alone on stdout.
            try {
                $this->objectManager->get(CompilerPreparation::class)->handleCompilerEnvironment();
            } catch (FileSystemException $e) {
                $output->writeln('<error>' . $e->getMessage() . '</error>');
                return self::RETURN_FAILURE;
            }
        }
        return parent::doRunCommand($command, $input, $output);
    }
}
