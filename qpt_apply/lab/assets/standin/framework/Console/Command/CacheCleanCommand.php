<?php
namespace Magento\Framework\Console\Command;

class CacheCleanCommand extends AbstractCacheTypeManageCommand
{
    protected function configure()
    {
        $this->setName('cache:clean');
        $this->setAliases(['c:c']);
        $this->setDescription('Cleans cache type(s)');
        parent::configure();
    }

    protected function performAction(array $cacheTypes)
    {
        $this->cacheManager->clean($cacheTypes);
    }

    protected function getDisplayMessage()
    {
        return 'Cleaned cache types:';
    }
}
