<?php
namespace Magento\Framework\Event;

use Magento\Framework\DataObject;

class Event extends DataObject
{
}
