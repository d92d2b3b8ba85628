<?php
namespace Magento\Framework\Logger;

use Magento\Framework\App\Filesystem\DirectoryList;
use Psr\Log\AbstractLogger;
use Psr\Log\LogLevel;

/**
 * Magento's log channel "main": errors with exceptions go to var/log/exception.log, the rest to system.log.
 */
class Monolog extends AbstractLogger
{
    private $logDir;

    public function __construct(DirectoryList $directoryList)
    {
        $this->logDir = $directoryList->getPath(DirectoryList::LOG);
    }

    public function log($level, $message, array $context = [])
    {
        if ($message instanceof \Throwable) {
            $context['exception'] = $message;
            $message = $message->getMessage();
        }
        $file = isset($context['exception']) ? 'exception.log' : 'system.log';
        $contextText = [];
        foreach ($context as $key => $value) {
            if ($value instanceof \Throwable) {
                $value = sprintf('[object] (%s(code: %d): %s at %s:%d)', get_class($value), $value->getCode(),
                    $value->getMessage(), $value->getFile(), $value->getLine());
            }
            $contextText[$key] = $value;
        }
        $line = sprintf("[%s] main.%s: %s %s []\n", (new \DateTime())->format('Y-m-d\TH:i:s.uP'),
            strtoupper($level), $message, json_encode($contextText ?: new \stdClass(), JSON_UNESCAPED_SLASHES));
        if (!is_dir($this->logDir)) {
            @mkdir($this->logDir, 0777, true);
        }
        @file_put_contents($this->logDir . '/' . $file, $line, FILE_APPEND | LOCK_EX);
    }
}
