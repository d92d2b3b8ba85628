<?php
namespace Magento\Framework\ObjectManager\Definition;

/**
 * Constructor signatures read by reflection: [name, class type or null, required, default] per parameter.
 */
class Runtime
{
    private $definitions = [];

    public function getParameters($className)
    {
        if (!array_key_exists($className, $this->definitions)) {
            $constructor = (new \ReflectionClass($className))->getConstructor();
            $parameters = null;
            if ($constructor !== null) {
                $parameters = [];
                foreach ($constructor->getParameters() as $parameter) {
                    $type = $parameter->getType();
                    $class = ($type instanceof \ReflectionNamedType && !$type->isBuiltin()) ? $type->getName() : null;
                    $isOptional = $parameter->isOptional();
                    $parameters[] = [
                        $parameter->getName(),
                        $class,
                        !$isOptional,
                        $isOptional && $parameter->isDefaultValueAvailable() ? $parameter->getDefaultValue() : null,
                    ];
                }
            }
            $this->definitions[$className] = $parameters;
        }
        return $this->definitions[$className];
    }
}
