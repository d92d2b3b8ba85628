<?php
namespace Magento\Framework\DB\Sql;

/**
 * A literal SQL fragment that must not be quoted.
 */
class Expression
{
    private $expression;

    public function __construct($expression)
    {
        $this->expression = (string)$expression;
    }

    public function __toString()
    {
        return $this->expression;
    }
}
