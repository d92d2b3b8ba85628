<?php
namespace Magento\Framework\GraphQl\Exception;

use Magento\Framework\Exception\AuthenticationException;

class GraphQlAuthenticationException extends AuthenticationException
{
    const EXCEPTION_CATEGORY = 'graphql-authentication';

    public function getCategory(): string
    {
        return self::EXCEPTION_CATEGORY;
    }
}
