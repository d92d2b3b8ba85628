<?php
namespace Magento\Framework\Lab;

/**
 * The root composer.json's pre-update-cmd script: `composer update` and `composer require` (never `composer install`)
 * log to the host's command log, sleep their composer_update delay and, with the composer_update fault, fail midway.
 *
 * "Midway" is where composer has written composer.lock but not yet touched vendor/: right before the first package
 * operation (or, when nothing is to be installed, before post-update-cmd). Failing there leaves composer.lock with
 * the new versions while vendor/ and vendor/composer/installed.json keep the old ones.
 */
class ComposerHooks
{
    const CMD = 'composer update';
    const STEP = 'composer_update';

    private $host;
    private $reachedMidway = false;

    private function __construct(Host $host)
    {
        $this->host = $host;
    }

    public static function startUpdate($event)
    {
        $composer = $event->getComposer();
        $host = Host::of(dirname($composer->getConfig()->get('vendor-dir')));
        $host->logStart(self::CMD, $_SERVER['argv'] ?? []);
        $update = new self($host);
        // Listeners added here run in-process and print nothing, unlike one root script per package event.
        $dispatcher = $composer->getEventDispatcher();
        foreach (['pre-package-install', 'pre-package-update', 'pre-package-uninstall'] as $packageEvent) {
            $dispatcher->addListener($packageEvent, [$update, 'beforePackage']);
        }
        $dispatcher->addListener('post-update-cmd', [$update, 'finish']);
    }

    public function beforePackage($event)
    {
        $this->midway('before "' . strip_tags($event->getOperation()->show(false)) . '"');
    }

    public function finish($event)
    {
        $this->midway('before post-update-cmd');
        $this->host->logEnd(self::CMD, 0);
    }

    private function midway($where)
    {
        if ($this->reachedMidway) {
            return;
        }
        $this->reachedMidway = true;
        $this->host->delay(self::STEP);
        if ($this->host->fails(self::STEP)) {
            $this->host->logEnd(self::CMD, 1);
            throw new \RuntimeException("Lab fault composer_update: stopped $where; composer.lock is written, "
                . 'vendor/ is not updated');
        }
    }
}
