<?php
namespace Magento\Framework\Console\Command;

use Magento\Framework\App\Cache\Manager;
use Symfony\Component\Console\Command\Command;

abstract class AbstractCacheCommand extends Command
{
    protected $cacheManager;

    public function __construct(Manager $cacheManager)
    {
        $this->cacheManager = $cacheManager;
        parent::__construct();
    }
}
