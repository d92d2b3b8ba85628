<?php
namespace Magento\Framework\App;

use Magento\Framework\App\Filesystem\DirectoryList;

/**
 * var/.maintenance.flag switches the store off for everyone but the IPs listed in var/.maintenance.ip.
 */
class MaintenanceMode
{
    const FLAG_FILENAME = '.maintenance.flag';
    const IP_FILENAME = '.maintenance.ip';

    private $varDir;

    public function __construct(DirectoryList $directoryList)
    {
        $this->varDir = $directoryList->getPath(DirectoryList::VAR_DIR);
    }

    public function isOn($remoteAddr = '')
    {
        if (!is_file($this->varDir . '/' . self::FLAG_FILENAME)) {
            return false;
        }
        return !in_array($remoteAddr, $this->getAddressInfo(), true);
    }

    public function set($isOn)
    {
        $flag = $this->varDir . '/' . self::FLAG_FILENAME;
        if ($isOn) {
            if (!is_dir($this->varDir)) {
                mkdir($this->varDir, 0777, true);
            }
            return touch($flag);
        }
        return !is_file($flag) || unlink($flag);
    }

    public function setAddresses($addresses)
    {
        $file = $this->varDir . '/' . self::IP_FILENAME;
        if ($addresses === '') {
            return !is_file($file) || unlink($file);
        }
        return (bool)file_put_contents($file, $addresses);
    }

    public function getAddressInfo()
    {
        $file = $this->varDir . '/' . self::IP_FILENAME;
        if (!is_file($file)) {
            return [];
        }
        $content = trim((string)file_get_contents($file));
        return $content === '' ? [] : explode(',', $content);
    }
}
