<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Command;

use Magento\CloudPatches\App\Logger;
use Magento\CloudPatches\App\RuntimeException;
use Magento\CloudPatches\Command\Process\ShowStatus;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Input\InputOption;
use Symfony\Component\Console\Output\OutputInterface;

/**
 * Shows the list of available patches and their statuses.
 */
class Status extends AbstractCommand
{
    const NAME = 'status';

    protected function configure()
    {
        $this->setName(self::NAME)
            ->setDescription('Shows the list of available patches and their statuses')
            ->addOption('format', 'f', InputOption::VALUE_OPTIONAL, 'Output format', 'table');

        parent::configure();
    }

    public function execute(InputInterface $input, OutputInterface $output): int
    {
        try {
            (new ShowStatus($this->container))->run($input, $output);
        } catch (RuntimeException $e) {
            $output->writeln('<error>' . $e->getMessage() . '</error>');
            $this->container->get(Logger::class)->error($e->getMessage());

            return self::RETURN_FAILURE;
        } catch (\Exception $e) {
            $this->container->get(Logger::class)->critical($e);

            throw $e;
        }

        return self::RETURN_SUCCESS;
    }
}
