<?php
namespace Magento\Framework\Cache;

/**
 * The file backend's cache directory is missing or cannot be written (Zend_Cache_Exception in Magento).
 */
class CacheDirException extends \RuntimeException
{
    public static function notWritable($dir)
    {
        return new self(sprintf('cache_dir "%s" is not writable', $dir));
    }
}
