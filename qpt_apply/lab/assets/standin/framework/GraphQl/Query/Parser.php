<?php
namespace Magento\Framework\GraphQl\Query;

/**
 * Parses the executable part of GraphQL: operations, variable definitions, fields, arguments and values.
 */
class Parser
{
    private $tokens;
    private $pos;

    public function parse($source)
    {
        $this->tokens = Lexer::tokenize($source);
        $this->pos = 0;
        $operations = [];
        while (!$this->peek('eof')) {
            $operations[] = $this->parseOperation();
        }
        if (!$operations) {
            $token = $this->tokens[$this->pos];
            throw new SyntaxError('Unexpected <EOF>', $token[2], $token[3]);
        }
        return $operations;
    }

    private function peek($type, $value = null)
    {
        $token = $this->tokens[$this->pos];
        return $token[0] === $type && ($value === null || $token[1] === $value);
    }

    private function expect($type, $value = null)
    {
        $token = $this->tokens[$this->pos];
        if (!$this->peek($type, $value)) {
            $shown = $token[0] === 'eof' ? '<EOF>' : ($token[0] === 'name' ? 'Name "' . $token[1] . '"' : '"' . $token[1] . '"');
            $wanted = $value !== null ? '"' . $value . '"' : ucfirst($type);
            throw new SyntaxError("Expected $wanted, found $shown", $token[2], $token[3]);
        }
        $this->pos++;
        return $token;
    }

    private function skip($type, $value)
    {
        if ($this->peek($type, $value)) {
            $this->pos++;
            return true;
        }
        return false;
    }

    private function parseOperation()
    {
        $operation = ['type' => 'query', 'name' => null, 'variables' => []];
        if ($this->peek('name', 'query') || $this->peek('name', 'mutation')) {
            $operation['type'] = $this->expect('name')[1];
            if ($this->peek('name')) {
                $operation['name'] = $this->expect('name')[1];
            }
            if ($this->skip('punct', '(')) {
                while (!$this->skip('punct', ')')) {
                    $this->expect('punct', '$');
                    $name = $this->expect('name')[1];
                    $this->expect('punct', ':');
                    $type = $this->parseType();
                    $default = null;
                    $hasDefault = false;
                    if ($this->skip('punct', '=')) {
                        $default = $this->parseValue(true);
                        $hasDefault = true;
                    }
                    $operation['variables'][$name] = ['type' => $type, 'default' => $default,
                        'hasDefault' => $hasDefault];
                }
            }
        }
        $operation['selection'] = $this->parseSelectionSet();
        return $operation;
    }

    private function parseType()
    {
        if ($this->skip('punct', '[')) {
            $type = '[' . $this->parseType() . ']';
            $this->expect('punct', ']');
        } else {
            $type = $this->expect('name')[1];
        }
        if ($this->skip('punct', '!')) {
            $type .= '!';
        }
        return $type;
    }

    private function parseSelectionSet()
    {
        $this->expect('punct', '{');
        $fields = [];
        while (!$this->skip('punct', '}')) {
            $token = $this->expect('name');
            $field = ['name' => $token[1], 'alias' => $token[1], 'line' => $token[2], 'column' => $token[3],
                'arguments' => [], 'selection' => null];
            if ($this->skip('punct', ':')) {
                $field['name'] = $this->expect('name')[1];
            }
            if ($this->skip('punct', '(')) {
                while (!$this->skip('punct', ')')) {
                    $name = $this->expect('name')[1];
                    $this->expect('punct', ':');
                    $field['arguments'][$name] = $this->parseValue(false);
                }
            }
            while ($this->skip('punct', '@')) {
                $this->expect('name');
                if ($this->skip('punct', '(')) {
                    while (!$this->skip('punct', ')')) {
                        $this->expect('name');
                        $this->expect('punct', ':');
                        $this->parseValue(false);
                    }
                }
            }
            if ($this->peek('punct', '{')) {
                $field['selection'] = $this->parseSelectionSet();
            }
            $fields[] = $field;
        }
        return $fields;
    }

    /**
     * A value node: ['var', name] for $variables, ['const', php value] for literals.
     */
    private function parseValue($constOnly)
    {
        $token = $this->tokens[$this->pos];
        if (!$constOnly && $this->skip('punct', '$')) {
            return ['var', $this->expect('name')[1]];
        }
        switch ($token[0]) {
            case 'string':
                $this->pos++;
                return ['const', $token[1]];
            case 'int':
                $this->pos++;
                return ['const', (int)$token[1]];
            case 'float':
                $this->pos++;
                return ['const', (float)$token[1]];
            case 'name':
                $this->pos++;
                $map = ['true' => true, 'false' => false, 'null' => null];
                return ['const', array_key_exists($token[1], $map) ? $map[$token[1]] : $token[1]];
        }
        if ($this->skip('punct', '[')) {
            $items = [];
            while (!$this->skip('punct', ']')) {
                $items[] = $this->parseValue($constOnly);
            }
            return ['list', $items];
        }
        if ($this->skip('punct', '{')) {
            $fields = [];
            while (!$this->skip('punct', '}')) {
                $name = $this->expect('name')[1];
                $this->expect('punct', ':');
                $fields[$name] = $this->parseValue($constOnly);
            }
            return ['object', $fields];
        }
        $shown = $token[0] === 'eof' ? '<EOF>' : '"' . $token[1] . '"';
        throw new SyntaxError("Unexpected $shown", $token[2], $token[3]);
    }
}
