<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\App;

/**
 * An expected failure: commands print its message and exit with 1.
 */
class RuntimeException extends GenericException
{
}
