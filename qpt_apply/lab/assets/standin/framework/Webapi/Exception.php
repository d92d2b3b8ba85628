<?php
namespace Magento\Framework\Webapi;

use Magento\Framework\Exception\LocalizedException;
use Magento\Framework\Phrase;

/**
 * An error on its way to a web API client, with its HTTP code.
 */
class Exception extends LocalizedException
{
    const HTTP_BAD_REQUEST = 400;
    const HTTP_UNAUTHORIZED = 401;
    const HTTP_NOT_FOUND = 404;
    const HTTP_INTERNAL_ERROR = 500;

    private $httpCode;
    private $details;
    private $errors;
    private $trace;

    public function __construct(Phrase $phrase, $code = 0, $httpCode = self::HTTP_BAD_REQUEST, array $details = [],
        $name = '', $errors = null, $stackTrace = null)
    {
        parent::__construct($phrase, null, $code);
        $this->httpCode = $httpCode;
        $this->details = $details;
        $this->errors = $errors;
        $this->trace = $stackTrace;
    }

    public function getHttpCode()
    {
        return $this->httpCode;
    }

    public function getDetails()
    {
        return $this->details;
    }

    public function getErrors()
    {
        return $this->errors;
    }

    public function getStackTrace()
    {
        return $this->trace;
    }
}
