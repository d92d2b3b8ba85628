<?php
namespace Magento\Framework\Component;

/**
 * Where each module and library lives; filled by every package's registration.php (composer "files" autoload).
 */
class ComponentRegistrar
{
    const MODULE = 'module';
    const LIBRARY = 'library';

    private static $paths = [self::MODULE => [], self::LIBRARY => []];

    public static function register($type, $componentName, $path)
    {
        if (isset(self::$paths[$type][$componentName])) {
            throw new \LogicException(
                ucfirst($type) . ' \'' . $componentName . '\' from \'' . $path . '\' '
                . 'has been already defined in \'' . self::$paths[$type][$componentName] . '\'.'
            );
        }
        self::$paths[$type][$componentName] = str_replace('\\', '/', $path);
    }

    public function getPaths($type)
    {
        return self::$paths[$type];
    }

    public function getPath($type, $componentName)
    {
        return self::$paths[$type][$componentName] ?? null;
    }
}
