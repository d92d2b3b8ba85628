<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Composer;

/**
 * "Magento 2 <edition> Edition, version <normalized magento2-base version>".
 */
class MagentoVersion
{
    private $installed;

    public function __construct(Installed $installed)
    {
        $this->installed = $installed;
    }

    public function get(): string
    {
        $base = $this->installed->findPackage('magento/magento2-base');
        if ($base === null) {
            return 'Magento 2 is not installed';
        }
        return sprintf('Magento 2 %s Edition, version %s', $this->getEdition(),
            $base['version_normalized'] ?? Semver::normalize($base['version']));
    }

    public function getEdition(): string
    {
        if ($this->installed->findPackage('magento/magento2-b2b-base')) {
            return 'B2B';
        }
        if ($this->installed->findPackage('magento/magento2-ee-base')) {
            return 'Enterprise';
        }
        return 'Community';
    }
}
