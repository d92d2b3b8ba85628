<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\App;

/**
 * Appends to var/log/patch.log in Monolog's line format
 * "[%datetime%] %level_name%: %message% %context% %extra%" with empty context and extra left out.
 */
class Logger
{
    private $path;
    private $writable;

    public function __construct(string $path)
    {
        $this->path = $path;
        $dir = dirname($path);
        if (!is_dir($dir)) {
            @mkdir($dir, 0777, true);
        }
        $this->writable = is_dir($dir) && is_writable($dir);
    }

    private function write(string $level, $message, array $context = []): void
    {
        if (!$this->writable) {
            return;
        }
        if ($message instanceof \Throwable) {
            $context = ['exception' => $message];
            $message = $message->getMessage();
        }
        foreach ($context as $key => $value) {
            if ($value instanceof \Throwable) {
                $context[$key] = sprintf('[object] (%s(code: %d): %s at %s:%d)', get_class($value),
                    $value->getCode(), $value->getMessage(), $value->getFile(), $value->getLine());
            }
        }
        $contextText = $context
            ? json_encode($context, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION)
            : '';
        $line = sprintf("[%s] %s: %s %s %s\n", (new \DateTime())->format('Y-m-d\TH:i:s.uP'), $level,
            (string)$message, $contextText, '');
        @file_put_contents($this->path, $line, FILE_APPEND | LOCK_EX);
    }

    public function info($message, array $context = []): void
    {
        $this->write('INFO', strip_tags((string)$message), $context);
    }

    public function notice($message, array $context = []): void
    {
        $this->write('NOTICE', $message, $context);
    }

    public function warning($message, array $context = []): void
    {
        $this->write('WARNING', $message, $context);
    }

    public function error($message, array $context = []): void
    {
        $this->write('ERROR', $message, $context);
    }

    public function critical($message, array $context = []): void
    {
        $this->write('CRITICAL', $message, $context);
    }
}
