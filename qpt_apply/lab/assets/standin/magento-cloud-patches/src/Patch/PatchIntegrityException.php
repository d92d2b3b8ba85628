<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch;

use Magento\CloudPatches\App\GenericException;

/**
 * The patch configuration contradicts itself (a required patch is missing).
 */
class PatchIntegrityException extends GenericException
{
}
