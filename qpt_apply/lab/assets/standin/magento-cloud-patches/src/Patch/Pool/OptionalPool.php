<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch\Pool;

use Magento\CloudPatches\Patch\Collector\SupportCollector;
use Magento\CloudPatches\Patch\Data\Patch;
use Magento\CloudPatches\Patch\PatchIntegrityException;

/**
 * Contains all optional patches offered for the installed versions.
 */
class OptionalPool
{
    /**
     * @var Patch[]
     */
    private $items;

    public function __construct(SupportCollector $supportCollector)
    {
        $this->items = $supportCollector->collect();
    }

    /**
     * Patches matching the filter, each preceded by the patches it requires; config order.
     *
     * @param string[] $filter
     * @param bool $useRequire
     * @return Patch[]
     * @throws PatchIntegrityException
     * @throws PatchNotFoundException
     */
    public function getList(array $filter = [], bool $useRequire = true): array
    {
        if (empty($filter)) {
            return $this->items;
        }

        $result = [];
        foreach ($this->items as $patch) {
            if (in_array($patch->getId(), $filter, true)) {
                if ($patch->getRequire() && $useRequire) {
                    $result[] = $this->getRequireList($patch->getRequire());
                }
                $result[] = [$patch];
            }
        }

        $result = $result ? array_values(array_unique(array_merge(...$result), SORT_REGULAR)) : [];
        $this->validateSearchResult($filter, $result);

        return $result;
    }

    /**
     * All optional, non-deprecated patches with what they require ("apply *").
     *
     * @return Patch[]
     */
    public function getOptionalAll(): array
    {
        $result = [];
        foreach ($this->items as $patch) {
            if ($patch->isDeprecated()) {
                continue;
            }
            if ($patch->getRequire()) {
                $result[] = $this->getRequireList($patch->getRequire());
            }
            $result[] = [$patch];
        }
        return $result ? array_values(array_unique(array_merge(...$result), SORT_REGULAR)) : [];
    }

    /**
     * Ids of the patches that require the given one, directly or not.
     *
     * @return string[]
     */
    public function getDependentOn(string $patchId): array
    {
        $result = [];
        foreach ($this->items as $patch) {
            if (in_array($patchId, $patch->getRequire(), true)) {
                $result[] = $this->getDependentOn($patch->getId());
                $result[] = [$patch->getId()];
            }
        }
        return array_values(array_unique(array_merge([], ...$result)));
    }

    /**
     * Required patches which are not in the filter.
     *
     * @return Patch[]
     */
    public function getAdditionalRequiredPatches(array $filter): array
    {
        if (empty($filter)) {
            return [];
        }
        return array_values(array_filter($this->getList($filter), function (Patch $patch) use ($filter) {
            return !in_array($patch->getId(), $filter, true);
        }));
    }

    /**
     * @throws PatchNotFoundException
     */
    private function validateSearchResult(array $filter, array $searchResult): void
    {
        $resultIds = array_map(function (Patch $patch) {
            return $patch->getId();
        }, $searchResult);

        $diff = array_diff($filter, $resultIds);
        if (count($diff) > 0) {
            throw new PatchNotFoundException(
                'Next patches weren\'t found: ' . implode(' ', $diff) . '. ' .
                'Please, check with "status" command availability of these patches for the current Magento version.'
            );
        }
    }

    /**
     * @return Patch[]
     * @throws PatchIntegrityException
     */
    private function getRequireList(array $require): array
    {
        try {
            return $this->getList($require);
        } catch (PatchNotFoundException $e) {
            throw new PatchIntegrityException('Configuration error - ' . $e->getMessage(), $e->getCode());
        }
    }
}
