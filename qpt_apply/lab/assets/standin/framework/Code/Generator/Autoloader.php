<?php
namespace Magento\Framework\Code\Generator;

use Magento\Framework\Filesystem\Driver\File;

/**
 * Generates the factories Magento code asks for (Foo\BarFactory for Foo\Bar) into generated/code and loads
 * them; setup:di:compile generates them ahead of time.
 */
class Autoloader
{
    private $generatedDir;
    private $driver;

    public function __construct($generatedDir)
    {
        $this->generatedDir = rtrim($generatedDir, '/');
        $this->driver = new File();
    }

    public function register()
    {
        spl_autoload_register([$this, 'load'], true, false);
    }

    public function load($className)
    {
        $file = $this->generatedDir . '/' . str_replace('\\', '/', $className) . '.php';
        if (is_file($file)) {
            require $file;
            return true;
        }
        if (substr($className, -7) !== 'Factory') {
            return false;
        }
        $sourceClass = substr($className, 0, -7);
        if (!class_exists($sourceClass) || (new \ReflectionClass($sourceClass))->isAbstract()) {
            return false;
        }
        $this->generateFactory($sourceClass, $file);
        require $file;
        return true;
    }

    public function generateFactory($sourceClass, $file = null)
    {
        $className = $sourceClass . 'Factory';
        $file = $file ?: $this->generatedDir . '/' . str_replace('\\', '/', $className) . '.php';
        $namespace = substr($className, 0, strrpos($className, '\\'));
        $shortName = substr($className, strrpos($className, '\\') + 1);
        $code = <<<PHP
<?php
namespace $namespace;

/**
 * Factory class for @see \\$sourceClass
 */
class $shortName
{
    /**
     * Object Manager instance
     *
     * @var \\Magento\\Framework\\ObjectManagerInterface
     */
    protected \$_objectManager = null;

    /**
     * Instance name to create
     *
     * @var string
     */
    protected \$_instanceName = null;

    /**
     * Factory constructor
     *
     * @param \\Magento\\Framework\\ObjectManagerInterface \$objectManager
     * @param string \$instanceName
     */
    public function __construct(\\Magento\\Framework\\ObjectManagerInterface \$objectManager, \$instanceName = '\\\\$sourceClass')
    {
        \$this->_objectManager = \$objectManager;
        \$this->_instanceName = \$instanceName;
    }

    /**
     * Create class instance with specified parameters
     *
     * @param array \$data
     * @return \\$sourceClass
     */
    public function create(array \$data = [])
    {
        return \$this->_objectManager->create(\$this->_instanceName, \$data);
    }
}

PHP;
        $this->driver->createDirectory(dirname($file));
        // A process-unique temporary file renamed into place: another process never requires a half-written class.
        $tmp = $file . '.' . getmypid() . '.tmp';
        $this->driver->filePutContents($tmp, $code);
        $this->driver->rename($tmp, $file);
        return $file;
    }
}
