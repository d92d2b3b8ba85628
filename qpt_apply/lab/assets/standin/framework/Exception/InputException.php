<?php
namespace Magento\Framework\Exception;

use Magento\Framework\Phrase;

/**
 * Collects input errors: the first error becomes the message itself; from the second on, the message turns
 * generic and every error is listed.
 */
class InputException extends LocalizedException
{
    const DEFAULT_MESSAGE = 'One or more input exceptions have occurred.';
    const REQUIRED_FIELD = '"%fieldName" is required. Enter and try again.';

    /** @var LocalizedException[] */
    private $errors = [];

    private $addErrorCalls = 0;

    public function __construct(Phrase $phrase = null, \Exception $cause = null, $code = 0)
    {
        parent::__construct($phrase ?: new Phrase(self::DEFAULT_MESSAGE), $cause, $code);
    }

    public static function requiredField($fieldName)
    {
        return new self(new Phrase(self::REQUIRED_FIELD, ['fieldName' => $fieldName]));
    }

    public function addError(Phrase $message)
    {
        $this->addErrorCalls++;
        if ($this->addErrorCalls === 1) {
            $this->phrase = $message;
            $this->message = $message->render();
        } elseif ($this->addErrorCalls === 2) {
            $this->errors[] = new LocalizedException($this->phrase);
            $this->errors[] = new LocalizedException($message);
            $this->phrase = new Phrase(self::DEFAULT_MESSAGE);
            $this->message = $this->phrase->render();
        } else {
            $this->errors[] = new LocalizedException($message);
        }
        return $this;
    }

    public function wasErrorAdded()
    {
        return $this->addErrorCalls > 0;
    }

    public function getErrors()
    {
        return $this->errors;
    }
}
