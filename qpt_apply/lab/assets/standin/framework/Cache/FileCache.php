<?php
namespace Magento\Framework\Cache;

use Magento\Framework\App\DeploymentConfig;
use Magento\Framework\App\Filesystem\DirectoryList;
use Magento\Framework\Filesystem\Driver\File;

/**
 * The default cache frontend: one file per entry under var/cache/mage--X/, each carrying its tags.
 *
 * Like Magento's file backend, the first use creates var/cache and refuses a cache_dir it cannot write; after that,
 * an entry that cannot be saved or removed is left as it is and the operation goes on.
 */
class FileCache
{
    private $dir;
    private $prefix;
    private $driver;
    private $dirChecked = false;

    public function __construct(DirectoryList $directoryList, DeploymentConfig $deploymentConfig, File $driver)
    {
        $this->dir = $directoryList->getPath(DirectoryList::CACHE);
        $this->prefix = (string)$deploymentConfig->get('cache/frontend/default/id_prefix', '');
        $this->driver = $driver;
    }

    /**
     * @throws CacheDirException|\Magento\Framework\Exception\FileSystemException
     */
    public function assertCacheDir()
    {
        if ($this->dirChecked) {
            return;
        }
        $this->driver->createDirectory($this->dir . '/');
        if (!$this->driver->isWritable($this->dir)) {
            throw CacheDirException::notWritable($this->dir . '/');
        }
        $this->dirChecked = true;
    }

    private function file($identifier)
    {
        $id = strtoupper(preg_replace('/[^a-zA-Z0-9_]/', '_', $this->prefix . $identifier));
        return $this->dir . '/mage--' . substr(md5($id), 0, 1) . '/mage---' . $id;
    }

    public function load($identifier)
    {
        $this->assertCacheDir();
        $file = $this->file($identifier);
        if (!is_file($file)) {
            return false;
        }
        $record = @unserialize((string)file_get_contents($file), ['allowed_classes' => false]);
        return is_array($record) ? $record['data'] : false;
    }

    public function save($data, $identifier, array $tags = [])
    {
        $this->assertCacheDir();
        $file = $this->file($identifier);
        if (!is_dir(dirname($file)) && !@mkdir(dirname($file), 0777, true) && !is_dir(dirname($file))) {
            return false;
        }
        $tmp = $file . '.' . getmypid() . '.tmp';
        $record = serialize(['tags' => array_values($tags), 'data' => (string)$data]);
        return @file_put_contents($tmp, $record) !== false && @rename($tmp, $file);
    }

    public function remove($identifier)
    {
        $this->assertCacheDir();
        $file = $this->file($identifier);
        return !is_file($file) || @unlink($file);
    }

    /**
     * Removes every entry when $tags is empty, else every entry carrying one of $tags.
     */
    public function clean(array $tags = [])
    {
        $this->assertCacheDir();
        $removed = true;
        foreach (glob($this->dir . '/mage--*/mage---*') ?: [] as $file) {
            if ($tags) {
                $record = @unserialize((string)file_get_contents($file), ['allowed_classes' => false]);
                if (is_array($record) && !array_intersect($tags, $record['tags'])) {
                    continue;
                }
            }
            $removed = @unlink($file) && $removed;
        }
        return $removed;
    }

    /**
     * Flushes the storage itself, whatever the entries hold.
     */
    public function flush()
    {
        $this->assertCacheDir();
        $removed = true;
        foreach (glob($this->dir . '/*') ?: [] as $path) {
            $removed = self::removeTree($path) && $removed;
        }
        return $removed;
    }

    private static function removeTree($path)
    {
        if (is_dir($path) && !is_link($path)) {
            $removed = true;
            foreach (scandir($path) as $entry) {
                if ($entry !== '.' && $entry !== '..') {
                    $removed = self::removeTree($path . '/' . $entry) && $removed;
                }
            }
            return @rmdir($path) && $removed;
        }
        return @unlink($path);
    }
}
