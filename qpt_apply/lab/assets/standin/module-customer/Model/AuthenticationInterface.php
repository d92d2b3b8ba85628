<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Model;

/**
 * Interface \Magento\Customer\Model\AuthenticationInterface
 * @api
 */
interface AuthenticationInterface
{
    /**
     * Process customer authentication failure
     *
     * @param int $customerId
     * @return void
     */
    public function processAuthenticationFailure($customerId);

    /**
     * Unlock customer
     *
     * @param int $customerId
     * @return void
     */
    public function unlock($customerId);

    /**
     * Check if a customer is locked
     *
     * @param int $customerId
     * @return boolean
     */
    public function isLocked($customerId);

    /**
     * Authenticate customer
     *
     * @param int $customerId
     * @param string $password
     * @return boolean
     * @throws \Magento\Framework\Exception\InvalidEmailOrPasswordException
     * @throws \Magento\Framework\Exception\State\UserLockedException
     */
    public function authenticate($customerId, $password);
}
