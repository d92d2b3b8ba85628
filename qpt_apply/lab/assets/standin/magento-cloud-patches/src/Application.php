<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches;

use Magento\CloudPatches\App\Container;
use Magento\CloudPatches\Composer\Installed;
use Magento\Framework\Lab\Host;
use Symfony\Component\Console\Command\Command as ConsoleCommand;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

/**
 * The console application; its name and version are those of the root project.
 */
class Application extends \Symfony\Component\Console\Application
{
    private $container;

    public function __construct(Container $container)
    {
        $this->container = $container;
        $root = $container->get(Installed::class)->getRootPackage();
        parent::__construct($root['name'] ?? '__root__', $root['version'] ?? '1.0.0+no-version-set');
    }

    protected function getDefaultCommands(): array
    {
        return array_merge(parent::getDefaultCommands(), [
            new Command\Apply($this->container),
            new Command\Revert($this->container),
            new Command\Status($this->container),
        ]);
    }

    /**
     * On a lab host (the Magento framework at hand), each command is logged and sleeps its lab delay first.
     */
    protected function doRunCommand(ConsoleCommand $command, InputInterface $input, OutputInterface $output): int
    {
        if (!class_exists(Host::class)) {
            return parent::doRunCommand($command, $input, $output);
        }
        $name = (string)$command->getName();
        $host = Host::of($this->container->getBasePath());
        return $host->run("qpt $name", $_SERVER['argv'] ?? [], function () use ($host, $name, $command, $input,
            $output) {
            $host->delay("qpt_$name");
            return parent::doRunCommand($command, $input, $output);
        });
    }
}
