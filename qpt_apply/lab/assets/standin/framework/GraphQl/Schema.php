<?php
namespace Magento\Framework\GraphQl;

use Magento\Framework\App\Cache\StateInterface;
use Magento\Framework\Cache\FileCache;
use Magento\Framework\Config\ScopedData;
use Magento\Framework\GraphQl\Query\Lexer;
use Magento\Framework\Module\ModuleList;

/**
 * Object types and their fields (arguments, type, @resolver class) from the modules' etc/schema.graphqls.
 */
class Schema extends ScopedData
{
    private $moduleList;

    public function __construct(ModuleList $moduleList, FileCache $cache, StateInterface $cacheState)
    {
        $this->moduleList = $moduleList;
        parent::__construct($cache, $cacheState);
    }

    protected function getCacheId(): string
    {
        return 'graphql_schema';
    }

    protected function read(string $scope): array
    {
        $types = [];
        if ($scope !== 'global') {
            return $types;
        }
        foreach ($this->moduleList->getConfigFiles('schema.graphqls') as $file) {
            $tokens = Lexer::tokenize((string)file_get_contents($file));
            $pos = 0;
            while ($tokens[$pos][0] !== 'eof') {
                $token = $tokens[$pos];
                if ($token[0] === 'name' && $token[1] === 'type') {
                    $name = $tokens[$pos + 1][1];
                    $pos += 2;
                    while (!($tokens[$pos][0] === 'punct' && $tokens[$pos][1] === '{')) {
                        $pos++;
                    }
                    $pos++;
                    while (!($tokens[$pos][0] === 'punct' && $tokens[$pos][1] === '}')) {
                        [$field, $pos] = $this->readField($tokens, $pos);
                        $types[$name][$field['name']] = $field;
                    }
                }
                $pos++;
            }
        }
        return $types;
    }

    private function readField(array $tokens, $pos)
    {
        $field = ['name' => $tokens[$pos][1], 'args' => [], 'type' => null, 'resolver' => null];
        $pos++;
        if ($tokens[$pos][1] === '(') {
            $pos++;
            while ($tokens[$pos][1] !== ')') {
                $argName = $tokens[$pos][1];
                $pos += 2; // name and ":"
                [$type, $pos] = $this->readType($tokens, $pos);
                $field['args'][$argName] = $type;
                $pos = $this->skipDefaultAndDirectives($tokens, $pos);
            }
            $pos++;
        }
        $pos++; // ":"
        [$field['type'], $pos] = $this->readType($tokens, $pos);
        while ($tokens[$pos][0] === 'punct' && $tokens[$pos][1] === '@') {
            $directive = $tokens[$pos + 1][1];
            $pos += 2;
            if ($tokens[$pos][1] === '(') {
                $pos++;
                while ($tokens[$pos][1] !== ')') {
                    if ($directive === 'resolver' && $tokens[$pos][1] === 'class') {
                        $field['resolver'] = ltrim($tokens[$pos + 2][1], '\\');
                    }
                    $pos++;
                }
                $pos++;
            }
        }
        return [$field, $pos];
    }

    private function readType(array $tokens, $pos)
    {
        $type = '';
        while (true) {
            $token = $tokens[$pos];
            if ($token[0] === 'name' && ($type === '' || substr($type, -1) === '[')) {
                $type .= $token[1];
            } elseif ($token[0] === 'punct' && in_array($token[1], ['[', ']', '!'], true)) {
                $type .= $token[1];
            } else {
                return [$type, $pos];
            }
            $pos++;
        }
    }

    private function skipDefaultAndDirectives(array $tokens, $pos)
    {
        if ($tokens[$pos][1] === '=') {
            $pos += 2;
        }
        while ($tokens[$pos][0] === 'punct' && $tokens[$pos][1] === '@') {
            $pos += 2;
            if ($tokens[$pos][1] === '(') {
                $depth = 0;
                do {
                    $depth += $tokens[$pos][1] === '(' ? 1 : ($tokens[$pos][1] === ')' ? -1 : 0);
                    $pos++;
                } while ($depth > 0);
            }
        }
        return $pos;
    }

    public function getType($name)
    {
        return $this->get('global')[$name] ?? null;
    }
}
