<?php
namespace Magento\Framework\App;

/**
 * The current HTTP request.
 */
class Request
{
    public function getMethod()
    {
        return strtoupper($_SERVER['REQUEST_METHOD'] ?? 'GET');
    }

    public function getPathInfo()
    {
        return (string)parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
    }

    public function getContent()
    {
        return (string)file_get_contents('php://input');
    }

    public function getQuery($name)
    {
        return $_GET[$name] ?? null;
    }

    public function getHeader($name)
    {
        $key = 'HTTP_' . strtoupper(str_replace('-', '_', $name));
        return $_SERVER[$key] ?? ($name === 'Content-Type' ? ($_SERVER['CONTENT_TYPE'] ?? null) : null);
    }
}
