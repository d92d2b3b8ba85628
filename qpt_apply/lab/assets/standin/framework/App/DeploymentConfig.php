<?php
namespace Magento\Framework\App;

use Magento\Framework\App\Filesystem\DirectoryList;

/**
 * app/etc/env.php merged over app/etc/config.php, read by slash-separated paths.
 */
class DeploymentConfig
{
    private $data;
    private $directoryList;

    public function __construct(DirectoryList $directoryList)
    {
        $this->directoryList = $directoryList;
    }

    private function load()
    {
        if ($this->data === null) {
            $this->data = [];
            foreach (['config.php', 'env.php'] as $file) {
                $path = $this->directoryList->getPath(DirectoryList::CONFIG) . '/' . $file;
                if (is_file($path)) {
                    $this->data = array_replace_recursive($this->data, (array)include $path);
                }
            }
        }
        return $this->data;
    }

    public function get($path = null, $default = null)
    {
        $data = $this->load();
        if ($path === null) {
            return $data;
        }
        foreach (explode('/', $path) as $key) {
            if (!is_array($data) || !array_key_exists($key, $data)) {
                return $default;
            }
            $data = $data[$key];
        }
        return $data;
    }

    public function isAvailable()
    {
        return (bool)$this->get('install/date');
    }

    public function resetData()
    {
        $this->data = null;
    }
}
