<?php
namespace Magento\Framework\Exception;

class InvalidEmailOrPasswordException extends AuthenticationException
{
}
