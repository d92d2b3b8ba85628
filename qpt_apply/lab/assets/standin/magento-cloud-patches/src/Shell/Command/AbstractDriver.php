<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Shell\Command;

use Symfony\Component\Process\Exception\ProcessFailedException;
use Symfony\Component\Process\Process;

/**
 * Runs a command in the Magento root with the patch on stdin.
 */
abstract class AbstractDriver implements DriverInterface
{
    private $basePath;

    public function __construct(string $basePath)
    {
        $this->basePath = $basePath;
    }

    /**
     * @throws DriverException
     */
    protected function run(array $command, ?string $input = null): void
    {
        try {
            $process = new Process($command, $this->basePath, null, $input, null);
            $process->mustRun();
        } catch (ProcessFailedException $exception) {
            throw new DriverException($exception);
        }
    }

    protected function works(array $command): bool
    {
        try {
            $this->run($command);
            return true;
        } catch (DriverException $exception) {
            return false;
        }
    }
}
