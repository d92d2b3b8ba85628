<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Integration\Model\Oauth\Token;

use Magento\Framework\App\Config\ScopeConfigInterface;
use Magento\Framework\App\ResourceConnection;
use Magento\Framework\DB\Sql\Expression;
use Magento\Framework\Exception\AuthenticationException;
use Magento\Framework\Stdlib\DateTime;

/**
 * Model for token request throttling: oauth_token_request_log rows per user.
 */
class RequestThrottler
{
    /**#@+
     * Web API user type
     */
    const USER_TYPE_CUSTOMER = 2;
    const USER_TYPE_ADMIN = 3;
    /**#@-*/

    const XML_PATH_MAX_FAILURES = 'oauth/authentication_lock/max_failures_count';
    const XML_PATH_LOCK_TIMEOUT = 'oauth/authentication_lock/timeout';

    /**
     * @var ResourceConnection
     */
    private $resource;

    /**
     * @var ScopeConfigInterface
     */
    private $config;

    /**
     * @var DateTime
     */
    private $dateTime;

    /**
     * @param ResourceConnection $resource
     * @param ScopeConfigInterface $config
     * @param DateTime $dateTime
     */
    public function __construct(ResourceConnection $resource, ScopeConfigInterface $config, DateTime $dateTime)
    {
        $this->resource = $resource;
        $this->config = $config;
        $this->dateTime = $dateTime;
    }

    /**
     * Throw exception if user account is currently locked because of too many failed authentication attempts
     *
     * @param string $userName
     * @param int $userType
     * @return void
     * @throws AuthenticationException
     */
    public function throttle($userName, $userType)
    {
        $count = (int)$this->resource->getConnection()->fetchOne(
            'SELECT failures_count FROM ' . $this->resource->getTableName('oauth_token_request_log')
            . ' WHERE user_name = ? AND user_type = ? AND lock_expires_at > ?',
            [$userName, $userType, $this->dateTime->formatDate($this->dateTime->gmtTimestamp())]
        );
        if ($count >= $this->getMaxFailuresCount()) {
            throw new AuthenticationException(
                __(
                    'The account sign-in was incorrect or your account is disabled temporarily. '
                    . 'Please wait and try again later.'
                )
            );
        }
    }

    /**
     * Reset count of failed authentication attempts
     *
     * @param string $userName
     * @param int $userType
     * @return void
     */
    public function resetAuthenticationFailuresCount($userName, $userType)
    {
        $connection = $this->resource->getConnection();
        $connection->delete(
            $this->resource->getTableName('oauth_token_request_log'),
            $connection->quoteInto('user_name = ?', $userName) . ' AND '
            . $connection->quoteInto('user_type = ?', $userType)
        );
    }

    /**
     * Increment authentication failures count and lock user account if the limit is reached.
     *
     * @param string $userName
     * @param int $userType
     * @return void
     */
    public function logAuthenticationFailure($userName, $userType)
    {
        $date = (new \DateTime())->setTimestamp($this->dateTime->gmtTimestamp());
        $date->add(new \DateInterval('PT' . $this->getLockTimeout() . 'S'));
        $dateTime = $date->format('Y-m-d H:i:s');
        $this->resource->getConnection()->insertOnDuplicate(
            $this->resource->getTableName('oauth_token_request_log'),
            ['user_name' => $userName, 'user_type' => $userType, 'failures_count' => 1, 'lock_expires_at' => $dateTime],
            ['failures_count' => new Expression('failures_count+1'), 'lock_expires_at' => $dateTime]
        );
    }

    /**
     * @return int
     */
    private function getMaxFailuresCount()
    {
        return (int)$this->config->getValue(self::XML_PATH_MAX_FAILURES);
    }

    /**
     * @return int
     */
    private function getLockTimeout()
    {
        return (int)$this->config->getValue(self::XML_PATH_LOCK_TIMEOUT);
    }
}
