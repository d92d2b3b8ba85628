<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Shell\Command;

/**
 * Unix patch driver: a dry run first, so a failing patch leaves every file untouched.
 */
class PatchDriver extends AbstractDriver
{
    public function apply(string $patch)
    {
        $this->applyCheck($patch);
        $this->run(['patch', '--silent', '-f', '-p1'], $patch);
    }

    public function revert(string $patch)
    {
        $this->reverseCheck($patch);
        $this->run(['patch', '--silent', '-f', '-p1', '--reverse'], $patch);
    }

    public function applyCheck(string $patch)
    {
        $this->run(['patch', '--silent', '-f', '-p1', '--dry-run'], $patch);
    }

    public function reverseCheck(string $patch)
    {
        $this->run(['patch', '--silent', '-f', '-p1', '--reverse', '--dry-run'], $patch);
    }

    public function isInstalled(): bool
    {
        return $this->works(['patch', '--version']);
    }
}
