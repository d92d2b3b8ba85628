<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
 */
namespace Magento\Customer\Model\Data;

use Magento\Framework\DataObject;

/**
 * Customer secure data: password hash and lockout counters.
 */
class CustomerSecure extends DataObject
{
}
