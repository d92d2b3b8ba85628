<?php
namespace Magento\Framework\Setup;

use Magento\Framework\App\Area;
use Magento\Framework\App\Filesystem\DirectoryList;
use Magento\Framework\Cache\FileCache;
use Magento\Framework\Code\Generator\Autoloader;
use Magento\Framework\Component\ComponentRegistrar;
use Magento\Framework\Console\Command\DiCompileCommand;
use Magento\Framework\Filesystem\Driver\File;
use Magento\Framework\Lab\Host;
use Magento\Framework\Module\ModuleList;
use Magento\Framework\ObjectManager\Config\Reader as DiReader;
use Magento\Framework\ObjectManager\Definition\Runtime;

/**
 * What setup:di:compile does: scan the code of the enabled modules and the framework, generate the factories
 * constructors ask for, and write each class's constructor argument list and the preferences per area to
 * generated/metadata.
 */
class DiCompiler
{
    private $directoryList;
    private $moduleList;
    private $registrar;
    private $diReader;
    private $cache;
    private $driver;

    public function __construct(DirectoryList $directoryList, ModuleList $moduleList, ComponentRegistrar $registrar,
        DiReader $diReader, FileCache $cache, File $driver)
    {
        $this->directoryList = $directoryList;
        $this->moduleList = $moduleList;
        $this->registrar = $registrar;
        $this->diReader = $diReader;
        $this->cache = $cache;
        $this->driver = $driver;
    }

    /**
     * @return callable[] operation label => step
     */
    public function getOperations()
    {
        $state = new \ArrayObject(['classes' => [], 'arguments' => [], 'preferences' => []]);
        return [
            'Proxies code generation' => function () use ($state) {
                $this->cleanup();
                $state['classes'] = $this->scanClasses();
            },
            'Repositories code generation' => function () {
            },
            'Service data attributes generation' => function () {
            },
            'Application code generator' => function () use ($state) {
                $state['classes'] = array_merge($state['classes'], $this->generateFactories($state['classes']));
            },
            'Interceptors generation' => function () {
            },
            'Area configuration aggregation' => function () use ($state) {
                $state['arguments'] = $this->compileArguments($state['classes']);
            },
            'Interception cache generation' => function () use ($state) {
                $this->writeMetadata($state['arguments']);
            },
            'App action list generation' => function () {
            },
            'Plugin list generation' => function () {
            },
        ];
    }

    /**
     * generated/code was emptied before the command started (CompilerPreparation); var/cache and generated/metadata
     * go now, and whatever cannot be deleted fails the command.
     */
    private function cleanup()
    {
        $this->cache->clean();
        $cache = $this->directoryList->getPath(DirectoryList::CACHE);
        if (Host::of(BP)->writtenMeanwhileRun('di_compile', 'magento ' . DiCompileCommand::NAME) === 2) {
            // The lab's concurrent writer: a page rendered on a node still in service saves its cache entry.
            File::$beforeRemove = function ($path) use ($cache) {
                if ($path === $cache) {
                    @file_put_contents($path . '/mage---lab_written_meanwhile', 'a:0:{}');
                }
            };
        }
        try {
            foreach ([DirectoryList::CACHE, DirectoryList::GENERATED_METADATA] as $code) {
                $path = $this->directoryList->getPath($code);
                if ($this->driver->isExists($path)) {
                    $this->driver->deleteDirectory($path);
                }
            }
        } finally {
            File::$beforeRemove = null;
        }
    }

    private function scanClasses()
    {
        $paths = array_values($this->moduleList->getPaths());
        foreach ($this->registrar->getPaths(ComponentRegistrar::LIBRARY) as $path) {
            $paths[] = $path;
        }
        $classes = [];
        foreach ($paths as $path) {
            $files = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($path,
                \FilesystemIterator::SKIP_DOTS));
            foreach ($files as $file) {
                if ($file->getExtension() !== 'php' || strpos($file->getPathname(), '/Test/') !== false) {
                    continue;
                }
                $source = (string)file_get_contents($file->getPathname());
                if (preg_match('/^namespace\s+([^;]+);/m', $source, $namespace)
                    && preg_match('/^(?:final\s+)?class\s+(\w+)/m', $source, $class)) {
                    $classes[] = $namespace[1] . '\\' . $class[1];
                }
            }
        }
        sort($classes);
        return $classes;
    }

    private function generateFactories(array $classes)
    {
        $definitions = new Runtime();
        $generator = new Autoloader($this->directoryList->getPath(DirectoryList::GENERATED_CODE));
        $generated = [];
        foreach ($classes as $class) {
            foreach ($this->parametersOf($definitions, $class) ?: [] as [, $type]) {
                if ($type && substr($type, -7) === 'Factory' && !isset($generated[$type])
                    && class_exists(substr($type, 0, -7))) {
                    $generator->generateFactory(substr($type, 0, -7));
                    $generated[$type] = $type;
                }
            }
        }
        return array_values($generated);
    }

    private function parametersOf(Runtime $definitions, $class)
    {
        try {
            $reflection = new \ReflectionClass($class);
            if ($reflection->isAbstract() || $reflection->isInterface()) {
                return null;
            }
            return $definitions->getParameters($class);
        } catch (\Throwable $e) {
            return null;
        }
    }

    private function compileArguments(array $classes)
    {
        $definitions = new Runtime();
        $arguments = [];
        foreach ($classes as $class) {
            try {
                $reflection = new \ReflectionClass($class);
            } catch (\Throwable $e) {
                continue;
            }
            if ($reflection->isAbstract() || $reflection->isInterface()) {
                continue;
            }
            $compiled = [];
            foreach ($definitions->getParameters($class) ?: [] as [$name, $type, $required, $default]) {
                if ($type !== null) {
                    $compiled[$name] = ['_i_' => $type];
                } elseif ($default === null) {
                    $compiled[$name] = ['_vn_' => true];
                } else {
                    $compiled[$name] = ['_v_' => $default];
                }
            }
            $arguments[$class] = $compiled;
        }
        return $arguments;
    }

    private function writeMetadata(array $arguments)
    {
        $dir = $this->directoryList->getPath(DirectoryList::GENERATED_METADATA);
        $this->driver->createDirectory($dir);
        $global = array_merge($this->diReader->read('primary')['preferences'],
            $this->diReader->read('global')['preferences']);
        foreach (Area::all() as $area) {
            $preferences = $area === Area::AREA_GLOBAL ? $global
                : array_merge($global, $this->diReader->read($area)['preferences']);
            $content = "<?php\nreturn " . var_export(['preferences' => $preferences, 'arguments' => $arguments], true)
                . ";\n";
            $this->driver->filePutContents("$dir/$area.php", $content);
        }
    }
}
