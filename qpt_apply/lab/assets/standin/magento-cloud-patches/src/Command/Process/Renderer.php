<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Command\Process;

use Magento\CloudPatches\Patch\Data\Patch;
use Magento\CloudPatches\Patch\Status\StatusPool;
use Symfony\Component\Console\Helper\Table;
use Symfony\Component\Console\Helper\TableSeparator;
use Symfony\Component\Console\Output\OutputInterface;

/**
 * Renders patch lists (table or JSON) and patch details.
 */
class Renderer
{
    const ID = 'Id';
    const TITLE = 'Title';
    const CATEGORY = 'Category';
    const ORIGIN = 'Origin';
    const STATUS = 'Status';
    const DETAILS = 'Details';

    private $statusPool;

    public function __construct(StatusPool $statusPool)
    {
        $this->statusPool = $statusPool;
    }

    /**
     * @param Patch[][] $patchList patches grouped by id
     */
    public function printTable(OutputInterface $output, array $patchList): void
    {
        $table = new Table($output);
        $table->setHeaders([self::ID, self::TITLE, self::CATEGORY, self::ORIGIN, self::STATUS, self::DETAILS]);
        $table->setStyle('box-double');

        $rows = [];
        foreach ($patchList as $patch) {
            $rows[] = $this->createRow($patch);
        }
        $rows = $this->sort($rows);

        $separated = [];
        foreach ($rows as $row) {
            $separated[] = $row;
            $separated[] = new TableSeparator();
        }
        array_pop($separated);
        $table->addRows($separated);
        $table->render();
    }

    /**
     * @param Patch[][] $patchList patches grouped by id
     */
    public function printJson(OutputInterface $output, array $patchList): void
    {
        $rows = [];
        foreach ($patchList as $patch) {
            $rows[] = array_map('strip_tags', $this->createRow($patch));
        }
        $rows = $this->sort($rows);

        $output->writeln(json_encode($rows, JSON_PRETTY_PRINT));
    }

    public function printPatchInfo(OutputInterface $output, Patch $patch, string $prependedMessage = ''): void
    {
        $info = [
            sprintf('<comment>Title:</comment> %s', $patch->getTitle()),
            sprintf('<comment>File:</comment> %s', $patch->getFilename()),
            sprintf('<comment>Affected components:</comment> %s', implode(' ', $patch->getAffectedComponents())),
        ];
        if ($patch->getRequire()) {
            $info[] = sprintf('<comment>Require:</comment> %s', implode(' ', $patch->getRequire()));
        }
        if ($patch->isDeprecated()) {
            $info[] = sprintf('<error>Patch is deprecated!</error>%s',
                $patch->getReplacedWith() ? ' Please, replace it with ' . $patch->getReplacedWith() : '');
        }
        if ($prependedMessage) {
            array_unshift($info, '<info>' . $prependedMessage . '</info>');
        }
        $output->writeln($info);
        $output->writeln('');
    }

    public function formatErrorOutput(string $errorOutput): string
    {
        $errorOutput = rtrim($errorOutput);
        return $errorOutput === '' ? '' : PHP_EOL . $errorOutput;
    }

    private function sort(array $rows): array
    {
        usort($rows, function ($a, $b) {
            if ($a[self::STATUS] === $b[self::STATUS]) {
                return strcmp($a[self::ORIGIN], $b[self::ORIGIN]);
            }
            return strcmp($a[self::STATUS], $b[self::STATUS]);
        });
        return $rows;
    }

    /**
     * @param Patch[] $items every file of one patch id
     */
    private function createRow(array $items): array
    {
        $patch = $items[0];
        $details = 'Patch type: '
            . ($patch->isDeprecated() ? '<error>DEPRECATED</error>' : $patch->getType())
            . PHP_EOL;
        if ($patch->getReplacedWith()) {
            $details .= '<info>Recommended replacement: ' . $patch->getReplacedWith() . '</info>' . PHP_EOL;
        }
        if ($patch->getRequire()) {
            $wrappedRequire = array_map(function ($item) {
                return sprintf('<comment> - %s</comment>', $item);
            }, $patch->getRequire());
            $details .= 'Required patches:' . PHP_EOL . implode(PHP_EOL, $wrappedRequire) . PHP_EOL;
        }
        $components = [];
        foreach ($items as $item) {
            $components = array_merge($components, $item->getAffectedComponents());
        }
        $components = array_values(array_unique($components));
        sort($components);
        if ($components) {
            $glue = PHP_EOL . ' - ';
            $details .= 'Affected components:' . $glue . implode($glue, $components);
        }

        return [
            self::ID => '<comment>' . $patch->getId() . '</comment>',
            self::TITLE => chunk_split($patch->getTitle(), 60, PHP_EOL),
            self::CATEGORY => implode(PHP_EOL, $patch->getCategories()),
            self::ORIGIN => $patch->getOrigin(),
            self::STATUS => $this->statusPool->get($patch->getId()),
            self::DETAILS => $details,
        ];
    }
}
