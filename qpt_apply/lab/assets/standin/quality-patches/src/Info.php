<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\QualityPatches;

/**
 * Where this package keeps its patches and their configuration.
 */
class Info
{
    public function getPatchesDirectory(): string
    {
        return __DIR__ . '/../patches';
    }

    public function getSupportPatchesConfig(): string
    {
        return __DIR__ . '/../support-patches.json';
    }
}
