<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Api;

/**
 * Customer CRUD interface (read part).
 * @api
 */
interface CustomerRepositoryInterface
{
    /**
     * Retrieve customer by email.
     *
     * @param string $email
     * @param int|null $websiteId
     * @return \Magento\Customer\Model\Data\Customer
     * @throws \Magento\Framework\Exception\NoSuchEntityException
     */
    public function get($email, $websiteId = null);

    /**
     * Retrieve customer by ID.
     *
     * @param int $customerId
     * @return \Magento\Customer\Model\Data\Customer
     * @throws \Magento\Framework\Exception\NoSuchEntityException
     */
    public function getById($customerId);
}
