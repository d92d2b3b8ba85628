<?php
namespace Magento\Framework\App;

use Magento\Framework\App\Filesystem\DirectoryList;

/**
 * The HTTP application: picks the area from the path, then hands the request to that area's front controller.
 */
class Http
{
    private $request;
    private $directoryList;

    public function __construct(Request $request, DirectoryList $directoryList)
    {
        $this->request = $request;
        $this->directoryList = $directoryList;
    }

    public function launch(Bootstrap $bootstrap)
    {
        $path = $this->request->getPathInfo();
        if (preg_match('#^/rest(/|$)#', $path)) {
            $bootstrap->loadArea(Area::AREA_WEBAPI_REST);
            $controller = \Magento\Framework\Webapi\Rest::class;
        } elseif (preg_match('#^/graphql/?$#', $path)) {
            $bootstrap->loadArea(Area::AREA_GRAPHQL);
            $controller = \Magento\Framework\GraphQl\Controller::class;
        } elseif ($path === '/' || $path === '') {
            // The storefront's home page builds the customer blocks through the ObjectManager, so code
            // generated before a constructor change breaks it like every other page in production.
            $bootstrap->loadArea(Area::AREA_FRONTEND);
            $bootstrap->getObjectManager()->get(\Magento\Customer\Api\AccountManagementInterface::class);
            if (\Magento\Framework\Lab\Host::of(BP)->fails('home_page')) {
                // Lab fault: the page breaks as a faulty extension or template would, the rest still answers.
                throw new \RuntimeException('Lab fault: the home page fails');
            }
            return (new Response())->setHttpResponseCode(200)->setHeader('Content-Type', 'text/html; charset=UTF-8')
                ->setBody("<!doctype html>\n<html><head><title>Home page</title></head><body>"
                    . "<h1>Home page</h1></body></html>\n");
        } else {
            $bootstrap->loadArea(Area::AREA_FRONTEND);
            return (new Response())->setHttpResponseCode(404)->setHeader('Content-Type', 'text/html; charset=UTF-8')
                ->setBody("<!doctype html>\n<html><head><title>404 Not Found</title></head><body>"
                    . "<h1>Whoops, our bad...</h1><p>The page you requested was not found.</p></body></html>\n");
        }
        return $bootstrap->getObjectManager()->create($controller)->dispatch($this->request);
    }

    public function catchException(Bootstrap $bootstrap, \Exception $exception)
    {
        if ($bootstrap->getErrorCode() === Bootstrap::ERR_MAINTENANCE) {
            require $this->directoryList->getPath(DirectoryList::PUB) . '/errors/503.php';
            return true;
        }
        return false;
    }
}
