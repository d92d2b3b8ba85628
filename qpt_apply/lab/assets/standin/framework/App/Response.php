<?php
namespace Magento\Framework\App;

/**
 * HTTP response being built by the application.
 */
class Response
{
    private $code = 200;
    private $headers = [];
    private $body = '';

    public function setHttpResponseCode($code)
    {
        $this->code = (int)$code;
        return $this;
    }

    public function getHttpResponseCode()
    {
        return $this->code;
    }

    public function setHeader($name, $value)
    {
        $this->headers[$name] = $value;
        return $this;
    }

    public function clearHeaders()
    {
        $this->headers = [];
        return $this;
    }

    public function setBody($body)
    {
        $this->body = (string)$body;
        return $this;
    }

    public function getBody()
    {
        return $this->body;
    }

    public function sendResponse()
    {
        if (PHP_SAPI !== 'cli') {
            http_response_code($this->code);
            foreach ($this->headers as $name => $value) {
                header($name . ': ' . $value);
            }
        }
        echo $this->body;
    }
}
