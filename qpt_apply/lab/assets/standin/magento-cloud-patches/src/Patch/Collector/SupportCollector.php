<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch\Collector;

use Magento\CloudPatches\Composer\Installed;
use Magento\CloudPatches\Patch\Data\Patch;

/**
 * Patches of magento/quality-patches (support-patches.json) whose package constraint matches what is installed,
 * in the order of the configuration.
 */
class SupportCollector
{
    private $installed;

    public function __construct(Installed $installed)
    {
        $this->installed = $installed;
    }

    /**
     * @return Patch[]
     */
    public function collect(): array
    {
        if (!class_exists(\Magento\QualityPatches\Info::class)) {
            return [];
        }
        $info = new \Magento\QualityPatches\Info();
        $config = json_decode((string)file_get_contents($info->getSupportPatchesConfig()), true) ?: [];
        $result = [];
        foreach ($config as $patchId => $patchData) {
            foreach ($patchData['packages'] as $packageName => $packageConfiguration) {
                foreach ($packageConfiguration as $constraint => $item) {
                    if (!$this->installed->matches($packageName, (string)$constraint)) {
                        continue;
                    }
                    $result[] = new Patch(
                        $patchId,
                        $patchData['title'],
                        $patchData['categories'] ?? [],
                        $item['file'],
                        $info->getPatchesDirectory() . '/' . $item['file'],
                        $packageName,
                        (string)$constraint,
                        $item['require'] ?? [],
                        $item['replaced-with'] ?? '',
                        (bool)($item['deprecated'] ?? false)
                    );
                }
            }
        }
        return $result;
    }
}
