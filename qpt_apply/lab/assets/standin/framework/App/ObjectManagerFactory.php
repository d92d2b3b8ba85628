<?php
namespace Magento\Framework\App;

use Magento\Framework\App\Filesystem\DirectoryList;
use Magento\Framework\Code\Generator\Autoloader;
use Magento\Framework\ObjectManager\Config\Reader as DiReader;
use Magento\Framework\ObjectManager\Definition\Runtime;
use Magento\Framework\ObjectManager\DiConfig;
use Magento\Framework\ObjectManager\Factory\Compiled;
use Magento\Framework\ObjectManager\Factory\Dynamic\Developer;
use Magento\Framework\ObjectManager\ObjectManager;

/**
 * Builds the object manager: compiled when generated/metadata holds what setup:di:compile wrote (whatever the
 * mode), reflective otherwise.
 */
class ObjectManagerFactory
{
    public static function getCompiledFile($root, $area)
    {
        return rtrim($root, '/') . '/generated/metadata/' . $area . '.php';
    }

    public static function create($root)
    {
        $directoryList = new DirectoryList($root);
        $deploymentConfig = new DeploymentConfig($directoryList);
        (new Autoloader($directoryList->getPath(DirectoryList::GENERATED_CODE)))->register();
        $definitions = new Runtime();

        $compiledFile = self::getCompiledFile($root, Area::AREA_GLOBAL);
        $compiled = is_file($compiledFile) ? include $compiledFile : null;
        $factory = $compiled ? new Compiled($definitions, $compiled['arguments']) : new Developer($definitions);
        $objectManager = new ObjectManager($factory, [
            DirectoryList::class => $directoryList,
            DeploymentConfig::class => $deploymentConfig,
            Runtime::class => $definitions,
        ]);
        \Magento\Framework\App\ObjectManager::setInstance($objectManager);

        if ($compiled) {
            $objectManager->configure(['preferences' => $compiled['preferences']]);
        } else {
            // app/etc/di.xml first: the cache needs its preferences before the rest can be read through it.
            $objectManager->configure($objectManager->get(DiReader::class)->read('primary'));
            $objectManager->configure($objectManager->get(DiConfig::class)->get(Area::AREA_GLOBAL));
        }
        return $objectManager;
    }

    public static function loadArea(ObjectManager $objectManager, $root, $area)
    {
        $compiledFile = self::getCompiledFile($root, $area);
        if (is_file(self::getCompiledFile($root, Area::AREA_GLOBAL))) {
            $compiled = is_file($compiledFile) ? include $compiledFile : ['preferences' => []];
            $objectManager->configure(['preferences' => $compiled['preferences']]);
        } else {
            $objectManager->configure($objectManager->get(DiConfig::class)->get($area));
        }
        $objectManager->get(State::class)->setAreaCode($area);
    }
}
