<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Model\ResourceModel;

use Magento\Customer\Api\CustomerRepositoryInterface;
use Magento\Customer\Model\CustomerRegistry;
use Magento\Customer\Model\Data\Customer as CustomerData;
use Magento\Framework\Exception\NoSuchEntityException;

/**
 * Customer repository.
 */
class CustomerRepository implements CustomerRepositoryInterface
{
    /**
     * @var Customer
     */
    private $customerResource;

    /**
     * @var CustomerRegistry
     */
    private $customerRegistry;

    /**
     * @param Customer $customerResource
     * @param CustomerRegistry $customerRegistry
     */
    public function __construct(Customer $customerResource, CustomerRegistry $customerRegistry)
    {
        $this->customerResource = $customerResource;
        $this->customerRegistry = $customerRegistry;
    }

    /**
     * @inheritdoc
     */
    public function get($email, $websiteId = null)
    {
        $customerId = $this->customerResource->getIdByEmail($email, $websiteId);
        if ($customerId === null) {
            throw new NoSuchEntityException(
                __('No such entity with %fieldName = %fieldValue, %field2Name = %field2Value', [
                    'fieldName' => 'email', 'fieldValue' => $email,
                    'field2Name' => 'websiteId', 'field2Value' => $websiteId,
                ])
            );
        }
        return $this->getById($customerId);
    }

    /**
     * @inheritdoc
     */
    public function getById($customerId)
    {
        $customerModel = $this->customerRegistry->retrieve($customerId);
        return new CustomerData($customerModel->getData());
    }
}
