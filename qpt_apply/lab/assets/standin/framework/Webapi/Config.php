<?php
namespace Magento\Framework\Webapi;

use Magento\Framework\App\Cache\StateInterface;
use Magento\Framework\Cache\FileCache;
use Magento\Framework\Config\ScopedData;
use Magento\Framework\Module\ModuleList;

/**
 * REST routes declared in the modules' etc/webapi.xml (cached as "Web Services Configuration").
 */
class Config extends ScopedData
{
    private $moduleList;

    public function __construct(ModuleList $moduleList, FileCache $cache, StateInterface $cacheState)
    {
        $this->moduleList = $moduleList;
        parent::__construct($cache, $cacheState);
    }

    protected function getCacheId(): string
    {
        return 'webapi_config';
    }

    protected function getCacheType(): string
    {
        return 'config_webservice';
    }

    protected function getCacheTag(): string
    {
        return 'WEBSERVICE';
    }

    protected function read(string $scope): array
    {
        $routes = [];
        if ($scope !== 'global') {
            return $routes;
        }
        foreach ($this->moduleList->getConfigFiles('webapi.xml') as $file) {
            $xml = simplexml_load_file($file);
            foreach ($xml->route as $route) {
                $routes[] = [
                    'url' => (string)$route['url'],
                    'method' => strtoupper((string)$route['method']),
                    'class' => ltrim((string)$route->service['class'], '\\'),
                    'service_method' => (string)$route->service['method'],
                ];
            }
        }
        return $routes;
    }

    public function getRoutes()
    {
        return $this->get('global');
    }
}
