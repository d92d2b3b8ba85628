<?php
namespace Magento\Framework\Event;

use Magento\Framework\App\State;
use Magento\Framework\ObjectManagerInterface;

/**
 * Runs the observers the current area's event configuration registers for an event.
 */
class Manager implements ManagerInterface
{
    private $config;
    private $objectManager;
    private $appState;

    public function __construct(Config $config, ObjectManagerInterface $objectManager, State $appState)
    {
        $this->config = $config;
        $this->objectManager = $objectManager;
        $this->appState = $appState;
    }

    public function dispatch($eventName, array $data = [])
    {
        $area = $this->appState->hasAreaCode() ? $this->appState->getAreaCode() : 'global';
        $event = new Event(array_merge($data, ['name' => $eventName]));
        foreach ($this->config->getObservers($eventName, $area) as $observerConfig) {
            if (!empty($observerConfig['disabled']) || empty($observerConfig['instance'])) {
                continue;
            }
            $observer = ($observerConfig['shared'] ?? true)
                ? $this->objectManager->get($observerConfig['instance'])
                : $this->objectManager->create($observerConfig['instance']);
            if (!$observer instanceof ObserverInterface) {
                throw new \LogicException(
                    $observerConfig['instance'] . ' does not implement "' . ObserverInterface::class . '"'
                );
            }
            $observer->execute(new Observer(array_merge($data, ['event' => $event])));
        }
    }
}
