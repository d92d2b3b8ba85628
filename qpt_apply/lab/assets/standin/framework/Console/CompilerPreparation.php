<?php
namespace Magento\Framework\Console;

use Magento\Framework\App\Filesystem\DirectoryList;
use Magento\Framework\Console\Exception\GenerationDirectoryAccessException;
use Magento\Framework\Filesystem\Driver\File;

/**
 * What bin/magento does before setup:di:compile even starts: check that generated/, generated/code and
 * generated/metadata can be written, then empty generated/code and generated/metadata.
 */
class CompilerPreparation
{
    private $directoryList;
    private $driver;

    public function __construct(DirectoryList $directoryList, File $driver)
    {
        $this->directoryList = $directoryList;
        $this->driver = $driver;
    }

    /**
     * @throws \Magento\Framework\Exception\FileSystemException
     */
    public function handleCompilerEnvironment()
    {
        if (!$this->generationDirectoriesWritable()) {
            throw new GenerationDirectoryAccessException();
        }
        foreach ([DirectoryList::GENERATED_CODE, DirectoryList::GENERATED_METADATA] as $code) {
            $path = $this->directoryList->getPath($code);
            if ($this->driver->isExists($path)) {
                $this->driver->deleteDirectory($path);
            }
        }
    }

    private function generationDirectoriesWritable()
    {
        $codes = [DirectoryList::GENERATED, DirectoryList::GENERATED_CODE, DirectoryList::GENERATED_METADATA];
        foreach ($codes as $code) {
            $path = $this->directoryList->getPath($code);
            if (!$this->driver->isExists($path)) {
                try {
                    $this->driver->createDirectory($path);
                } catch (\Exception $e) {
                    return false;
                }
            }
            if (!$this->driver->isWritable($path)) {
                return false;
            }
        }
        return true;
    }
}
