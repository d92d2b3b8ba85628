<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
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
