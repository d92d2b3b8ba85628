<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Model\Data;

use Magento\Framework\DataObject;

/**
 * Customer data object, as the service layer returns it.
 */
class Customer extends DataObject
{
    /**
     * @return int|null
     */
    public function getId()
    {
        return $this->getData('entity_id') === null ? null : (int)$this->getData('entity_id');
    }

    /**
     * @return string|null
     */
    public function getConfirmation()
    {
        return $this->getData('confirmation');
    }
}
