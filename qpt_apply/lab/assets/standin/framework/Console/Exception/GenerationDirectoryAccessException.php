<?php
namespace Magento\Framework\Console\Exception;

use Magento\Framework\Exception\FileSystemException;
use Magento\Framework\Phrase;

/**
 * The command line user cannot write generated/ (or generated/code, generated/metadata).
 */
class GenerationDirectoryAccessException extends FileSystemException
{
    public function __construct(Phrase $phrase = null, \Exception $cause = null, $code = 0)
    {
        parent::__construct($phrase ?: new Phrase(
            'Command line user does not have read and write permissions on generated directory. '
            . 'Please address this issue before using Magento command line.'
        ), $cause, $code);
    }
}
