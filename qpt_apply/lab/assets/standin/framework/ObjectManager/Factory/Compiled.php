<?php
namespace Magento\Framework\ObjectManager\Factory;

use Magento\Framework\ObjectManager\Definition\Runtime;

/**
 * Builds objects from the argument lists setup:di:compile wrote to generated/metadata, without looking at the
 * constructors again: a constructor changed since the last compilation receives the old argument list.
 */
class Compiled extends AbstractFactory
{
    private $arguments;

    public function __construct(Runtime $definitions, array $arguments)
    {
        parent::__construct($definitions);
        $this->arguments = $arguments;
    }

    public function create($type, array $arguments = [])
    {
        $args = $this->arguments[$type] ?? null;
        if ($args === []) {
            return new $type();
        }
        if ($args === null) {
            // A class the compiler did not see: resolved at run time.
            $parameters = $this->definitions->getParameters($type) ?: [];
            return $this->createObject($type, $this->resolveArgumentsInRuntime($type, $parameters, $arguments));
        }
        foreach ($args as $key => &$argument) {
            if (array_key_exists($key, $arguments)) {
                $argument = $arguments[$key];
            } elseif (isset($argument['_i_'])) {
                $argument = $this->objectManager->get($argument['_i_']);
            } elseif (isset($argument['_ins_'])) {
                $argument = $this->objectManager->create($argument['_ins_']);
            } elseif (array_key_exists('_v_', $argument)) {
                $argument = $argument['_v_'];
            } elseif (isset($argument['_vn_'])) {
                $argument = null;
            }
        }
        unset($argument);
        return $this->createObject($type, $args);
    }
}
