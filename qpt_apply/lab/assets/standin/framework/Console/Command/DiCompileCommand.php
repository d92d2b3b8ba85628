<?php
namespace Magento\Framework\Console\Command;

use Magento\Framework\App\DeploymentConfig;
use Magento\Framework\Console\Cli;
use Magento\Framework\Setup\DiCompiler;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Helper\ProgressBar;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

class DiCompileCommand extends Command
{
    const NAME = 'setup:di:compile';

    private $deploymentConfig;
    private $compiler;

    public function __construct(DeploymentConfig $deploymentConfig, DiCompiler $compiler)
    {
        $this->deploymentConfig = $deploymentConfig;
        $this->compiler = $compiler;
        parent::__construct();
    }

    protected function configure()
    {
        $this->setName(self::NAME)
            ->setDescription('Generates DI configuration and all missing classes that can be auto-generated');
        parent::configure();
    }

    protected function execute(InputInterface $input, OutputInterface $output)
    {
        if (!$this->deploymentConfig->isAvailable()) {
            $output->writeln('You cannot run this command because the Magento application is not installed.');
            return Cli::RETURN_FAILURE;
        }
        $operations = $this->compiler->getOperations();
        $progressBar = new ProgressBar($output, count($operations));
        $progressBar->setFormat('<info>%message%</info> %current%/%max% [%bar%] %percent:3s%% %elapsed% %memory:6s%');
        $output->writeln('<info>Compilation was started.</info>');
        $progressBar->start();
        $progressBar->display();
        foreach ($operations as $name => $operation) {
            $progressBar->setMessage($name . '...');
            $progressBar->display();
            $operation();
            $progressBar->advance();
        }
        $progressBar->finish();
        $output->writeln('');
        $output->writeln('<info>Generated code and dependency injection configuration successfully.</info>');

        return Cli::RETURN_SUCCESS;
    }
}
