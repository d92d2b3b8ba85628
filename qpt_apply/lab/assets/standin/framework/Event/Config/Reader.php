<?php
namespace Magento\Framework\Event\Config;

use Magento\Framework\Module\ModuleList;

/**
 * Reads events.xml of every enabled module for one scope.
 */
class Reader
{
    private $moduleList;

    public function __construct(ModuleList $moduleList)
    {
        $this->moduleList = $moduleList;
    }

    public function read($scope = 'global')
    {
        $events = [];
        foreach ($this->moduleList->getConfigFiles('events.xml', $scope) as $file) {
            $xml = simplexml_load_file($file);
            if ($xml === false) {
                throw new \Magento\Framework\Exception\LocalizedException(
                    __('Invalid XML in file %1', $file)
                );
            }
            foreach ($xml->event as $event) {
                $eventName = strtolower((string)$event['name']);
                foreach ($event->observer as $observer) {
                    $name = (string)$observer['name'];
                    $config = ['name' => $name];
                    if (isset($observer['instance'])) {
                        $config['instance'] = ltrim((string)$observer['instance'], '\\');
                    }
                    if (isset($observer['disabled'])) {
                        $config['disabled'] = (string)$observer['disabled'] === 'true';
                    }
                    if (isset($observer['shared'])) {
                        $config['shared'] = (string)$observer['shared'] !== 'false';
                    }
                    $events[$eventName][$name] = array_replace($events[$eventName][$name] ?? [], $config);
                }
            }
        }
        return $events;
    }
}
