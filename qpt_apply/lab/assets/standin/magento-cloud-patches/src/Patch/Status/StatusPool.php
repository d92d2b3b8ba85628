<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch\Status;

/**
 * Contains statuses of patches, computed when the pool is built.
 */
class StatusPool
{
    const APPLIED = 'Applied';
    const NA = 'N/A';
    const NOT_APPLIED = 'Not applied';

    private $result;

    /**
     * @param OptionalResolver[] $resolvers
     */
    public function __construct(array $resolvers)
    {
        $result = [];
        foreach ($resolvers as $resolver) {
            $result[] = $resolver->resolve();
        }
        $this->result = array_merge([], ...$result);
    }

    public function get(string $id): string
    {
        return $this->result[$id] ?? self::NA;
    }

    public function isApplied(string $id): bool
    {
        return ($this->result[$id] ?? null) === self::APPLIED;
    }

    public function isNotApplied(string $id): bool
    {
        return ($this->result[$id] ?? null) === self::NOT_APPLIED;
    }
}
