<?php
namespace Magento\Framework\App;

use Magento\Framework\DB\Adapter\Pdo\Mysql;

/**
 * The database connection described by env.php db/connection/default.
 */
class ResourceConnection
{
    private $deploymentConfig;
    private $connection;

    public function __construct(DeploymentConfig $deploymentConfig)
    {
        $this->deploymentConfig = $deploymentConfig;
    }

    public function getConnection($resourceName = 'default')
    {
        if ($this->connection === null) {
            $config = $this->deploymentConfig->get('db/connection/default');
            if (!$config) {
                throw new \DomainException('Connection "default" is not defined');
            }
            $this->connection = new Mysql($config);
        }
        return $this->connection;
    }

    public function getTableName($name)
    {
        return (string)$this->deploymentConfig->get('db/table_prefix', '') . $name;
    }
}
