<?php
namespace Magento\Framework\App;

use Magento\Framework\App\Config\ScopeConfigInterface;

/**
 * System configuration at default scope: env.php "system" section first, then the core_config_data table.
 */
class Config implements ScopeConfigInterface
{
    private $deploymentConfig;
    private $resource;
    private $values;

    public function __construct(DeploymentConfig $deploymentConfig, ResourceConnection $resource)
    {
        $this->deploymentConfig = $deploymentConfig;
        $this->resource = $resource;
    }

    public function getValue($path, $scopeType = self::SCOPE_TYPE_DEFAULT, $scopeCode = null)
    {
        $fromEnv = $this->deploymentConfig->get('system/default/' . $path);
        if ($fromEnv !== null) {
            return $fromEnv;
        }
        if ($this->values === null) {
            $this->values = [];
            $rows = $this->resource->getConnection()->fetchAll(
                'SELECT path, value FROM ' . $this->resource->getTableName('core_config_data')
                . " WHERE scope = 'default' AND scope_id = 0"
            );
            foreach ($rows as $row) {
                $this->values[$row['path']] = $row['value'];
            }
        }
        return $this->values[$path] ?? null;
    }

    public function isSetFlag($path, $scopeType = self::SCOPE_TYPE_DEFAULT, $scopeCode = null)
    {
        return (bool)$this->getValue($path, $scopeType, $scopeCode);
    }
}
