<?php
namespace Magento\Framework\Module;

use Magento\Framework\App\DeploymentConfig;
use Magento\Framework\Component\ComponentRegistrar;

/**
 * Enabled modules (app/etc/config.php "modules", in load order) and where their files are.
 */
class ModuleList
{
    private $deploymentConfig;
    private $registrar;

    public function __construct(DeploymentConfig $deploymentConfig, ComponentRegistrar $registrar)
    {
        $this->deploymentConfig = $deploymentConfig;
        $this->registrar = $registrar;
    }

    public function getNames()
    {
        return array_keys(array_filter((array)$this->deploymentConfig->get('modules', [])));
    }

    /**
     * @return string[] module name => module directory
     */
    public function getPaths()
    {
        $paths = [];
        foreach ($this->getNames() as $name) {
            $path = $this->registrar->getPath(ComponentRegistrar::MODULE, $name);
            if ($path !== null) {
                $paths[$name] = $path;
            }
        }
        return $paths;
    }

    /**
     * etc/<file> (global scope) or etc/<scope>/<file> of every enabled module, in load order.
     */
    public function getConfigFiles($file, $scope = 'global')
    {
        $files = [];
        foreach ($this->getPaths() as $path) {
            $candidate = $scope === 'global' ? "$path/etc/$file" : "$path/etc/$scope/$file";
            if (is_file($candidate)) {
                $files[] = $candidate;
            }
        }
        return $files;
    }
}
