<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Command;

use Magento\CloudPatches\App\Container;
use Symfony\Component\Console\Command\Command;

abstract class AbstractCommand extends Command
{
    const RETURN_SUCCESS = 0;
    const RETURN_FAILURE = 1;

    protected $container;

    public function __construct(Container $container)
    {
        $this->container = $container;
        parent::__construct();
    }
}
