<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Command\Process;

use Magento\CloudPatches\App\Container;
use Magento\CloudPatches\App\Logger;
use Magento\CloudPatches\Composer\MagentoVersion;
use Magento\CloudPatches\Patch\Pool\OptionalPool;
use Magento\CloudPatches\Patch\Status\StatusPool;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

/**
 * Show information about available patches and their statuses.
 */
class ShowStatus
{
    const FORMAT_JSON = 'json';

    /**
     * The number of applied optional patches from which an upgrade to the next minor release is recommended.
     */
    const UPGRADE_THRESHOLD = 8;

    private $container;

    public function __construct(Container $container)
    {
        $this->container = $container;
    }

    public function run(InputInterface $input, OutputInterface $output): void
    {
        $isJsonFormat = $input->getOption('format') === self::FORMAT_JSON;
        $optionalPool = $this->container->get(OptionalPool::class);
        $statusPool = $this->container->get(StatusPool::class);
        $renderer = $this->container->get(Renderer::class);

        $patches = [];
        foreach ($optionalPool->getList() as $patch) {
            $patches[$patch->getId()][] = $patch;
        }
        // Deprecated patches are listed only while applied.
        $patches = array_filter($patches, function (array $items) use ($statusPool) {
            return !$items[0]->isDeprecated() || $statusPool->isApplied($items[0]->getId());
        });

        if ($isJsonFormat) {
            $renderer->printJson($output, array_values($patches));
            return;
        }

        $releaseNotesUrl = 'https://experienceleague.adobe.com/docs/commerce-operations/tools/quality-patches-tool/release-notes.html';
        $supportUrl = 'https://experienceleague.adobe.com/tools/commerce-quality-patches/index.html';
        $output->writeln(
            '<info>Patch details you can find on </info>' .
            sprintf('<href=%1$s>%1$s</> <info>(search for patch id, ex. MDVA-30265)</info>', $supportUrl) .
            PHP_EOL .
            sprintf('<info>Release notes</info> <href=%1$s>%1$s</>', $releaseNotesUrl)
        );
        $applied = array_filter(array_keys($patches), [$statusPool, 'isApplied']);
        if (count($applied) >= self::UPGRADE_THRESHOLD) {
            $message = 'Warning for those on a previous minor line! Magento recommends installing a limited' .
                ' number of quality patches to ensure a smooth upgrade to the latest line. Please begin planning' .
                ' an upgrade to the latest release line.';
            $output->writeln('<error>' . $message . '</error>');
            $this->container->get(Logger::class)->warning($message);
        }
        $renderer->printTable($output, array_values($patches));
        $output->writeln('<info>' . $this->container->get(MagentoVersion::class)->get() . '</info>');
    }
}
