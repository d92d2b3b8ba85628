<?php
namespace Magento\Framework\Config;

use Magento\Framework\App\Cache\StateInterface;
use Magento\Framework\Cache\FileCache;

/**
 * Configuration merged from the global scope and one area, each scope read from the config cache when it
 * holds it and read from the XML files (then cached) otherwise: a changed XML file stays invisible until the
 * config cache is cleaned, as in Magento.
 */
abstract class ScopedData
{
    const CACHE_TAG = 'CONFIG';
    const CACHE_TYPE = 'config';

    private $cache;
    private $cacheState;
    private $loaded = [];

    public function __construct(FileCache $cache, StateInterface $cacheState)
    {
        $this->cache = $cache;
        $this->cacheState = $cacheState;
    }

    abstract protected function getCacheId(): string;

    protected function getCacheType(): string
    {
        return self::CACHE_TYPE;
    }

    protected function getCacheTag(): string
    {
        return self::CACHE_TAG;
    }

    abstract protected function read(string $scope): array;

    protected function merge(array $base, array $scoped): array
    {
        return array_replace_recursive($base, $scoped);
    }

    public function getScope(string $scope): array
    {
        if (!isset($this->loaded[$scope])) {
            $cacheId = $scope . '::' . $this->getCacheId();
            $useCache = $this->cacheState->isEnabled($this->getCacheType());
            $cached = $useCache ? $this->cache->load($cacheId) : false;
            if ($cached !== false) {
                $data = json_decode($cached, true);
            } else {
                $data = $this->read($scope);
                if ($useCache) {
                    $this->cache->save(json_encode($data), $cacheId, [$this->getCacheTag()]);
                }
            }
            $this->loaded[$scope] = $data;
        }
        return $this->loaded[$scope];
    }

    public function get(string $area): array
    {
        $data = $this->getScope('global');
        if ($area !== 'global') {
            $data = $this->merge($data, $this->getScope($area));
        }
        return $data;
    }
}
