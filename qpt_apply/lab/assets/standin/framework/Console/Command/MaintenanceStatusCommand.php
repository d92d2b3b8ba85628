<?php
namespace Magento\Framework\Console\Command;

use Magento\Framework\App\MaintenanceMode;
use Magento\Framework\Console\Cli;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

class MaintenanceStatusCommand extends Command
{
    const NAME = 'maintenance:status';

    private $maintenanceMode;

    public function __construct(MaintenanceMode $maintenanceMode)
    {
        $this->maintenanceMode = $maintenanceMode;
        parent::__construct();
    }

    protected function configure(): void
    {
        $this->setName(self::NAME)->setDescription('Displays maintenance mode status');
        parent::configure();
    }

    protected function execute(InputInterface $input, OutputInterface $output): int
    {
        $output->writeln(
            '<info>Status: maintenance mode is ' .
            ($this->maintenanceMode->isOn() ? 'enabled' : 'disabled') . '</info>'
        );
        $addresses = implode(' ', $this->maintenanceMode->getAddressInfo());
        $output->writeln('<info>List of exempt IP-addresses: ' . ($addresses ? $addresses : 'none') . '</info>');

        return Cli::RETURN_SUCCESS;
    }
}
