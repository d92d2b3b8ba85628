<?php
/**
 * Lab stand-in for qpt-apply: shaped like the Magento file of this name.
 * Written for the simulated hosts; not Magento code.
 */
declare(strict_types=1);

namespace Magento\CloudPatches\Composer;

/**
 * Composer version constraints ("||" of space-separated ranges, ^, ~, *, exact) against normalized versions.
 */
class Semver
{
    private const STABILITIES = ['dev', 'alpha', 'beta', 'RC', 'patch'];

    /**
     * "2.4.6-p3" -> "2.4.6.0-patch3", "2.4.7" -> "2.4.7.0".
     */
    public static function normalize(string $version): string
    {
        $version = ltrim(trim($version), 'vV');
        if (!preg_match('/^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:[-.]?(dev|alpha|a|beta|b|RC|rc|patch|pl|p)\.?(\d*))?$/', $version, $m)) {
            throw new \UnexpectedValueException('Invalid version string "' . $version . '"');
        }
        $normalized = sprintf('%d.%d.%d.%d', $m[1], $m[2] ?? 0, $m[3] ?? 0, $m[4] ?? 0);
        if (!empty($m[5])) {
            $map = ['a' => 'alpha', 'b' => 'beta', 'rc' => 'RC', 'p' => 'patch', 'pl' => 'patch'];
            $normalized .= '-' . ($map[$m[5]] ?? $m[5]) . ($m[6] ?? '');
        }
        return $normalized;
    }

    public static function satisfies(string $normalizedVersion, string $constraint): bool
    {
        foreach (preg_split('/\s*\|\|?\s*/', trim($constraint)) as $group) {
            $ok = true;
            $group = preg_replace('/(>=|<=|!=|==|>|<|=|\^|~)\s+/', '$1', trim($group));
            foreach (preg_split('/[\s,]+/', $group) as $single) {
                if ($single !== '' && !self::matchOne($normalizedVersion, $single)) {
                    $ok = false;
                    break;
                }
            }
            if ($ok) {
                return true;
            }
        }
        return false;
    }

    private static function matchOne(string $version, string $constraint): bool
    {
        if ($constraint === '*') {
            return true;
        }
        if (!preg_match('/^(>=|<=|>|<|!=|==|=|\^|~)?\s*(.+)$/', $constraint, $m)) {
            return false;
        }
        [, $op, $target] = $m;
        if (substr($target, -2) === '.*') {
            $base = self::normalize(substr($target, 0, -2));
            $parts = explode('.', explode('-', $base)[0]);
            $depth = substr_count($target, '.');
            $parts[$depth - 1]++;
            for ($i = $depth; $i < 4; $i++) {
                $parts[$i] = 0;
            }
            return self::cmp($version, $base . '-dev', '>=') && self::cmp($version, implode('.', $parts) . '-dev', '<');
        }
        $normalized = self::normalize($target);
        $hasStability = strpos($normalized, '-') !== false;
        switch ($op) {
            case '^':
            case '~':
                $parts = array_map('intval', explode('.', explode('-', $normalized)[0]));
                if ($op === '^') {
                    $index = $parts[0] > 0 ? 0 : ($parts[1] > 0 ? 1 : 2);
                } else {
                    $index = max(0, substr_count($target, '.') - 1);
                }
                $upper = $parts;
                $upper[$index]++;
                for ($i = $index + 1; $i < 4; $i++) {
                    $upper[$i] = 0;
                }
                return self::cmp($version, $hasStability ? $normalized : $normalized . '-dev', '>=')
                    && self::cmp($version, implode('.', $upper) . '-dev', '<');
            case '>=':
            case '<':
                return self::cmp($version, $hasStability ? $normalized : $normalized . '-dev', $op);
            case '>':
            case '<=':
                return self::cmp($version, $normalized, $op);
            case '!=':
                return !self::cmp($version, $normalized, '==');
            default:
                return self::cmp($version, $normalized, '==');
        }
    }

    private static function cmp(string $a, string $b, string $op): bool
    {
        return version_compare($a, $b, $op);
    }
}
