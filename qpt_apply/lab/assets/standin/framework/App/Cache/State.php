<?php
namespace Magento\Framework\App\Cache;

use Magento\Framework\App\DeploymentConfig;

/**
 * Which cache types are enabled: env.php cache_types.
 */
class State implements StateInterface
{
    private $deploymentConfig;

    public function __construct(DeploymentConfig $deploymentConfig)
    {
        $this->deploymentConfig = $deploymentConfig;
    }

    public function isEnabled($cacheType)
    {
        return (bool)$this->deploymentConfig->get('cache_types/' . $cacheType, false);
    }
}
