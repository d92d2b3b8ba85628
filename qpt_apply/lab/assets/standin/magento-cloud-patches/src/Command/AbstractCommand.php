<?php
/**
 * Copyright © Magento, Inc. All rights reserved.
 * See COPYING.txt for license details.
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
