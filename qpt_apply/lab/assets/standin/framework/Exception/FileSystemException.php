<?php
namespace Magento\Framework\Exception;

/**
 * A file or directory operation that failed; the message names the path and PHP's warning.
 */
class FileSystemException extends LocalizedException
{
}
