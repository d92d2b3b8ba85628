<?php
namespace Magento\Framework\ObjectManager;

use Magento\Framework\ObjectManager\Factory\AbstractFactory;
use Magento\Framework\ObjectManagerInterface;

/**
 * Creates objects through a factory and keeps the shared ones; interfaces resolve through preferences.
 */
class ObjectManager implements ObjectManagerInterface
{
    private $factory;
    private $preferences = [];
    private $sharedInstances = [];

    public function __construct(AbstractFactory $factory, array $sharedInstances = [])
    {
        $this->factory = $factory;
        $this->sharedInstances = $sharedInstances;
        $this->sharedInstances[ObjectManagerInterface::class] = $this;
        $this->sharedInstances[self::class] = $this;
        $factory->setObjectManager($this);
    }

    public function configure(array $configuration)
    {
        $this->preferences = array_replace($this->preferences, $configuration['preferences'] ?? []);
    }

    public function getPreference($type)
    {
        $type = ltrim($type, '\\');
        $seen = [];
        while (isset($this->preferences[$type]) && !isset($seen[$type])) {
            $seen[$type] = true;
            $type = $this->preferences[$type];
        }
        return $type;
    }

    public function create($type, array $arguments = [])
    {
        return $this->factory->create($this->getPreference($type), $arguments);
    }

    public function get($type)
    {
        $type = ltrim($type, '\\');
        if (!isset($this->sharedInstances[$type])) {
            $instance = $this->create($type);
            $this->sharedInstances[$type] = $instance;
            $this->sharedInstances[$this->getPreference($type)] = $instance;
        }
        return $this->sharedInstances[$type];
    }
}
