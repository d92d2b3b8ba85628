<?php
namespace Magento\Framework\Exception\State;

use Magento\Framework\Exception\AuthenticationException;

class UserLockedException extends AuthenticationException
{
}
