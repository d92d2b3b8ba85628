<?php
namespace Magento\Framework\App\Cache;

use Magento\Framework\Cache\FileCache;

/**
 * Cache status manager behind the cache:* commands.
 */
class Manager
{
    private $cacheTypeList;
    private $cache;

    public function __construct(TypeList $cacheTypeList, FileCache $cache)
    {
        $this->cacheTypeList = $cacheTypeList;
        $this->cache = $cache;
    }

    public function clean(array $types)
    {
        foreach ($types as $type) {
            $this->cacheTypeList->cleanType($type);
        }
    }

    public function flush(array $types)
    {
        // Every type shares the one file backend: flushing it once flushes them all.
        if ($types) {
            $this->cache->flush();
        }
    }

    public function getStatus()
    {
        $result = [];
        foreach ($this->cacheTypeList->getTypes() as $type) {
            $result[$type['id']] = $type['status'];
        }
        return $result;
    }

    public function getAvailableTypes()
    {
        return array_keys($this->cacheTypeList->getTypes());
    }
}
