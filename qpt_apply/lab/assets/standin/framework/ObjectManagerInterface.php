<?php
namespace Magento\Framework;

interface ObjectManagerInterface
{
    public function create($type, array $arguments = []);

    public function get($type);

    public function configure(array $configuration);
}
