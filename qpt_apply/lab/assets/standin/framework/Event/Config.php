<?php
namespace Magento\Framework\Event;

use Magento\Framework\App\Cache\StateInterface;
use Magento\Framework\Cache\FileCache;
use Magento\Framework\Config\ScopedData;
use Magento\Framework\Event\Config\Reader;

/**
 * Observers per event for an area, as the config cache (or, when cold, the events.xml files) say.
 */
class Config extends ScopedData
{
    private $reader;

    public function __construct(Reader $reader, FileCache $cache, StateInterface $cacheState)
    {
        $this->reader = $reader;
        parent::__construct($cache, $cacheState);
    }

    protected function getCacheId(): string
    {
        return 'event_config_cache';
    }

    protected function read(string $scope): array
    {
        return $this->reader->read($scope);
    }

    public function getObservers($eventName, $area)
    {
        return $this->get($area)[strtolower($eventName)] ?? [];
    }
}
