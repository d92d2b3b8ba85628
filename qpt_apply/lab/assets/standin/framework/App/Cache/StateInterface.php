<?php
namespace Magento\Framework\App\Cache;

interface StateInterface
{
    public function isEnabled($cacheType);
}
