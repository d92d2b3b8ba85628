<?php
namespace Magento\Framework\Console\Command;

use Magento\Framework\App\MaintenanceMode;
use Magento\Framework\Console\Cli;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Input\InputOption;
use Symfony\Component\Console\Output\OutputInterface;

abstract class AbstractMaintenanceCommand extends Command
{
    const INPUT_KEY_IP = 'ip';

    protected $maintenanceMode;

    public function __construct(MaintenanceMode $maintenanceMode)
    {
        $this->maintenanceMode = $maintenanceMode;
        parent::__construct();
    }

    protected function configure()
    {
        $this->setDefinition([
            new InputOption(
                self::INPUT_KEY_IP,
                null,
                InputOption::VALUE_IS_ARRAY | InputOption::VALUE_REQUIRED,
                "Allowed IP addresses (use 'none' to clear allowed IP list)"
            ),
        ]);
        parent::configure();
    }

    abstract protected function isEnable();

    abstract protected function getDisplayString();

    protected function execute(InputInterface $input, OutputInterface $output): int
    {
        $addresses = $input->getOption(self::INPUT_KEY_IP);
        $messages = [];
        foreach ($addresses as $address) {
            if ($address !== 'none' && !filter_var($address, FILTER_VALIDATE_IP)) {
                $messages[] = "Invalid IP $address";
            }
        }
        if (!empty($messages)) {
            $output->writeln('<error>' . implode('</error>' . PHP_EOL . '<error>', $messages));
            return Cli::RETURN_FAILURE;
        }

        $this->maintenanceMode->set($this->isEnable());
        $output->writeln($this->getDisplayString());

        if (!empty($addresses)) {
            $addresses = implode(',', $addresses);
            $addresses = ('none' === $addresses) ? '' : $addresses;
            $this->maintenanceMode->setAddresses($addresses);
            $output->writeln(
                '<info>Set exempt IP-addresses: ' . (implode(', ', $this->maintenanceMode->getAddressInfo()) ?: 'none')
                . '</info>'
            );
        }

        return Cli::RETURN_SUCCESS;
    }
}
