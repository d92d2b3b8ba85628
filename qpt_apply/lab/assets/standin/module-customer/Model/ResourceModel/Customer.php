<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
namespace Magento\Customer\Model\ResourceModel;

use Magento\Framework\App\ResourceConnection;

/**
 * Customer entity resource model
 */
class Customer
{
    /**
     * @var ResourceConnection
     */
    private $resource;

    /**
     * @param ResourceConnection $resource
     */
    public function __construct(ResourceConnection $resource)
    {
        $this->resource = $resource;
    }

    /**
     * @return \Magento\Framework\DB\Adapter\Pdo\Mysql
     */
    public function getConnection()
    {
        return $this->resource->getConnection();
    }

    /**
     * @param string $name
     * @return string
     */
    public function getTable($name)
    {
        return $this->resource->getTableName($name);
    }

    /**
     * Load a customer row into the model.
     *
     * @param \Magento\Customer\Model\Customer $object
     * @param int $entityId
     * @return $this
     */
    public function load($object, $entityId)
    {
        $row = $this->getConnection()->fetchRow(
            'SELECT * FROM ' . $this->getTable('customer_entity') . ' WHERE entity_id = ?',
            [(int)$entityId]
        );
        $object->setData($row);
        return $this;
    }

    /**
     * Find a customer id by email.
     *
     * @param string $email
     * @param int|null $websiteId
     * @return int|null
     */
    public function getIdByEmail($email, $websiteId = null)
    {
        $sql = 'SELECT entity_id FROM ' . $this->getTable('customer_entity') . ' WHERE email = ?';
        $bind = [(string)$email];
        if ($websiteId !== null) {
            $sql .= ' AND website_id = ?';
            $bind[] = (int)$websiteId;
        }
        $id = $this->getConnection()->fetchOne($sql . ' ORDER BY entity_id LIMIT 1', $bind);
        return $id === false ? null : (int)$id;
    }
}
