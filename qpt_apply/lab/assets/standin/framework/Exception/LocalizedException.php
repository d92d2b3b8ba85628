<?php
namespace Magento\Framework\Exception;

use Magento\Framework\Phrase;

/**
 * An error meant for the user: its message is a Phrase, rendered for humans and kept raw for API clients.
 */
class LocalizedException extends \Exception
{
    protected $phrase;

    public function __construct(Phrase $phrase, \Exception $cause = null, $code = 0)
    {
        $this->phrase = $phrase;
        parent::__construct($phrase->render(), (int)$code, $cause);
    }

    public function getRawMessage()
    {
        return $this->phrase->getText();
    }

    public function getParameters()
    {
        return $this->phrase->getArguments();
    }

    public function getLogMessage()
    {
        return $this->getMessage();
    }
}
