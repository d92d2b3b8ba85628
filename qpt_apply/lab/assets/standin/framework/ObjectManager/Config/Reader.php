<?php
namespace Magento\Framework\ObjectManager\Config;

use Magento\Framework\App\Filesystem\DirectoryList;
use Magento\Framework\Module\ModuleList;

/**
 * Reads the preferences of app/etc/di.xml (scope "primary") or of every enabled module's di.xml for a scope.
 */
class Reader
{
    private $moduleList;
    private $directoryList;

    public function __construct(ModuleList $moduleList, DirectoryList $directoryList)
    {
        $this->moduleList = $moduleList;
        $this->directoryList = $directoryList;
    }

    public function read($scope = 'global')
    {
        if ($scope === 'primary') {
            $primary = $this->directoryList->getPath(DirectoryList::CONFIG) . '/di.xml';
            $files = is_file($primary) ? [$primary] : [];
        } else {
            $files = $this->moduleList->getConfigFiles('di.xml', $scope);
        }
        $preferences = [];
        foreach ($files as $file) {
            $xml = simplexml_load_file($file);
            foreach ($xml->preference as $preference) {
                $preferences[ltrim((string)$preference['for'], '\\')] = ltrim((string)$preference['type'], '\\');
            }
        }
        return ['preferences' => $preferences];
    }
}
