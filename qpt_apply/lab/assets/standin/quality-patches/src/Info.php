<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
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
