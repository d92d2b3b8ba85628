<?php
/**
 * Router for the PHP built-in web server:
 *     php -S 127.0.0.1:8082 -t ./pub/ ./phpserver/router.php
 *
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */

if (php_sapi_name() !== 'cli-server') {
    exit;
}

$path = (string)parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
$file = $_SERVER['DOCUMENT_ROOT'] . $path;

// Existing static files are served as they are; everything else goes to the application.
if ($path !== '/' && is_file($file) && substr($file, -4) !== '.php') {
    return false;
}

$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/index.php';
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
