<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch;

use Magento\CloudPatches\App\Logger;
use Magento\CloudPatches\Patch\Data\Patch;

/**
 * Rollback applied patches.
 */
class RollbackProcessor
{
    private $applier;
    private $logger;

    public function __construct(Applier $applier, Logger $logger)
    {
        $this->applier = $applier;
        $this->logger = $logger;
    }

    /**
     * @param Patch[] $appliedPatches
     * @return string[]
     */
    public function process(array $appliedPatches): array
    {
        if (empty($appliedPatches)) {
            return [];
        }
        $message = 'Start of rollback';
        $this->logger->info($message);
        $messages = [$message];

        foreach (array_reverse($appliedPatches) as $appliedPatch) {
            $message = $this->applier->revert($appliedPatch->getPath(), $appliedPatch->getId());
            $messages[] = $message;
            $this->logger->info($message, ['file' => $appliedPatch->getPath()]);
        }

        $message = 'End of rollback';
        $this->logger->info($message);
        $messages[] = $message;

        return $messages;
    }
}
