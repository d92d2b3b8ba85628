<?php
namespace Magento\Framework\App;

use Magento\Framework\App\Filesystem\DirectoryList;

/**
 * Product name, edition and version as composer installed them.
 */
class ProductMetadata
{
    const PRODUCT_NAME = 'Magento';

    private $directoryList;

    public function __construct(DirectoryList $directoryList)
    {
        $this->directoryList = $directoryList;
    }

    private function installedPackages()
    {
        $file = $this->directoryList->getRoot() . '/vendor/composer/installed.json';
        $installed = is_file($file) ? json_decode((string)file_get_contents($file), true) : [];
        $packages = [];
        foreach ($installed['packages'] ?? $installed as $package) {
            $packages[$package['name']] = $package['version'];
        }
        return $packages;
    }

    public function getVersion()
    {
        $packages = $this->installedPackages();
        foreach (['magento/product-enterprise-edition', 'magento/product-community-edition', 'magento/magento2-base'] as $name) {
            if (isset($packages[$name])) {
                return $packages[$name];
            }
        }
        return 'UNKNOWN';
    }

    public function getEdition()
    {
        return isset($this->installedPackages()['magento/magento2-ee-base']) ? 'Enterprise' : 'Community';
    }

    public function getName()
    {
        return self::PRODUCT_NAME;
    }
}
