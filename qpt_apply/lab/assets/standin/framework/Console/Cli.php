<?php
namespace Magento\Framework\Console;

use Magento\Framework\App\Bootstrap;
use Magento\Framework\App\Filesystem\DirectoryList;
use Magento\Framework\App\ProductMetadata;
use Magento\Framework\Cache\CacheDirException;
use Magento\Framework\Console\Exception\GenerationDirectoryAccessException;
use Magento\Framework\Exception\FileSystemException;
use Magento\Framework\Lab\Host;
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

    /** Command name => the lab step whose fault and delay apply to it. */
    const LAB_STEPS = [
        'cache:clean' => 'cache_clean',
        'cache:flush' => 'cache_clean',
        Command\DiCompileCommand::NAME => 'di_compile',
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
        $name = $command->getName();
        $host = Host::of(BP);
        return $host->run("magento $name", $_SERVER['argv'] ?? [], function () use ($host, $name, $command, $input,
            $output) {
            $step = self::LAB_STEPS[$name] ?? null;
            if ($name === Command\DiCompileCommand::NAME) {
                // Magento does this before any command runs, and fails with the message alone on stdout.
                try {
                    if ($host->fails($step)) {
                        throw new GenerationDirectoryAccessException();
                    }
                    $this->objectManager->get(CompilerPreparation::class)->handleCompilerEnvironment();
                } catch (FileSystemException $e) {
                    $output->writeln('<error>' . $e->getMessage() . '</error>');
                    return self::RETURN_FAILURE;
                }
            }
            if ($step !== null) {
                $host->delay($step);
                if ($step === 'cache_clean' && $host->fails($step)) {
                    $cacheDir = $this->objectManager->get(DirectoryList::class)->getPath(DirectoryList::CACHE);
                    throw CacheDirException::notWritable($cacheDir . '/');
                }
            }
            return parent::doRunCommand($command, $input, $output);
        });
    }
}
