<?php
namespace Magento\Framework\Console\Command;

class MaintenanceEnableCommand extends AbstractMaintenanceCommand
{
    protected function configure(): void
    {
        $this->setName('maintenance:enable')->setDescription('Enables maintenance mode');
        parent::configure();
    }

    protected function isEnable(): bool
    {
        return true;
    }

    protected function getDisplayString(): string
    {
        return '<info>Enabled maintenance mode</info>';
    }
}
