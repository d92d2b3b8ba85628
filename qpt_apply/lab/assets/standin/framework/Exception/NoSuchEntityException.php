<?php
namespace Magento\Framework\Exception;

class NoSuchEntityException extends LocalizedException
{
}
