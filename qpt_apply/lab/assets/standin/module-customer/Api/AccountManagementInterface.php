<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
 */
namespace Magento\Customer\Api;

/**
 * Customer account management: the part used to log a customer in.
 * @api
 */
interface AccountManagementInterface
{
    /**
     * Authenticate a customer by username and password
     *
     * @param string $email
     * @param string $password
     * @return \Magento\Customer\Model\Data\Customer
     * @throws \Magento\Framework\Exception\LocalizedException
     */
    public function authenticate($email, $password);
}
