<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Command\Process;

use Magento\CloudPatches\App\Container;
use Magento\CloudPatches\App\Logger;
use Magento\CloudPatches\App\RuntimeException;
use Magento\CloudPatches\Patch\Applier;
use Magento\CloudPatches\Patch\ApplierException;
use Magento\CloudPatches\Patch\Data\Patch;
use Magento\CloudPatches\Patch\Pool\OptionalPool;
use Magento\CloudPatches\Patch\Pool\PatchNotFoundException;
use Magento\CloudPatches\Patch\Status\StatusPool;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

/**
 * Reverts patches, bottom to top of the configuration.
 */
class Revert
{
    private $container;

    public function __construct(Container $container)
    {
        $this->container = $container;
    }

    public function run(InputInterface $input, OutputInterface $output): void
    {
        $argPatches = $input->getArgument('list-of-patches');
        $optAll = $input->getOption('all');
        if (!$optAll && empty($argPatches)) {
            return;
        }
        $patchFilter = $optAll ? [] : $argPatches;

        $logger = $this->container->get(Logger::class);
        $logger->notice('Start of reverting optional patches');
        $logger->info('Command argument: ' . implode(' ', $argPatches));
        $logger->info('Command option: ' . ($optAll ? '--all' : ''));

        $this->validate($patchFilter);

        $optionalPool = $this->container->get(OptionalPool::class);
        $statusPool = $this->container->get(StatusPool::class);
        try {
            $patches = array_reverse($optionalPool->getList($patchFilter, false));
        } catch (PatchNotFoundException $e) {
            throw new RuntimeException($e->getMessage(), $e->getCode(), $e);
        }
        if (empty($patchFilter)) {
            $patches = array_filter($patches, function (Patch $patch) use ($statusPool) {
                return $statusPool->isApplied($patch->getId());
            });
        }
        if (!$this->revert($patches, $output)) {
            throw new RuntimeException('Revert operation for ' . implode(' ', $patchFilter) . ' finished with errors.');
        }

        $logger->notice('End of reverting optional patches');
    }

    /**
     * Refuses to revert a patch another applied patch requires.
     *
     * @throws RuntimeException
     */
    private function validate(array $patchFilter): void
    {
        $optionalPool = $this->container->get(OptionalPool::class);
        $statusPool = $this->container->get(StatusPool::class);
        $errors = [];
        foreach ($patchFilter as $patchId) {
            $appliedDependents = array_filter($optionalPool->getDependentOn($patchId), function ($id) use ($statusPool) {
                return $statusPool->isApplied($id);
            });
            if (array_diff($appliedDependents, $patchFilter)) {
                $errors[] = sprintf(
                    'Patch %1$s is a dependency for %2$s. Please, revert %2$s first',
                    $patchId,
                    implode(' ', $appliedDependents)
                );
            }
        }
        if ($errors) {
            throw new RuntimeException(implode(PHP_EOL, $errors));
        }
    }

    /**
     * @param Patch[] $patches
     */
    private function revert(array $patches, OutputInterface $output): bool
    {
        $statusPool = $this->container->get(StatusPool::class);
        $applier = $this->container->get(Applier::class);
        $renderer = $this->container->get(Renderer::class);
        $logger = $this->container->get(Logger::class);
        $isSuccess = true;
        foreach ($patches as $patch) {
            if ($statusPool->isNotApplied($patch->getId())) {
                $output->writeln(sprintf('<info>Patch %s (%s) is not applied</info>', $patch->getId(),
                    $patch->getFilename()));
                $logger->info('Patch ' . $patch->getId() . ' is not applied', ['file' => $patch->getPath()]);
                continue;
            }
            try {
                $message = $applier->revert($patch->getPath(), $patch->getId());
                $logger->info($message, ['file' => $patch->getPath()]);
                $renderer->printPatchInfo($output, $patch, $message);
            } catch (ApplierException $exception) {
                $errorMessage = sprintf('Reverting patch %s (%s) failed.%s', $patch->getId(), $patch->getPath(),
                    $renderer->formatErrorOutput($exception->getMessage()));
                $logger->error($errorMessage);
                $output->writeln('<error>' . $errorMessage . '</error>');
                $isSuccess = false;
            }
        }
        return $isSuccess;
    }
}
