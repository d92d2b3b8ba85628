<?php
namespace Magento\Framework\Exception;

class EmailNotConfirmedException extends LocalizedException
{
}
