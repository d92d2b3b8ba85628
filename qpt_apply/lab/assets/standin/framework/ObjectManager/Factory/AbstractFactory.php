<?php
namespace Magento\Framework\ObjectManager\Factory;

use Magento\Framework\ObjectManager\Definition\Runtime;
use Magento\Framework\ObjectManagerInterface;

abstract class AbstractFactory
{
    /** @var ObjectManagerInterface */
    protected $objectManager;

    protected $definitions;

    public function __construct(Runtime $definitions)
    {
        $this->definitions = $definitions;
    }

    public function setObjectManager(ObjectManagerInterface $objectManager)
    {
        $this->objectManager = $objectManager;
    }

    abstract public function create($type, array $arguments = []);

    protected function createObject($type, $args)
    {
        return new $type(...array_values($args));
    }

    /**
     * Arguments from reflection at run time: explicit ones, then shared instances of class types, then defaults.
     */
    protected function resolveArgumentsInRuntime($type, array $parameters, array $arguments)
    {
        $resolved = [];
        foreach ($parameters as [$name, $class, $required, $default]) {
            if (array_key_exists($name, $arguments)) {
                $resolved[] = $arguments[$name];
            } elseif ($class !== null) {
                $resolved[] = $this->objectManager->get($class);
            } elseif (!$required) {
                $resolved[] = $default;
            } else {
                throw new \BadMethodCallException(sprintf('Missing required argument $%s of %s.', $name, $type));
            }
        }
        return $resolved;
    }
}
