<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch;

use Magento\CloudPatches\Patch\Status\StatusPool;

/**
 * Applies, reverts and checks patch contents in the Magento root.
 */
class Applier
{
    private $patchCommand;

    public function __construct(PatchCommandSelector $patchCommand)
    {
        $this->patchCommand = $patchCommand;
    }

    /**
     * @throws ApplierException
     */
    public function apply(string $path, string $id): string
    {
        $content = $this->readContent($path);
        try {
            $this->patchCommand->apply($content);
        } catch (PatchCommandException $exception) {
            try {
                $this->patchCommand->reverseCheck($content);
            } catch (PatchCommandException $reverseException) {
                throw new ApplierException($exception->getMessage(), $exception->getCode());
            }
            return sprintf('Patch %s was already applied', $id);
        }
        return sprintf('Patch %s has been applied', $id);
    }

    /**
     * @throws ApplierException
     */
    public function revert(string $path, string $id): string
    {
        $content = $this->readContent($path);
        try {
            $this->patchCommand->revert($content);
        } catch (PatchCommandException $exception) {
            try {
                $this->patchCommand->applyCheck($content);
            } catch (PatchCommandException $applyException) {
                throw new ApplierException($exception->getMessage(), $exception->getCode());
            }
            return sprintf('Patch %s wasn\'t applied', $id);
        }
        return sprintf('Patch %s has been reverted', $id);
    }

    /**
     * Applied, Not applied or N/A, from a forward then a reverse dry run.
     */
    public function status(string $patchContent): string
    {
        $patchContent = $this->prepareContent($patchContent);
        try {
            $this->patchCommand->applyCheck($patchContent);
        } catch (PatchCommandException $forwardException) {
            try {
                $this->patchCommand->reverseCheck($patchContent);
            } catch (PatchCommandException $reverseException) {
                return StatusPool::NA;
            }
            return StatusPool::APPLIED;
        }
        return StatusPool::NOT_APPLIED;
    }

    private function readContent(string $path): string
    {
        return $this->prepareContent((string)file_get_contents($path));
    }

    /**
     * Git headers become plain unified-diff headers, so "git apply" also works inside a git work tree.
     */
    private function prepareContent(string $content): string
    {
        return preg_replace('/^diff --git/m', 'diff -Nuar', $content);
    }
}
