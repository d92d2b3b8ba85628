<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Integration\Model;

use Magento\Customer\Api\AccountManagementInterface;
use Magento\Framework\App\ResourceConnection;
use Magento\Framework\Event\ManagerInterface;
use Magento\Framework\Exception\AuthenticationException;
use Magento\Framework\Exception\EmailNotConfirmedException;
use Magento\Integration\Api\CustomerTokenServiceInterface;
use Magento\Integration\Model\Oauth\Token\RequestThrottler;

/**
 * @inheritdoc
 */
class CustomerTokenService implements CustomerTokenServiceInterface
{
    /**
     * @var AccountManagementInterface
     */
    private $accountManagement;

    /**
     * @var CredentialsValidator
     */
    private $validatorHelper;

    /**
     * @var RequestThrottler
     */
    private $requestThrottler;

    /**
     * @var ManagerInterface
     */
    private $eventManager;

    /**
     * @var ResourceConnection
     */
    private $resource;

    /**
     * @param AccountManagementInterface $accountManagement
     * @param CredentialsValidator $validatorHelper
     * @param RequestThrottler $requestThrottler
     * @param ManagerInterface $eventManager
     * @param ResourceConnection $resource
     */
    public function __construct(
        AccountManagementInterface $accountManagement,
        CredentialsValidator $validatorHelper,
        RequestThrottler $requestThrottler,
        ManagerInterface $eventManager,
        ResourceConnection $resource
    ) {
        $this->accountManagement = $accountManagement;
        $this->validatorHelper = $validatorHelper;
        $this->requestThrottler = $requestThrottler;
        $this->eventManager = $eventManager;
        $this->resource = $resource;
    }

    /**
     * @inheritdoc
     */
    public function createCustomerAccessToken($username, $password)
    {
        $this->validatorHelper->validate($username, $password);
        $this->requestThrottler->throttle($username, RequestThrottler::USER_TYPE_CUSTOMER);
        try {
            $customerDataObject = $this->accountManagement->authenticate($username, $password);
        } catch (EmailNotConfirmedException $exception) {
            $this->requestThrottler->logAuthenticationFailure($username, RequestThrottler::USER_TYPE_CUSTOMER);
            throw $exception;
        } catch (\Exception $e) {
            $this->requestThrottler->logAuthenticationFailure($username, RequestThrottler::USER_TYPE_CUSTOMER);
            throw new AuthenticationException(
                __(
                    'The account sign-in was incorrect or your account is disabled temporarily. '
                    . 'Please wait and try again later.'
                )
            );
        }
        $this->eventManager->dispatch('customer_login', ['customer' => $customerDataObject]);
        $this->requestThrottler->resetAuthenticationFailuresCount($username, RequestThrottler::USER_TYPE_CUSTOMER);
        return $this->createToken((int)$customerDataObject->getId());
    }

    /**
     * Issue an access token for the customer.
     *
     * @param int $customerId
     * @return string
     */
    private function createToken($customerId)
    {
        $token = bin2hex(random_bytes(16));
        $this->resource->getConnection()->insert($this->resource->getTableName('oauth_token'), [
            'customer_id' => $customerId,
            'type' => 'access',
            'token' => $token,
            'secret' => bin2hex(random_bytes(16)),
            'authorized' => 1,
            'user_type' => RequestThrottler::USER_TYPE_CUSTOMER,
            'created_at' => gmdate('Y-m-d H:i:s'),
        ]);
        return $token;
    }
}
