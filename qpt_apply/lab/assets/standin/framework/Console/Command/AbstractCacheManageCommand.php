<?php
namespace Magento\Framework\Console\Command;

use Symfony\Component\Console\Input\InputArgument;
use Symfony\Component\Console\Input\InputInterface;

abstract class AbstractCacheManageCommand extends AbstractCacheCommand
{
    const INPUT_KEY_TYPES = 'types';

    protected function configure()
    {
        $this->addArgument(
            self::INPUT_KEY_TYPES,
            InputArgument::IS_ARRAY,
            'List of cache types, space separated. If omitted, all caches will be affected'
        );
        parent::configure();
    }

    protected function getRequestedTypes(InputInterface $input)
    {
        $requestedTypes = [];
        if ($input->getArgument(self::INPUT_KEY_TYPES)) {
            $requestedTypes = $input->getArgument(self::INPUT_KEY_TYPES);
            $requestedTypes = array_filter(array_map('trim', $requestedTypes), 'strlen');
        }
        if (empty($requestedTypes)) {
            return $this->cacheManager->getAvailableTypes();
        }
        $availableTypes = $this->cacheManager->getAvailableTypes();
        $unsupportedTypes = array_diff($requestedTypes, $availableTypes);
        if ($unsupportedTypes) {
            throw new \InvalidArgumentException(
                "The following requested cache types are not supported: '" . join("', '", $unsupportedTypes)
                . "'." . PHP_EOL . 'Supported types: ' . join(", ", $availableTypes)
            );
        }
        return array_values(array_intersect($availableTypes, $requestedTypes));
    }
}
