<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\App;

/**
 * An expected failure: commands print its message and exit with 1.
 */
class RuntimeException extends GenericException
{
}
