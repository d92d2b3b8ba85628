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
use Magento\CloudPatches\Patch\RollbackProcessor;
use Magento\CloudPatches\Patch\Status\StatusPool;
use Symfony\Component\Console\Helper\QuestionHelper;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;
use Symfony\Component\Console\Question\ConfirmationQuestion;

/**
 * Applies optional patches (OnPrem), top to bottom of the configuration, required ones first.
 */
class ApplyOptional
{
    const PATCH_INFO_URL = 'https://experienceleague.adobe.com/tools/commerce-quality-patches/index.html';

    private $container;

    public function __construct(Container $container)
    {
        $this->container = $container;
    }

    public function run(InputInterface $input, OutputInterface $output): void
    {
        $argPatches = $input->getArgument('list-of-patches');
        $logger = $this->container->get(Logger::class);
        $logger->notice('Start of applying optional patches');
        $logger->info('Command argument: ' . implode(' ', $argPatches));

        $patchFilter = in_array('*', $argPatches, true) ? [] : $argPatches;
        $this->confirmRequired($input, $output, $patchFilter);
        $this->applyPatches($output, $patchFilter);

        $logger->notice('End of applying optional patches');
    }

    private function confirmRequired(InputInterface $input, OutputInterface $output, array $patchFilter): void
    {
        $optionalPool = $this->container->get(OptionalPool::class);
        $statusPool = $this->container->get(StatusPool::class);
        try {
            $required = array_filter($optionalPool->getAdditionalRequiredPatches($patchFilter),
                function (Patch $patch) use ($statusPool) {
                    return !$statusPool->isApplied($patch->getId());
                });
        } catch (PatchNotFoundException $e) {
            throw new RuntimeException($e->getMessage(), $e->getCode(), $e);
        }
        if (!$required) {
            return;
        }
        $url = self::PATCH_INFO_URL . '?keyword=' . current($patchFilter);
        $output->writeln('<info>Please double check patch details and requirements at ' .
            sprintf('<href=%1$s>%1$s</>', $url) . '</info>' . PHP_EOL);
        $output->writeln('<info>Next patches are required by ' . implode(' ', $patchFilter) . ':</info>' . PHP_EOL);
        $grouped = [];
        foreach ($required as $patch) {
            $grouped[$patch->getId()][] = $patch;
        }
        $this->container->get(Renderer::class)->printTable($output, array_values($grouped));

        $question = new ConfirmationQuestion(
            '<question>Do you want to proceed with applying these patches? [y/N]</question> ',
            true
        );
        if (!(new QuestionHelper())->ask($input, $output, $question)) {
            throw new RuntimeException(implode(' ', $patchFilter) . ' can\'t be applied without required patches');
        }
    }

    private function applyPatches(OutputInterface $output, array $patchFilter): void
    {
        $optionalPool = $this->container->get(OptionalPool::class);
        $statusPool = $this->container->get(StatusPool::class);
        $applier = $this->container->get(Applier::class);
        $renderer = $this->container->get(Renderer::class);
        $logger = $this->container->get(Logger::class);

        if (empty($patchFilter)) {
            $patches = $optionalPool->getOptionalAll();
        } else {
            try {
                $patches = $optionalPool->getList($patchFilter);
            } catch (PatchNotFoundException $e) {
                throw new RuntimeException($e->getMessage(), $e->getCode(), $e);
            }
        }

        $appliedPatches = [];
        foreach ($patches as $patch) {
            if ($statusPool->isApplied($patch->getId())) {
                $message = sprintf('<info>Patch %s (%s) was already applied</info>', $patch->getId(),
                    $patch->getFilename());
                $output->writeln($message);
                $output->writeln('');
                $logger->info($message);
                continue;
            }
            try {
                $message = $applier->apply($patch->getPath(), $patch->getId());
                $renderer->printPatchInfo($output, $patch, $message);
                $logger->info($message, ['file' => $patch->getPath()]);
                $appliedPatches[] = $patch;
            } catch (ApplierException $exception) {
                $this->processConflict($output, $patch, $appliedPatches, $exception->getMessage());
            }
        }
    }

    /**
     * Rolls back what this run applied and fails with the patch command's output.
     *
     * @throws RuntimeException
     */
    private function processConflict(OutputInterface $output, Patch $patch, array $appliedPatches,
        string $exceptionMessage): void
    {
        $errorMessage = 'Error: patch ' . $patch->getId() . ' can\'t be applied';
        $this->container->get(Logger::class)->error($errorMessage);
        $output->writeln('<error>' . $errorMessage . '</error>');

        $messages = (new RollbackProcessor($this->container->get(Applier::class),
            $this->container->get(Logger::class)))->process($appliedPatches);
        $output->writeln($messages);

        throw new RuntimeException(sprintf(
            'Applying patch %s (%s) failed.%s',
            $patch->getId(),
            $patch->getPath(),
            $this->container->get(Renderer::class)->formatErrorOutput($exceptionMessage)
        ));
    }
}
