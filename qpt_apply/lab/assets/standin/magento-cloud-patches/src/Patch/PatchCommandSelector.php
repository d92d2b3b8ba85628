<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch;

use Magento\CloudPatches\Shell\Command\DriverInterface;

/**
 * Runs patch operations with the first installed driver: git, then GNU patch.
 */
class PatchCommandSelector
{
    /**
     * @var DriverInterface[]
     */
    private $commands;

    /**
     * @var DriverInterface|null
     */
    private $command;

    public function __construct(array $commands)
    {
        $this->commands = $commands;
    }

    public function apply(string $patch): void
    {
        $this->getCommand()->apply($patch);
    }

    public function revert(string $patch): void
    {
        $this->getCommand()->revert($patch);
    }

    public function applyCheck(string $patch): void
    {
        $this->getCommand()->applyCheck($patch);
    }

    public function reverseCheck(string $patch): void
    {
        $this->getCommand()->reverseCheck($patch);
    }

    /**
     * @throws PatchCommandNotFound
     */
    private function getCommand(): DriverInterface
    {
        if ($this->command === null) {
            foreach ($this->commands as $command) {
                if ($command->isInstalled()) {
                    $this->command = $command;
                    break;
                }
            }
            if ($this->command === null) {
                throw new PatchCommandNotFound();
            }
        }
        return $this->command;
    }
}
