<?php
namespace Magento\Framework\Console\Command;

class CacheFlushCommand extends AbstractCacheTypeManageCommand
{
    protected function configure()
    {
        $this->setName('cache:flush');
        $this->setAliases(['c:f']);
        $this->setDescription('Flushes cache storage used by cache type(s)');
        parent::configure();
    }

    protected function performAction(array $cacheTypes)
    {
        $this->cacheManager->flush($cacheTypes);
    }

    protected function getDisplayMessage()
    {
        return 'Flushed cache types:';
    }
}
