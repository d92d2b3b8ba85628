<?php
namespace Magento\Framework\Console\Command;

class MaintenanceDisableCommand extends AbstractMaintenanceCommand
{
    protected function configure(): void
    {
        $this->setName('maintenance:disable')->setDescription('Disables maintenance mode');
        parent::configure();
    }

    protected function isEnable(): bool
    {
        return false;
    }

    protected function getDisplayString(): string
    {
        return '<info>Disabled maintenance mode</info>';
    }
}
