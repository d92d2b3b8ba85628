<?php
namespace Magento\Framework\Console\Command;

use Magento\Framework\Console\Cli;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

abstract class AbstractCacheTypeManageCommand extends AbstractCacheManageCommand
{
    abstract protected function performAction(array $cacheTypes);

    abstract protected function getDisplayMessage();

    protected function execute(InputInterface $input, OutputInterface $output)
    {
        $types = $this->getRequestedTypes($input);
        $this->performAction($types);
        $output->writeln($this->getDisplayMessage());
        $output->writeln(join(PHP_EOL, $types));

        return Cli::RETURN_SUCCESS;
    }
}
