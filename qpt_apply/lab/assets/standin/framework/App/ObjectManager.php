<?php
namespace Magento\Framework\App;

use Magento\Framework\ObjectManagerInterface;

/**
 * Static access to the application's object manager, for code that cannot take it in a constructor.
 */
class ObjectManager
{
    private static $instance;

    public static function getInstance(): ObjectManagerInterface
    {
        if (!self::$instance instanceof ObjectManagerInterface) {
            throw new \RuntimeException('ObjectManager isn\'t initialized');
        }
        return self::$instance;
    }

    public static function setInstance(ObjectManagerInterface $objectManager)
    {
        self::$instance = $objectManager;
    }
}
