<?php
namespace Magento\Framework\ObjectManager\Factory\Dynamic;

use Magento\Framework\ObjectManager\Factory\AbstractFactory;

/**
 * Developer/default mode without generated metadata: every constructor is read by reflection on each request.
 */
class Developer extends AbstractFactory
{
    public function create($type, array $arguments = [])
    {
        $parameters = $this->definitions->getParameters($type);
        if ($parameters === null) {
            return new $type();
        }
        return $this->createObject($type, $this->resolveArgumentsInRuntime($type, $parameters, $arguments));
    }
}
