<?php
namespace Magento\Framework\GraphQl\Exception;

use Magento\Framework\Exception\InputException;

class GraphQlInputException extends InputException
{
    const EXCEPTION_CATEGORY = 'graphql-input';

    public function getCategory(): string
    {
        return self::EXCEPTION_CATEGORY;
    }
}
