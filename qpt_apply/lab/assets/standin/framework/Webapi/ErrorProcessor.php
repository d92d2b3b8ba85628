<?php
namespace Magento\Framework\Webapi;

use Magento\Framework\App\State;
use Magento\Framework\Exception\AuthenticationException;
use Magento\Framework\Exception\InputException;
use Magento\Framework\Exception\LocalizedException;
use Magento\Framework\Exception\NoSuchEntityException;
use Magento\Framework\Phrase;
use Psr\Log\LoggerInterface;

/**
 * Turns exceptions into what a REST client sees: the raw message and its parameters for a LocalizedException,
 * a masked "Internal Error" for anything else outside developer mode.
 */
class ErrorProcessor
{
    const INTERNAL_SERVER_ERROR_MSG = 'Internal Error. Details are available in Magento log file. Report ID: %1';

    private $appState;
    private $logger;

    public function __construct(State $appState, LoggerInterface $logger)
    {
        $this->appState = $appState;
        $this->logger = $logger;
    }

    public function maskException(\Exception $exception)
    {
        $isDevMode = $this->appState->getMode() === State::MODE_DEVELOPER;
        $stackTrace = $isDevMode ? $exception->getTraceAsString() : null;
        if ($exception instanceof Exception) {
            return $exception;
        }
        if ($exception instanceof LocalizedException) {
            if ($exception instanceof NoSuchEntityException) {
                $httpCode = Exception::HTTP_NOT_FOUND;
            } elseif ($exception instanceof AuthenticationException) {
                $httpCode = Exception::HTTP_UNAUTHORIZED;
            } else {
                $httpCode = Exception::HTTP_BAD_REQUEST;
            }
            $errors = null;
            if ($exception instanceof InputException && $exception->getErrors()) {
                $errors = $exception->getErrors();
            }
            return new Exception(
                new Phrase($exception->getRawMessage(), $exception->getParameters()),
                $exception->getCode(), $httpCode, $exception->getParameters(), get_class($exception), $errors,
                $stackTrace
            );
        }
        $reportId = uniqid('webapi-');
        $this->logger->critical('Report ID: ' . $reportId . '; Message: ' . $exception->getMessage(),
            ['exception' => $exception]);
        $message = $isDevMode ? $exception->getMessage() : (string)new Phrase(self::INTERNAL_SERVER_ERROR_MSG, [$reportId]);
        return new Exception(new Phrase($message), $exception->getCode(), Exception::HTTP_INTERNAL_ERROR, [], '',
            null, $stackTrace);
    }

    public function render(Exception $exception)
    {
        $data = ['message' => $exception->getRawMessage()];
        if ($exception->getDetails()) {
            $data['parameters'] = $exception->getDetails();
        }
        if ($exception->getErrors()) {
            $data['errors'] = [];
            foreach ($exception->getErrors() as $error) {
                $item = ['message' => $error->getRawMessage()];
                if ($error->getParameters()) {
                    $item['parameters'] = $error->getParameters();
                }
                $data['errors'][] = $item;
            }
        }
        if ($exception->getStackTrace()) {
            $data['trace'] = $exception->getStackTrace();
        }
        return json_encode($data);
    }
}
