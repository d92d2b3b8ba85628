<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
 */
error_reporting(E_ALL);
date_default_timezone_set('UTC');

// vendor/magento/magento-cloud-patches -> the Magento root, wherever the command is run from.
$basePath = dirname(__DIR__, 3);
require_once $basePath . '/vendor/autoload.php';

return new \Magento\CloudPatches\App\Container($basePath);
