<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Shell\Command;

interface DriverInterface
{
    public function apply(string $patch);

    public function revert(string $patch);

    public function applyCheck(string $patch);

    public function reverseCheck(string $patch);

    public function isInstalled(): bool;
}
