<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Shell\Command;

/**
 * GIT patch driver
 */
class GitDriver extends AbstractDriver
{
    public function apply(string $patch)
    {
        $this->run(['git', 'apply'], $patch);
    }

    public function revert(string $patch)
    {
        $this->run(['git', 'apply', '--reverse'], $patch);
    }

    public function applyCheck(string $patch)
    {
        $this->run(['git', 'apply', '--check'], $patch);
    }

    public function reverseCheck(string $patch)
    {
        $this->run(['git', 'apply', '--reverse', '--check'], $patch);
    }

    public function isInstalled(): bool
    {
        return $this->works(['git', '--version']);
    }
}
