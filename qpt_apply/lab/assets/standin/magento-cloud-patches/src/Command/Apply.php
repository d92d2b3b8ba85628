<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Command;

use Magento\CloudPatches\App\Logger;
use Magento\CloudPatches\App\RuntimeException;
use Magento\CloudPatches\Command\Process\ApplyOptional;
use Magento\CloudPatches\Composer\MagentoVersion;
use Symfony\Component\Console\Input\InputArgument;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

/**
 * Patch apply command (OnPrem).
 */
class Apply extends AbstractCommand
{
    const NAME = 'apply';
    const ARG_LIST_OF_PATCHES = 'list-of-patches';

    protected function configure()
    {
        $this->setName(self::NAME)
            ->setDescription('Applies patches. The list of patches should pass as a command argument')
            ->addArgument(
                self::ARG_LIST_OF_PATCHES,
                InputArgument::IS_ARRAY | InputArgument::REQUIRED,
                'List of patches to apply'
            );

        parent::configure();
    }

    public function execute(InputInterface $input, OutputInterface $output): int
    {
        $logger = $this->container->get(Logger::class);
        $magentoVersion = $this->container->get(MagentoVersion::class);
        $logger->info($magentoVersion->get());

        try {
            (new ApplyOptional($this->container))->run($input, $output);
        } catch (RuntimeException $e) {
            $output->writeln($magentoVersion->get());
            $output->writeln('<error>' . $e->getMessage() . '</error>');

            $logger->info($magentoVersion->get());
            $logger->error($e->getMessage());

            return self::RETURN_FAILURE;
        } catch (\Exception $e) {
            $logger->critical($e);

            throw $e;
        }

        return self::RETURN_SUCCESS;
    }
}
