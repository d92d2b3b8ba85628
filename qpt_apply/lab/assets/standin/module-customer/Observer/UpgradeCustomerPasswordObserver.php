<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Observer;

use Magento\Customer\Model\CustomerRegistry;
use Magento\Customer\Model\ResourceModel\Customer as CustomerResourceModel;
use Magento\Framework\Encryption\Encryptor;
use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;

/**
 * Re-hashes a password stored with an outdated algorithm after a successful login.
 */
class UpgradeCustomerPasswordObserver implements ObserverInterface
{
    /**
     * @var Encryptor
     */
    private $encryptor;

    /**
     * @var CustomerRegistry
     */
    private $customerRegistry;

    /**
     * @var CustomerResourceModel
     */
    private $customerResource;

    /**
     * @param Encryptor $encryptor
     * @param CustomerRegistry $customerRegistry
     * @param CustomerResourceModel $customerResource
     */
    public function __construct(
        Encryptor $encryptor,
        CustomerRegistry $customerRegistry,
        CustomerResourceModel $customerResource
    ) {
        $this->encryptor = $encryptor;
        $this->customerRegistry = $customerRegistry;
        $this->customerResource = $customerResource;
    }

    /**
     * Upgrade an md5 (version 0) hash to the current algorithm.
     *
     * @param Observer $observer
     * @return void
     */
    public function execute(Observer $observer)
    {
        $password = $observer->getEvent()->getData('password');
        $model = $observer->getEvent()->getData('model');
        $customerSecure = $this->customerRegistry->retrieveSecureData($model->getId());
        $hash = (string)$customerSecure->getPasswordHash();
        $parts = explode(':', $hash);
        if (count($parts) === 2 || (isset($parts[2]) && $parts[2] === '0')) {
            $newHash = $this->encryptor->getHash($password, true);
            $customerSecure->setPasswordHash($newHash);
            $connection = $this->customerResource->getConnection();
            $connection->update(
                $this->customerResource->getTable('customer_entity'),
                ['password_hash' => $newHash],
                $connection->quoteInto('entity_id = ?', $model->getId())
            );
        }
    }
}
