<?php
namespace Magento\Framework\Encryption;

/**
 * Password hashes in Magento's "hash:salt:version" format (0 md5, 1 sha256, 3 argon2id13), plus bcrypt.
 */
class Encryptor implements EncryptorInterface
{
    const HASH_VERSION_MD5 = 0;
    const HASH_VERSION_SHA256 = 1;
    const HASH_VERSION_ARGON2ID13 = 3;

    public function getHash($password, $salt = false, $version = null)
    {
        $salt = $salt === false || $salt === true ? bin2hex(random_bytes(16)) : $salt;
        return hash('sha256', $salt . $password) . ':' . $salt . ':' . self::HASH_VERSION_SHA256;
    }

    public function validateHash($password, $hash)
    {
        $hash = (string)$hash;
        if (strpos($hash, '$2y$') === 0 || strpos($hash, '$argon2') === 0) {
            return password_verify($password, $hash);
        }
        $parts = explode(':', $hash, 3);
        if (count($parts) < 2) {
            return hash_equals($hash, md5($password));
        }
        [$expected, $salt] = $parts;
        $version = isset($parts[2]) ? (int)explode('_', $parts[2])[0] : self::HASH_VERSION_MD5;
        switch ($version) {
            case self::HASH_VERSION_MD5:
                $actual = md5($salt . $password);
                break;
            case self::HASH_VERSION_SHA256:
                $actual = hash('sha256', $salt . $password);
                break;
            case self::HASH_VERSION_ARGON2ID13:
                $actual = bin2hex(sodium_crypto_pwhash(SODIUM_CRYPTO_SIGN_SEEDBYTES, $password, $salt,
                    SODIUM_CRYPTO_PWHASH_OPSLIMIT_INTERACTIVE, SODIUM_CRYPTO_PWHASH_MEMLIMIT_INTERACTIVE,
                    SODIUM_CRYPTO_PWHASH_ALG_ARGON2ID13));
                break;
            default:
                return false;
        }
        return hash_equals($expected, $actual);
    }
}
