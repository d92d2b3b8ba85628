<?php
namespace Magento\Framework\GraphQl;

use Magento\Framework\App\Request;
use Magento\Framework\App\Response;
use Magento\Framework\App\State;
use Magento\Framework\Exception\LocalizedException;
use Magento\Framework\GraphQl\Query\Parser;
use Magento\Framework\GraphQl\Query\SyntaxError;
use Magento\Framework\ObjectManagerInterface;
use Psr\Log\LoggerInterface;

/**
 * GraphQL front controller: parses the document, validates fields and arguments against the schema and runs
 * the top-level resolvers; errors are reported in the response body with HTTP 200.
 */
class Controller
{
    private $schema;
    private $objectManager;
    private $appState;
    private $logger;

    public function __construct(Schema $schema, ObjectManagerInterface $objectManager, State $appState,
        LoggerInterface $logger)
    {
        $this->schema = $schema;
        $this->objectManager = $objectManager;
        $this->appState = $appState;
        $this->logger = $logger;
    }

    public function dispatch(Request $request)
    {
        $response = (new Response())->setHeader('Content-Type', 'application/json');
        $body = [];
        if ($request->getMethod() === 'POST') {
            $body = json_decode($request->getContent(), true);
            if (!is_array($body)) {
                $body = [];
            }
        } else {
            $body = ['query' => $request->getQuery('query'), 'variables' => json_decode((string)$request->getQuery('variables'), true)];
        }
        $result = $this->execute((string)($body['query'] ?? ''), (array)($body['variables'] ?? []),
            $body['operationName'] ?? null);
        return $response->setHttpResponseCode(200)->setBody(json_encode($result));
    }

    private function error($message, $category, array $locations = [], array $path = [])
    {
        $error = ['message' => $message, 'extensions' => ['category' => $category]];
        if ($locations) {
            $error['locations'] = $locations;
        }
        if ($path) {
            $error['path'] = $path;
        }
        return $error;
    }

    public function execute($query, array $variables, $operationName)
    {
        if (trim($query) === '') {
            return ['errors' => [$this->error('Syntax Error: Unexpected <EOF>', 'graphql',
                [['line' => 1, 'column' => 1]])]];
        }
        try {
            $operations = (new Parser())->parse($query);
        } catch (SyntaxError $e) {
            return ['errors' => [$this->error($e->getMessage(), 'graphql',
                [['line' => $e->sourceLine, 'column' => $e->sourceColumn]])]];
        }
        $operation = $operations[0];
        if ($operationName !== null) {
            $operation = null;
            foreach ($operations as $candidate) {
                if ($candidate['name'] === $operationName) {
                    $operation = $candidate;
                }
            }
            if ($operation === null) {
                return ['errors' => [$this->error(sprintf('Unknown operation named "%s".', $operationName), 'graphql')]];
            }
        }
        $rootType = $operation['type'] === 'mutation' ? 'Mutation' : 'Query';
        $typeFields = $this->schema->getType($rootType) ?: [];

        $errors = [];
        foreach ($operation['variables'] as $name => $definition) {
            if (substr($definition['type'], -1) === '!' && !array_key_exists($name, $variables)
                && !$definition['hasDefault']) {
                $errors[] = $this->error(sprintf('Variable "$%s" of required type "%s" was not provided.', $name,
                    $definition['type']), 'graphql');
            }
        }
        foreach ($operation['selection'] as $field) {
            $location = [['line' => $field['line'], 'column' => $field['column']]];
            if (!isset($typeFields[$field['name']])) {
                $errors[] = $this->error(sprintf('Cannot query field "%s" on type "%s".', $field['name'], $rootType),
                    'graphql', $location);
                continue;
            }
            foreach ($typeFields[$field['name']]['args'] as $argName => $argType) {
                if (substr($argType, -1) === '!' && !isset($field['arguments'][$argName])) {
                    $errors[] = $this->error(sprintf('Field "%s" argument "%s" of type "%s" is required but not provided.',
                        $field['name'], $argName, $argType), 'graphql', $location);
                }
            }
        }
        if ($errors) {
            return ['errors' => $errors];
        }

        $data = [];
        foreach ($operation['selection'] as $field) {
            $definition = $typeFields[$field['name']];
            $args = [];
            foreach ($field['arguments'] as $name => $value) {
                $args[$name] = $this->value($value, $variables, $operation['variables']);
            }
            $info = ['path' => [$field['alias']], 'line' => $field['line'], 'column' => $field['column']];
            try {
                $resolver = $this->objectManager->get($definition['resolver']);
                $value = $resolver->resolve($definition, null, $info, null, $args);
                $data[$field['alias']] = $this->select($value, $field['selection']);
            } catch (\Exception $e) {
                $data[$field['alias']] = null;
                $errors[] = $this->resolverError($e, $field);
            }
        }
        return $errors ? ['errors' => $errors, 'data' => $data] : ['data' => $data];
    }

    private function resolverError(\Exception $e, array $field)
    {
        $location = [['line' => $field['line'], 'column' => $field['column']]];
        if ($e instanceof LocalizedException && method_exists($e, 'getCategory')) {
            return $this->error($e->getMessage(), $e->getCategory(), $location, [$field['alias']]);
        }
        $this->logger->critical($e);
        if ($this->appState->getMode() === State::MODE_DEVELOPER) {
            return $this->error($e->getMessage(), 'internal', $location, [$field['alias']]);
        }
        return $this->error('Internal server error', 'internal', $location, [$field['alias']]);
    }

    private function value(array $node, array $variables, array $definitions)
    {
        switch ($node[0]) {
            case 'var':
                if (array_key_exists($node[1], $variables)) {
                    return $variables[$node[1]];
                }
                $definition = $definitions[$node[1]] ?? null;
                return $definition && $definition['hasDefault']
                    ? $this->value($definition['default'], [], []) : null;
            case 'list':
                return array_map(function ($item) use ($variables, $definitions) {
                    return $this->value($item, $variables, $definitions);
                }, $node[1]);
            case 'object':
                $result = [];
                foreach ($node[1] as $key => $item) {
                    $result[$key] = $this->value($item, $variables, $definitions);
                }
                return $result;
        }
        return $node[1];
    }

    private function select($value, $selection)
    {
        if ($selection === null || !is_array($value)) {
            return $value;
        }
        $result = [];
        foreach ($selection as $field) {
            $result[$field['alias']] = $this->select($value[$field['name']] ?? null, $field['selection']);
        }
        return $result;
    }
}
