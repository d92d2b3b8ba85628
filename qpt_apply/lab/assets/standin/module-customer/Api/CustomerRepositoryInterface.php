<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
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
