<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Model;

use Magento\Customer\Model\Data\CustomerSecure;
use Magento\Framework\Exception\NoSuchEntityException;

/**
 * Registry of customer models and their secure data for the current request.
 */
class CustomerRegistry
{
    /**
     * @var CustomerFactory
     */
    private $customerFactory;

    /**
     * @var Customer[]
     */
    private $customerRegistryById = [];

    /**
     * @var CustomerSecure[]
     */
    private $customerSecureRegistryById = [];

    /**
     * @param CustomerFactory $customerFactory
     */
    public function __construct(CustomerFactory $customerFactory)
    {
        $this->customerFactory = $customerFactory;
    }

    /**
     * Get instance of the Customer Model identified by id
     *
     * @param int $customerId
     * @return Customer
     * @throws NoSuchEntityException
     */
    public function retrieve($customerId)
    {
        if (isset($this->customerRegistryById[$customerId])) {
            return $this->customerRegistryById[$customerId];
        }
        $customer = $this->customerFactory->create()->load($customerId);
        if (!$customer->getId()) {
            throw new NoSuchEntityException(
                __('No such entity with %fieldName = %fieldValue', ['fieldName' => 'customerId', 'fieldValue' => $customerId])
            );
        }
        $this->customerRegistryById[$customerId] = $customer;
        return $customer;
    }

    /**
     * Retrieve CustomerSecure model
     *
     * @param int $customerId
     * @return CustomerSecure
     * @throws NoSuchEntityException
     */
    public function retrieveSecureData($customerId)
    {
        if (isset($this->customerSecureRegistryById[$customerId])) {
            return $this->customerSecureRegistryById[$customerId];
        }
        $customer = $this->retrieve($customerId);
        $customerSecure = new CustomerSecure([
            'customer_id' => $customer->getId(),
            'password_hash' => $customer->getPasswordHash(),
            'rp_token' => $customer->getRpToken(),
            'rp_token_created_at' => $customer->getRpTokenCreatedAt(),
            'failures_num' => $customer->getFailuresNum(),
            'first_failure' => $customer->getFirstFailure(),
            'lock_expires' => $customer->getLockExpires(),
        ]);
        $this->customerSecureRegistryById[$customer->getId()] = $customerSecure;
        return $customerSecure;
    }

    /**
     * Remove instance of the Customer Model from registry given an id
     *
     * @param int $customerId
     * @return void
     */
    public function remove($customerId)
    {
        unset($this->customerRegistryById[$customerId], $this->customerSecureRegistryById[$customerId]);
    }
}
