<?php
namespace Magento\Framework\App;

use Magento\Framework\App\Filesystem\DirectoryList;
use Magento\Framework\ObjectManager\ObjectManager;
use Psr\Log\LoggerInterface;

/**
 * Runs an application the way pub/index.php does: maintenance check, launch, error handling.
 */
class Bootstrap
{
    const ERR_MAINTENANCE = 901;
    const ERR_IS_INSTALLED = 902;

    private $objectManager;
    private $rootDir;
    private $server;
    private $errorCode = 0;

    public static function create($rootDir, array $initParams = [])
    {
        return new self(ObjectManagerFactory::create($rootDir), $rootDir, $initParams);
    }

    public function __construct(ObjectManager $objectManager, $rootDir, array $initParams)
    {
        $this->objectManager = $objectManager;
        $this->rootDir = $rootDir;
        $this->server = $initParams;
    }

    public function getObjectManager()
    {
        return $this->objectManager;
    }

    public function getDirectoryList()
    {
        return $this->objectManager->get(DirectoryList::class);
    }

    public function getErrorCode()
    {
        return $this->errorCode;
    }

    public function loadArea($area)
    {
        ObjectManagerFactory::loadArea($this->objectManager, $this->rootDir, $area);
    }

    public function createApplication($type, array $arguments = [])
    {
        return $this->objectManager->create($type, $arguments);
    }

    public function run($application)
    {
        try {
            try {
                $this->assertMaintenance();
                $this->assertInstalled();
                $response = $application->launch($this);
                $response->sendResponse();
            } catch (\Exception $e) {
                if (!$application->catchException($this, $e)) {
                    throw $e;
                }
            }
        } catch (\Throwable $e) {
            $this->terminate($e);
        }
    }

    private function assertMaintenance()
    {
        $maintenance = $this->objectManager->get(MaintenanceMode::class);
        if ($maintenance->isOn($this->server['REMOTE_ADDR'] ?? '')) {
            $this->errorCode = self::ERR_MAINTENANCE;
            throw new \Exception('Unable to proceed: the maintenance mode is enabled. ');
        }
    }

    private function assertInstalled()
    {
        if (!$this->objectManager->get(DeploymentConfig::class)->isAvailable()) {
            $this->errorCode = self::ERR_IS_INSTALLED;
            throw new \Exception('Error: Application is not installed yet. ');
        }
    }

    public function isDeveloperMode()
    {
        return $this->objectManager->get(State::class)->getMode() === State::MODE_DEVELOPER;
    }

    protected function terminate(\Throwable $e)
    {
        $response = new Response();
        $response->setHttpResponseCode(500);
        $response->setHeader('Content-Type', 'text/plain');
        if ($this->isDeveloperMode()) {
            $response->setBody((string)$e);
        } else {
            $message = "An error has happened during application run. See exception log for details.\n";
            try {
                $this->objectManager->get(LoggerInterface::class)->critical($e);
            } catch (\Exception $logError) {
                $message .= "Could not write error message to log. Please use developer mode to see the message.\n";
            }
            $response->setBody($message);
        }
        $response->sendResponse();
        exit(1);
    }
}
