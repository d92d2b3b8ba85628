<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Model;

use Magento\Customer\Model\ResourceModel\Customer as CustomerResourceModel;
use Magento\Framework\DataObject;

/**
 * Customer model
 *
 * @method int getWebsiteId()
 * @method string getEmail()
 */
class Customer extends DataObject
{
    /**
     * @var CustomerResourceModel
     */
    protected $_resource;

    /**
     * @param CustomerResourceModel $resource
     * @param array $data
     */
    public function __construct(
        CustomerResourceModel $resource,
        array $data = []
    ) {
        $this->_resource = $resource;
        parent::__construct($data);
    }

    /**
     * Get entity id
     *
     * @return int|null
     */
    public function getId()
    {
        return $this->getData('entity_id');
    }

    /**
     * Load customer by id
     *
     * @param int $customerId
     * @return $this
     */
    public function load($customerId)
    {
        $this->_resource->load($this, $customerId);
        return $this;
    }

    /**
     * Copy a customer data object into the model.
     *
     * @param \Magento\Customer\Model\Data\Customer $customer
     * @return $this
     */
    public function updateData($customer)
    {
        $this->addData($customer->getData());
        $this->setData('entity_id', $customer->getId());
        return $this;
    }

    /**
     * Check if customer is locked
     *
     * @return boolean
     */
    public function isCustomerLocked()
    {
        if ($this->getLockExpires()) {
            $lockExpires = new \DateTime($this->getLockExpires());
            if ($lockExpires > new \DateTime()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reindex customer grid (nothing to reindex here).
     *
     * @return void
     */
    public function reindex()
    {
    }
}
