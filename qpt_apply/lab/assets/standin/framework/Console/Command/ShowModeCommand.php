<?php
namespace Magento\Framework\Console\Command;

use Magento\Framework\App\State;
use Magento\Framework\Console\Cli;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

class ShowModeCommand extends Command
{
    const AVAILABLE_MODES = ['developer', 'production', 'default'];

    private $appState;

    public function __construct(State $appState)
    {
        $this->appState = $appState;
        parent::__construct();
    }

    protected function configure()
    {
        $description = 'Displays current application mode. Available modes: '
            . implode(', ', self::AVAILABLE_MODES) . '.';
        $this->setName('deploy:mode:show')->setDescription($description);
        parent::configure();
    }

    protected function execute(InputInterface $input, OutputInterface $output)
    {
        $currentMode = $this->appState->getMode() ?: State::MODE_DEFAULT;
        $output->writeln(
            "Current application mode: $currentMode. (Note: Environment variables may override this value.)"
        );

        return Cli::RETURN_SUCCESS;
    }
}
