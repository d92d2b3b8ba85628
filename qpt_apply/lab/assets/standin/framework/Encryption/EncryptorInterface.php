<?php
namespace Magento\Framework\Encryption;

interface EncryptorInterface
{
    public function getHash($password, $salt = false, $version = null);

    public function validateHash($password, $hash);
}
