<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */

/**
 * Environment initialization
 */
error_reporting(E_ALL);
if (!defined('BP')) {
    define('BP', dirname(__DIR__));
}
if (!file_exists(BP . '/vendor/autoload.php')) {
    throw new \Exception('Vendor autoload is not found. Please run \'composer install\' under application root directory.');
}
require BP . '/vendor/autoload.php';

umask(0002);
date_default_timezone_set('UTC');
