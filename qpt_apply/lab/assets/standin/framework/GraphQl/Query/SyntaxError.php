<?php
namespace Magento\Framework\GraphQl\Query;

class SyntaxError extends \Exception
{
    public $sourceLine;
    public $sourceColumn;

    public function __construct($message, $line, $column)
    {
        parent::__construct('Syntax Error: ' . $message);
        $this->sourceLine = $line;
        $this->sourceColumn = $column;
    }
}
