<?php
namespace Magento\Framework\GraphQl\Query;

interface ResolverInterface
{
    /**
     * @param array $field the field definition from the schema
     * @param mixed $context
     * @param array $info path and location of the field in the query
     * @param array|null $value the parent's resolved value
     * @param array|null $args
     */
    public function resolve($field, $context, $info, array $value = null, array $args = null);
}
