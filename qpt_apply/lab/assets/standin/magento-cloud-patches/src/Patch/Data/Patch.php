<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Patch\Data;

/**
 * One patch file offered for the installed version of one package.
 */
class Patch
{
    const TYPE_OPTIONAL = 'Optional';
    const TYPE_REQUIRED = 'Required';
    const ORIGIN_SUPPORT = 'Adobe Commerce Support';

    private $id;
    private $title;
    private $categories;
    private $filename;
    private $path;
    private $packageName;
    private $packageConstraint;
    private $require;
    private $replacedWith;
    private $deprecated;
    private $affectedComponents;

    public function __construct(string $id, string $title, array $categories, string $filename, string $path,
        string $packageName, string $packageConstraint, array $require = [], string $replacedWith = '',
        bool $deprecated = false)
    {
        $this->id = $id;
        $this->title = $title;
        $this->categories = $categories;
        $this->filename = $filename;
        $this->path = $path;
        $this->packageName = $packageName;
        $this->packageConstraint = $packageConstraint;
        $this->require = $require;
        $this->replacedWith = $replacedWith;
        $this->deprecated = $deprecated;
    }

    public function getId(): string
    {
        return $this->id;
    }

    public function getTitle(): string
    {
        return $this->title;
    }

    public function getCategories(): array
    {
        return $this->categories;
    }

    public function getFilename(): string
    {
        return $this->filename;
    }

    public function getPath(): string
    {
        return $this->path;
    }

    public function getPackageName(): string
    {
        return $this->packageName;
    }

    public function getPackageConstraint(): string
    {
        return $this->packageConstraint;
    }

    public function getRequire(): array
    {
        return $this->require;
    }

    public function getReplacedWith(): string
    {
        return $this->replacedWith;
    }

    public function isDeprecated(): bool
    {
        return $this->deprecated;
    }

    public function getType(): string
    {
        return self::TYPE_OPTIONAL;
    }

    public function getOrigin(): string
    {
        return self::ORIGIN_SUPPORT;
    }

    /**
     * Packages the patch touches, read from its file paths (vendor/<vendor>/<package>/...).
     */
    public function getAffectedComponents(): array
    {
        if ($this->affectedComponents === null) {
            $content = is_file($this->path) ? (string)file_get_contents($this->path) : '';
            preg_match_all('#^(?:---|\+\+\+) (?:[ab]/)?vendor/([^/\s]+/[^/\s]+)/#m', $content, $matches);
            $components = array_values(array_unique($matches[1]));
            sort($components);
            $this->affectedComponents = $components;
        }
        return $this->affectedComponents;
    }

    public function __toString(): string
    {
        return $this->id . ' ' . $this->path;
    }
}
