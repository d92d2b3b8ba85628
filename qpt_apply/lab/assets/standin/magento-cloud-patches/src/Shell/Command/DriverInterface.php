<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
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
