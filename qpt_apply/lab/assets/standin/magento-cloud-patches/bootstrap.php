<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
error_reporting(E_ALL);
date_default_timezone_set('UTC');

// vendor/magento/magento-cloud-patches -> the Magento root, wherever the command is run from.
$basePath = dirname(__DIR__, 3);
require_once $basePath . '/vendor/autoload.php';

return new \Magento\CloudPatches\App\Container($basePath);
