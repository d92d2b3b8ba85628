<?php
namespace Magento\Framework\Event;

interface ManagerInterface
{
    public function dispatch($eventName, array $data = []);
}
