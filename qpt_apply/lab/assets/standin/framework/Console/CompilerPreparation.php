<?php
namespace Magento\Framework\Console;

use Magento\Framework\App\Filesystem\DirectoryList;
use Magento\Framework\Console\Exception\GenerationDirectoryAccessException;
use Magento\Framework\Console\Command\DiCompileCommand;
use Magento\Framework\Filesystem\Driver\File;
use Magento\Framework\Lab\Host;

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
        if (Host::of(BP)->writtenMeanwhileRun('di_compile', 'magento ' . DiCompileCommand::NAME) === 1) {
            // The lab's concurrent writer: a request on a node still in service generates a factory it needs.
            File::$beforeRemove = function ($path) {
                File::$beforeRemove = null;
                @file_put_contents($path . '/LabWrittenMeanwhileFactory.php', "<?php\n");
            };
        }
        try {
            foreach ([DirectoryList::GENERATED_CODE, DirectoryList::GENERATED_METADATA] as $code) {
                $path = $this->directoryList->getPath($code);
                if ($this->driver->isExists($path)) {
                    $this->driver->deleteDirectory($path);
                }
            }
        } finally {
            File::$beforeRemove = null;
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
