<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch\Status;

use Magento\CloudPatches\Patch\Applier;
use Magento\CloudPatches\Patch\Data\Patch;
use Magento\CloudPatches\Patch\Pool\OptionalPool;

/**
 * Resolves statuses of quality patches by checking their files against the code, every time.
 */
class OptionalResolver
{
    private $applier;
    private $optionalPool;

    public function __construct(Applier $applier, OptionalPool $optionalPool)
    {
        $this->applier = $applier;
        $this->optionalPool = $optionalPool;
    }

    public function resolve(): array
    {
        $aggregated = [];
        foreach ($this->optionalPool->getList() as $patch) {
            $aggregated[$patch->getId()][] = $patch;
        }

        $statuses = [StatusPool::NA => [], StatusPool::NOT_APPLIED => [], StatusPool::APPLIED => []];

        // Patches without dependencies: their own files decide.
        foreach ($aggregated as $id => $items) {
            if (empty($items[0]->getRequire())) {
                $statuses[$this->applier->status($this->getContent($items))][] = $id;
            }
        }
        // Patches with dependencies: checked together with the required patches not applied yet.
        foreach ($aggregated as $id => $items) {
            if (!empty($items[0]->getRequire())) {
                $requiredPatches = array_filter(
                    $this->optionalPool->getList([$id]),
                    function (Patch $patch) use ($statuses, $id) {
                        return $patch->getId() === $id
                            || in_array($patch->getId(), $statuses[StatusPool::NOT_APPLIED], true);
                    }
                );
                $statuses[$this->applier->status($this->getContent($requiredPatches))][] = $id;
            }
        }
        // If a dependent patch is applied, what it requires is applied as well.
        foreach (array_reverse($statuses[StatusPool::NA]) as $patchId) {
            foreach ($aggregated as $id => $items) {
                if (in_array($patchId, $items[0]->getRequire(), true)
                    && in_array($id, $statuses[StatusPool::APPLIED], true)) {
                    $statuses[StatusPool::APPLIED][] = $patchId;
                    $statuses[StatusPool::NA] = array_diff($statuses[StatusPool::NA], [$patchId]);
                }
            }
        }

        $result = [];
        foreach ($statuses as $status => $ids) {
            foreach ($ids as $id) {
                $result[$id] = $status;
            }
        }
        return $result;
    }

    /**
     * @param Patch[] $patches
     */
    private function getContent(array $patches): string
    {
        $result = '';
        foreach ($patches as $patch) {
            $result .= (string)file_get_contents($patch->getPath());
        }
        return $result;
    }
}
