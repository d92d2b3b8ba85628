<?php
namespace Magento\Framework\Cache;

use Magento\Framework\App\DeploymentConfig;
use Magento\Framework\App\Filesystem\DirectoryList;

/**
 * The default cache frontend: one file per entry under var/cache/mage--X/, each carrying its tags.
 */
class FileCache
{
    private $dir;
    private $prefix;

    public function __construct(DirectoryList $directoryList, DeploymentConfig $deploymentConfig)
    {
        $this->dir = $directoryList->getPath(DirectoryList::CACHE);
        $this->prefix = (string)$deploymentConfig->get('cache/frontend/default/id_prefix', '');
    }

    private function file($identifier)
    {
        $id = strtoupper(preg_replace('/[^a-zA-Z0-9_]/', '_', $this->prefix . $identifier));
        return $this->dir . '/mage--' . substr(md5($id), 0, 1) . '/mage---' . $id;
    }

    public function load($identifier)
    {
        $file = $this->file($identifier);
        if (!is_file($file)) {
            return false;
        }
        $record = @unserialize((string)file_get_contents($file), ['allowed_classes' => false]);
        return is_array($record) ? $record['data'] : false;
    }

    public function save($data, $identifier, array $tags = [])
    {
        $file = $this->file($identifier);
        if (!is_dir(dirname($file)) && !@mkdir(dirname($file), 0777, true) && !is_dir(dirname($file))) {
            return false;
        }
        $tmp = $file . '.' . getmypid() . '.tmp';
        $record = serialize(['tags' => array_values($tags), 'data' => (string)$data]);
        return @file_put_contents($tmp, $record) !== false && rename($tmp, $file);
    }

    public function remove($identifier)
    {
        $file = $this->file($identifier);
        return !is_file($file) || unlink($file);
    }

    /**
     * Removes every entry when $tags is empty, else every entry carrying one of $tags.
     */
    public function clean(array $tags = [])
    {
        foreach (glob($this->dir . '/mage--*/mage---*') ?: [] as $file) {
            if ($tags) {
                $record = @unserialize((string)file_get_contents($file), ['allowed_classes' => false]);
                if (is_array($record) && !array_intersect($tags, $record['tags'])) {
                    continue;
                }
            }
            @unlink($file);
        }
        return true;
    }

    /**
     * Flushes the storage itself, whatever the entries hold.
     */
    public function flush()
    {
        foreach (glob($this->dir . '/*') ?: [] as $path) {
            self::removeTree($path);
        }
        return true;
    }

    public static function removeTree($path)
    {
        if (is_dir($path) && !is_link($path)) {
            foreach (scandir($path) as $entry) {
                if ($entry !== '.' && $entry !== '..') {
                    self::removeTree($path . '/' . $entry);
                }
            }
            @rmdir($path);
        } elseif (file_exists($path) || is_link($path)) {
            @unlink($path);
        }
    }
}
