<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Model\Data;

use Magento\Framework\DataObject;

/**
 * Customer secure data: password hash and lockout counters.
 */
class CustomerSecure extends DataObject
{
}
