<?php
namespace Magento\Framework\Webapi;

use Magento\Framework\App\Request;
use Magento\Framework\App\Response;
use Magento\Framework\Exception\InputException;
use Magento\Framework\ObjectManagerInterface;
use Magento\Framework\Phrase;

/**
 * REST front controller: matches the route, builds the service arguments from the JSON body, calls the service
 * and renders its result (or error) as JSON.
 */
class Rest
{
    private $config;
    private $objectManager;
    private $errorProcessor;

    public function __construct(Config $config, ObjectManagerInterface $objectManager, ErrorProcessor $errorProcessor)
    {
        $this->config = $config;
        $this->objectManager = $objectManager;
        $this->errorProcessor = $errorProcessor;
    }

    public function dispatch(Request $request)
    {
        $response = (new Response())->setHeader('Content-Type', 'application/json; charset=utf-8');
        try {
            $route = $this->match($request);
            $service = $this->objectManager->get($route['class']);
            $arguments = $this->processInput($route, $request);
            $result = $service->{$route['service_method']}(...$arguments);
            $response->setHttpResponseCode(200)->setBody(json_encode($result));
        } catch (\Exception $e) {
            $masked = $this->errorProcessor->maskException($e);
            $response->setHttpResponseCode($masked->getHttpCode())->setBody($this->errorProcessor->render($masked));
        }
        return $response;
    }

    private function match(Request $request)
    {
        // /rest/V1/... or /rest/<store code>/V1/...
        $path = preg_replace('#^/rest(/(?!V\d)[^/]+)?#', '', rtrim($request->getPathInfo(), '/'));
        foreach ($this->config->getRoutes() as $route) {
            if ($route['method'] === $request->getMethod() && strcasecmp($route['url'], $path) === 0) {
                return $route;
            }
        }
        throw new Exception(new Phrase('Request does not match any route.'), 0, Exception::HTTP_NOT_FOUND);
    }

    private function processInput(array $route, Request $request)
    {
        $body = $request->getContent();
        $input = $body === '' ? [] : json_decode($body, true);
        if (!is_array($input)) {
            throw new Exception(new Phrase('Decoding error: %1%2%3%4', [PHP_EOL, 'Syntax error', PHP_EOL, '']));
        }
        $method = new \ReflectionMethod($route['class'], $route['service_method']);
        $arguments = [];
        $missing = [];
        foreach ($method->getParameters() as $parameter) {
            $name = $parameter->getName();
            if (array_key_exists($name, $input)) {
                $arguments[] = $input[$name];
            } elseif ($parameter->isDefaultValueAvailable()) {
                $arguments[] = $parameter->getDefaultValue();
            } else {
                $missing[] = $name;
            }
        }
        if ($missing) {
            $exception = new InputException();
            foreach ($missing as $name) {
                $exception->addError(new Phrase(InputException::REQUIRED_FIELD, ['fieldName' => $name]));
            }
            throw $exception;
        }
        return $arguments;
    }
}
