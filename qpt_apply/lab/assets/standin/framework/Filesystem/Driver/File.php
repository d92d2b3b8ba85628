<?php
namespace Magento\Framework\Filesystem\Driver;

use Magento\Framework\Exception\FileSystemException;
use Magento\Framework\Phrase;

/**
 * Local file operations that throw, with Magento's messages, instead of returning false.
 */
class File
{
    /**
     * Lab seam, null on every real run: called with a directory's path once its entries are gone and right
     * before it is removed, the moment a request or cron job writing into it meanwhile would create an entry.
     *
     * @var callable|null
     */
    public static $beforeRemove = null;

    public function isExists($path)
    {
        clearstatcache();
        return file_exists($path);
    }

    public function isWritable($path)
    {
        clearstatcache();
        return is_writable($path);
    }

    public function createDirectory($path, $permissions = 0777)
    {
        if (is_dir($path)) {
            return true;
        }
        $parent = dirname($path);
        if (!is_dir($parent)) {
            $this->createDirectory($parent, $permissions);
        }
        error_clear_last();
        // @: the warning becomes the exception's message rather than output
        if (!@mkdir($path, $permissions) && !is_dir($path)) {
            throw new FileSystemException(new Phrase('Directory "%1" cannot be created %2',
                [$path, $this->getWarningMessage()]));
        }
        return true;
    }

    public function deleteFile($path)
    {
        error_clear_last();
        if (!@unlink($path)) {
            throw new FileSystemException(new Phrase('The "%1" file can\'t be deleted. %2',
                [$path, $this->getWarningMessage()]));
        }
        return true;
    }

    /**
     * Deletes what it can; every entry that resisted is named in one exception, and the directory stays.
     */
    public function deleteDirectory($path)
    {
        $messages = [];
        $iterator = new \FilesystemIterator($path, \FilesystemIterator::SKIP_DOTS | \FilesystemIterator::UNIX_PATHS);
        foreach ($iterator as $entity) {
            try {
                if ($entity->isDir() && !$entity->isLink()) {
                    $this->deleteDirectory($entity->getPathname());
                } else {
                    $this->deleteFile($entity->getPathname());
                }
            } catch (FileSystemException $exception) {
                $messages[] = $exception->getMessage();
            }
        }
        if ($messages) {
            throw new FileSystemException(new Phrase(implode(' ', $messages)));
        }
        if (self::$beforeRemove !== null) {
            (self::$beforeRemove)($path);
        }
        error_clear_last();
        $result = is_link($path) ? @unlink($path) : @rmdir($path);
        if (!$result) {
            throw new FileSystemException(new Phrase('The directory "%1" cannot be deleted %2',
                [$path, $this->getWarningMessage()]));
        }
        return true;
    }

    public function filePutContents($path, $content)
    {
        error_clear_last();
        $result = @file_put_contents($path, $content);
        if (!$result) {
            throw new FileSystemException(new Phrase('The specified "%1" file couldn\'t be written. %2',
                [$path, $this->getWarningMessage()]));
        }
        return $result;
    }

    public function rename($oldPath, $newPath)
    {
        error_clear_last();
        if (!@rename($oldPath, $newPath)) {
            throw new FileSystemException(new Phrase('The path "%1" cannot be renamed into "%2" %3',
                [$oldPath, $newPath, $this->getWarningMessage()]));
        }
        return true;
    }

    private function getWarningMessage()
    {
        $warning = error_get_last();
        if ($warning && $warning['type'] == E_WARNING) {
            return 'Warning!' . $warning['message'];
        }
        return null;
    }
}
