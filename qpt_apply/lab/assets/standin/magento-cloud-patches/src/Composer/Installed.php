<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Composer;

/**
 * The root package and what composer installed, as vendor/composer/installed.json records it.
 */
class Installed
{
    private $basePath;
    private $packages;
    private $root;

    public function __construct(string $basePath)
    {
        $this->basePath = $basePath;
    }

    public function getBasePath(): string
    {
        return $this->basePath;
    }

    public function getRootPackage(): array
    {
        if ($this->root === null) {
            $file = $this->basePath . '/composer.json';
            $this->root = is_file($file) ? (array)json_decode((string)file_get_contents($file), true) : [];
        }
        return $this->root;
    }

    /**
     * @return array[] package name => installed.json record
     */
    public function getPackages(): array
    {
        if ($this->packages === null) {
            $this->packages = [];
            $file = $this->basePath . '/vendor/composer/installed.json';
            $data = is_file($file) ? json_decode((string)file_get_contents($file), true) : [];
            foreach ($data['packages'] ?? (array)$data as $package) {
                $this->packages[$package['name']] = $package;
            }
        }
        return $this->packages;
    }

    public function findPackage(string $name): ?array
    {
        return $this->getPackages()[$name] ?? null;
    }

    /**
     * Whether an installed package matches a composer constraint.
     */
    public function matches(string $name, string $constraint): bool
    {
        $package = $this->findPackage($name);
        return $package !== null && Semver::satisfies(
            $package['version_normalized'] ?? Semver::normalize($package['version']),
            $constraint
        );
    }
}
