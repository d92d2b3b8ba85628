<?php
namespace Magento\Framework\App;

class Area
{
    const AREA_GLOBAL = 'global';
    const AREA_FRONTEND = 'frontend';
    const AREA_ADMINHTML = 'adminhtml';
    const AREA_CRONTAB = 'crontab';
    const AREA_WEBAPI_REST = 'webapi_rest';
    const AREA_WEBAPI_SOAP = 'webapi_soap';
    const AREA_GRAPHQL = 'graphql';

    public static function all()
    {
        return [
            self::AREA_GLOBAL, self::AREA_FRONTEND, self::AREA_ADMINHTML, self::AREA_CRONTAB,
            self::AREA_WEBAPI_REST, self::AREA_WEBAPI_SOAP, self::AREA_GRAPHQL,
        ];
    }
}
