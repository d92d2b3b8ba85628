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
 *
 * A patch is offered when one of its package constraints in support-patches.json matches the installed
 * package (see SupportCollector). A patch may require other patches ("require"): they are applied before
 * it and reverted after it, and its status is computed together with those that are not applied yet.
 *
 * Two kinds of "not found" come out of this pool:
 *
 *  - a patch asked for by the operator is not offered for this Magento version (or this QPT release
 *    does not know it): PatchNotFoundException, which the commands print on stdout
 *    ("Next patches weren't found: ...") and exit 1;
 *
 *  - a patch offered here requires a patch that is not offered here: the release's configuration is
 *    inconsistent for this version, PatchIntegrityException ("Configuration error - Next patches
 *    weren't found: ..."). It is not handled by the commands: Symfony prints it on stderr as
 *    "In OptionalPool.php line 267:" with the message and the command's synopsis, exit 1.
 *    Every command meets it, status included, because computing the statuses resolves every
 *    patch's requirements. quality-patches 1.1.56 and 1.1.57 shipped such configurations
 *    (1.1.57: ACSD-62872, a patch for both editions, requires ACSD-48070, which exists for
 *    Adobe Commerce only, so every command fails on Magento Open Source 2.4.4 - 2.4.6).
 *
 * What such a host prints for `magento-patches status -n` (stderr, 80 columns; Symfony wraps the
 * message to the terminal's width, COLUMNS when set):
 *
 *     In OptionalPool.php line 267:
 *
 *       Configuration error - Next patches weren't found: ACSD-48070. Please, check
 *        with "status" command availability of these patches for the current Magent
 *       o version.
 *
 *
 *     status [-f|--format [FORMAT]]
 *
 * A release is therefore judged by whether it runs on the host, not only by its version.
 *
 * The header names the line where the exception is created; it is line 267 in the real
 * magento/magento-cloud-patches 1.1.0, and tests/test_standin_qpt.py holds the stand-in to it:
 * keep getRequireList() the last method of this file when editing above it.
 */
class OptionalPool
{
    /**
     * The offered patches, in configuration order (one item per matching package constraint).
     *
     * @var Patch[]
     */
    private $items;

    /**
     * @param SupportCollector $supportCollector
     */
    public function __construct(SupportCollector $supportCollector)
    {
        $this->items = $supportCollector->collect();
    }

    /**
     * Patches matching the filter, each preceded by the patches it requires; config order.
     *
     * Without a filter: every offered patch, requirements not resolved. With one, e.g.
     * ['ACSD-62332'] on 2.4.6: [ACSD-61103, ACSD-62332], ACSD-62332 requiring ACSD-61103.
     * The order is the configuration's, not the filter's: `apply B A` applies A first when the
     * configuration lists A first.
     *
     * @param string[] $filter patch ids
     * @param bool $useRequire also return the patches each one requires
     * @return Patch[]
     * @throws PatchIntegrityException a required patch is not offered
     * @throws PatchNotFoundException a patch of the filter is not offered
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
     * @throws PatchIntegrityException a required patch is not offered
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
     * A revert refuses to take a patch out while one of these is applied.
     *
     * @param string $patchId
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
     * Ids of the patches the given one requires, directly or not.
     *
     * @param string $patchId
     * @return string[]
     * @throws PatchIntegrityException a required patch is not offered
     * @throws PatchNotFoundException the patch is not offered
     */
    public function getDependencies(string $patchId): array
    {
        $ids = array_map(function (Patch $patch) {
            return $patch->getId();
        }, $this->getAdditionalRequiredPatches([$patchId]));

        return array_values(array_unique($ids));
    }

    /**
     * Required patches which are not in the filter.
     *
     * An apply adds them first (the real tool asks; with -n the answer is yes).
     *
     * @param string[] $filter patch ids
     * @return Patch[]
     * @throws PatchIntegrityException a required patch is not offered
     * @throws PatchNotFoundException a patch of the filter is not offered
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
     * Ids of the patches replaced by the given one ("replaced-with" in their configuration).
     *
     * Status shows such a patch with "Recommended replacement: <id>" in its details.
     *
     * @param string $patchId
     * @return string[]
     */
    public function getReplacedBy(string $patchId): array
    {
        $result = [];
        foreach ($this->items as $patch) {
            if ($patchId !== '' && $patch->getReplacedWith() === $patchId) {
                $result[] = $patch->getId();
            }
        }
        return array_values(array_unique($result));
    }

    /**
     * Ids of the non-deprecated patches of a type (every stand-in patch is optional).
     *
     * @param string $type
     * @return string[]
     */
    public function getIdsByType(string $type): array
    {
        $result = [];
        foreach ($this->items as $patch) {
            if (!$patch->isDeprecated() && $patch->getType() === $type) {
                $result[] = $patch->getId();
            }
        }
        return array_values(array_unique($result));
    }

    /**
     * Fails when a patch of the filter is missing from the search result.
     *
     * The message lists the missing ids, separated by spaces, in the filter's order; `apply` and
     * `revert` print it on stdout after the version line, e.g. on 2.4.7:
     * "Next patches weren't found: ACSD-61103. Please, check with "status" command availability
     * of these patches for the current Magento version."
     *
     * @param string[] $filter patch ids
     * @param Patch[] $searchResult
     * @return void
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
     * The patches a patch requires ("require" in its configuration), each preceded by its own
     * requirements.
     *
     * A required patch that is not offered for the installed version is not the operator's mistake
     * but the release's: the PatchNotFoundException becomes a PatchIntegrityException, which no
     * command handles (see the class comment). Requirements resolve recursively: a required
     * patch's own requirements come before it.
     *
     * @param string[] $require patch ids
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
