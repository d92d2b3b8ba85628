<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\App;

/**
 * Builds the tool's services on first use, so that work like computing patch statuses only happens inside
 * the command that needs it.
 */
class Container
{
    private $basePath;
    private $services = [];
    private $factories;

    public function __construct(string $basePath)
    {
        $this->basePath = $basePath;
        $this->factories = [
            \Magento\CloudPatches\Composer\Installed::class => function () {
                return new \Magento\CloudPatches\Composer\Installed($this->basePath);
            },
            \Magento\CloudPatches\Composer\MagentoVersion::class => function () {
                return new \Magento\CloudPatches\Composer\MagentoVersion(
                    $this->get(\Magento\CloudPatches\Composer\Installed::class)
                );
            },
            Logger::class => function () {
                return new Logger($this->basePath . '/var/log/patch.log');
            },
            \Magento\CloudPatches\Shell\Command\GitDriver::class => function () {
                return new \Magento\CloudPatches\Shell\Command\GitDriver($this->basePath);
            },
            \Magento\CloudPatches\Shell\Command\PatchDriver::class => function () {
                return new \Magento\CloudPatches\Shell\Command\PatchDriver($this->basePath);
            },
            \Magento\CloudPatches\Patch\PatchCommandSelector::class => function () {
                return new \Magento\CloudPatches\Patch\PatchCommandSelector([
                    $this->get(\Magento\CloudPatches\Shell\Command\GitDriver::class),
                    $this->get(\Magento\CloudPatches\Shell\Command\PatchDriver::class),
                ]);
            },
            \Magento\CloudPatches\Patch\Applier::class => function () {
                return new \Magento\CloudPatches\Patch\Applier(
                    $this->get(\Magento\CloudPatches\Patch\PatchCommandSelector::class)
                );
            },
            \Magento\CloudPatches\Patch\Collector\SupportCollector::class => function () {
                return new \Magento\CloudPatches\Patch\Collector\SupportCollector(
                    $this->get(\Magento\CloudPatches\Composer\Installed::class)
                );
            },
            \Magento\CloudPatches\Patch\Pool\OptionalPool::class => function () {
                return new \Magento\CloudPatches\Patch\Pool\OptionalPool(
                    $this->get(\Magento\CloudPatches\Patch\Collector\SupportCollector::class)
                );
            },
            \Magento\CloudPatches\Patch\Status\StatusPool::class => function () {
                return new \Magento\CloudPatches\Patch\Status\StatusPool([
                    new \Magento\CloudPatches\Patch\Status\OptionalResolver(
                        $this->get(\Magento\CloudPatches\Patch\Applier::class),
                        $this->get(\Magento\CloudPatches\Patch\Pool\OptionalPool::class)
                    ),
                ]);
            },
            \Magento\CloudPatches\Command\Process\Renderer::class => function () {
                return new \Magento\CloudPatches\Command\Process\Renderer(
                    $this->get(\Magento\CloudPatches\Patch\Status\StatusPool::class)
                );
            },
        ];
    }

    public function getBasePath(): string
    {
        return $this->basePath;
    }

    public function get(string $id)
    {
        if (!isset($this->services[$id])) {
            $this->services[$id] = ($this->factories[$id])();
        }
        return $this->services[$id];
    }
}
