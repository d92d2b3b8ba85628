<?php
namespace Magento\Framework\GraphQl\Query;

/**
 * Splits GraphQL source (queries and schema files) into tokens that remember their line and column.
 */
class Lexer
{
    public static function tokenize($source)
    {
        $tokens = [];
        $length = strlen($source);
        $line = 1;
        $lineStart = 0;
        $i = 0;
        while ($i < $length) {
            $char = $source[$i];
            if ($char === "\n") {
                $line++;
                $lineStart = $i + 1;
                $i++;
                continue;
            }
            if ($char === ' ' || $char === "\t" || $char === "\r" || $char === ',' || $char === "\xEF") {
                $i += ($char === "\xEF") ? 3 : 1; // commas are insignificant; skip a BOM
                continue;
            }
            if ($char === '#') {
                while ($i < $length && $source[$i] !== "\n") {
                    $i++;
                }
                continue;
            }
            $column = $i - $lineStart + 1;
            if (substr($source, $i, 3) === '"""') {
                $end = strpos($source, '"""', $i + 3);
                if ($end === false) {
                    throw new SyntaxError('Unterminated string.', $line, $column);
                }
                $value = substr($source, $i + 3, $end - $i - 3);
                $line += substr_count($value, "\n");
                $i = $end + 3;
                $tokens[] = ['string', $value, $line, $column];
                continue;
            }
            if ($char === '"') {
                $value = '';
                $i++;
                while (true) {
                    if ($i >= $length || $source[$i] === "\n") {
                        throw new SyntaxError('Unterminated string.', $line, $column);
                    }
                    $c = $source[$i];
                    if ($c === '"') {
                        $i++;
                        break;
                    }
                    if ($c === '\\') {
                        $next = $source[$i + 1] ?? '';
                        $map = ['"' => '"', '\\' => '\\', '/' => '/', 'b' => "\x08", 'f' => "\f", 'n' => "\n",
                            'r' => "\r", 't' => "\t"];
                        if (isset($map[$next])) {
                            $value .= $map[$next];
                            $i += 2;
                            continue;
                        }
                        if ($next === 'u') {
                            $value .= mb_convert_encoding(pack('n', hexdec(substr($source, $i + 2, 4))), 'UTF-8', 'UTF-16BE');
                            $i += 6;
                            continue;
                        }
                        throw new SyntaxError('Invalid character escape sequence: \\' . $next, $line, $column);
                    }
                    $value .= $c;
                    $i++;
                }
                $tokens[] = ['string', $value, $line, $column];
                continue;
            }
            if (substr($source, $i, 3) === '...') {
                $tokens[] = ['punct', '...', $line, $column];
                $i += 3;
                continue;
            }
            if (strpos('!$():=@[]{}|&', $char) !== false) {
                $tokens[] = ['punct', $char, $line, $column];
                $i++;
                continue;
            }
            if (preg_match('/\G-?\d+(\.\d+)?([eE][+-]?\d+)?/', $source, $match, 0, $i)) {
                $tokens[] = [isset($match[1]) || isset($match[2]) ? 'float' : 'int', $match[0], $line, $column];
                $i += strlen($match[0]);
                continue;
            }
            if (preg_match('/\G[_A-Za-z][_0-9A-Za-z]*/', $source, $match, 0, $i)) {
                $tokens[] = ['name', $match[0], $line, $column];
                $i += strlen($match[0]);
                continue;
            }
            throw new SyntaxError(sprintf('Cannot parse the unexpected character "%s".', $char), $line, $column);
        }
        $tokens[] = ['eof', '', $line, $length - $lineStart + 1];
        return $tokens;
    }
}
