<?php
namespace Magento\Framework\App\Filesystem;

/**
 * The well-known directories of a Magento root.
 */
class DirectoryList
{
    const ROOT = 'base';
    const APP = 'app';
    const CONFIG = 'etc';
    const VAR_DIR = 'var';
    const CACHE = 'cache';
    const LOG = 'log';
    const PUB = 'pub';
    const GENERATED = 'generated';
    const GENERATED_CODE = 'code';
    const GENERATED_METADATA = 'metadata';

    private static $relative = [
        self::ROOT => '',
        self::APP => 'app',
        self::CONFIG => 'app/etc',
        self::VAR_DIR => 'var',
        self::CACHE => 'var/cache',
        self::LOG => 'var/log',
        self::PUB => 'pub',
        self::GENERATED => 'generated',
        self::GENERATED_CODE => 'generated/code',
        self::GENERATED_METADATA => 'generated/metadata',
    ];

    private $root;

    public function __construct($root = null)
    {
        $this->root = rtrim($root ?: BP, '/');
    }

    public function getRoot()
    {
        return $this->root;
    }

    public function getPath($code)
    {
        if (!isset(self::$relative[$code])) {
            throw new \InvalidArgumentException("Unknown directory type: '$code'");
        }
        return rtrim($this->root . '/' . self::$relative[$code], '/');
    }
}
