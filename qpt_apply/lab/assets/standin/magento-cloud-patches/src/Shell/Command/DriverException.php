<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Shell\Command;

use Magento\CloudPatches\Patch\PatchCommandException;
use Symfony\Component\Process\Exception\ProcessFailedException;

/**
 * A failed patch command; its message is what the command printed on stderr (or stdout).
 */
class DriverException extends PatchCommandException
{
    public function __construct(\Throwable $previous)
    {
        $message = $previous->getMessage();
        if ($previous instanceof ProcessFailedException) {
            $message = $previous->getProcess()->getErrorOutput() ?: ($previous->getProcess()->getOutput() ?: $message);
        }
        parent::__construct($message, $previous->getCode(), $previous);
    }
}
