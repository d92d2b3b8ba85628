<?php
namespace Magento\Framework\Code\Generator;

/**
 * Generates the factories Magento code asks for (Foo\BarFactory for Foo\Bar) into generated/code and loads
 * them; setup:di:compile generates them ahead of time.
 */
class Autoloader
{
    private $generatedDir;

    public function __construct($generatedDir)
    {
        $this->generatedDir = rtrim($generatedDir, '/');
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
        if (!is_dir(dirname($file))) {
            @mkdir(dirname($file), 0777, true);
        }
        $tmp = $file . '.' . getmypid() . '.tmp';
        file_put_contents($tmp, $code);
        rename($tmp, $file);
        return $file;
    }
}
