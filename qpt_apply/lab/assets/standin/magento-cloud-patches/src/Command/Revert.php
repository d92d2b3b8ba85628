<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Command;

use Magento\CloudPatches\App\Logger;
use Magento\CloudPatches\App\RuntimeException;
use Magento\CloudPatches\Command\Process\Revert as RevertProcess;
use Magento\CloudPatches\Composer\MagentoVersion;
use Symfony\Component\Console\Input\InputArgument;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Input\InputOption;
use Symfony\Component\Console\Output\OutputInterface;

/**
 * Patch revert command (OnPrem).
 */
class Revert extends AbstractCommand
{
    const NAME = 'revert';
    const ARG_LIST_OF_PATCHES = 'list-of-patches';
    const OPT_ALL = 'all';

    protected function configure()
    {
        $this->setName(self::NAME)
            ->setDescription(
                'Reverts patches. The list of patches should pass as a command argument' .
                ' or use option --all to revert all patches'
            )->addArgument(
                self::ARG_LIST_OF_PATCHES,
                InputArgument::IS_ARRAY,
                'List of patches to revert'
            )->addOption(
                self::OPT_ALL,
                'a',
                InputOption::VALUE_NONE,
                'Reverts all patches'
            );

        parent::configure();
    }

    public function execute(InputInterface $input, OutputInterface $output): int
    {
        $logger = $this->container->get(Logger::class);
        $magentoVersion = $this->container->get(MagentoVersion::class);
        $logger->notice($magentoVersion->get());

        try {
            (new RevertProcess($this->container))->run($input, $output);
        } catch (RuntimeException $e) {
            $output->writeln($magentoVersion->get());
            $output->writeln('<error>' . $e->getMessage() . '</error>');
            $logger->error($e->getMessage());

            return self::RETURN_FAILURE;
        } catch (\Exception $e) {
            $logger->critical($e);

            throw $e;
        }

        return self::RETURN_SUCCESS;
    }
}
