<?php
namespace Magento\Framework\Exception;

class AuthenticationException extends LocalizedException
{
}
