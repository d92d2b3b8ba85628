<?php
namespace Magento\Framework\ObjectManager;

use Magento\Framework\App\Cache\StateInterface;
use Magento\Framework\Cache\FileCache;
use Magento\Framework\Config\ScopedData;
use Magento\Framework\ObjectManager\Config\Reader;

/**
 * Dependency injection configuration per area, cached in the config cache like the events.
 */
class DiConfig extends ScopedData
{
    private $reader;

    public function __construct(Reader $reader, FileCache $cache, StateInterface $cacheState)
    {
        $this->reader = $reader;
        parent::__construct($cache, $cacheState);
    }

    protected function getCacheId(): string
    {
        return 'DiConfig';
    }

    protected function read(string $scope): array
    {
        return $this->reader->read($scope);
    }
}
