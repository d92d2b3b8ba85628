<?php
/**
 * Stand-in of the Magento framework library: just enough of it for the customer login paths.
 */
use Magento\Framework\Component\ComponentRegistrar;

ComponentRegistrar::register(ComponentRegistrar::LIBRARY, 'magento/framework', __DIR__);
