<?php
namespace Magento\Framework\Stdlib;

class DateTime
{
    const DATETIME_PHP_FORMAT = 'Y-m-d H:i:s';

    public function formatDate($date, $includeTime = true)
    {
        if ($date instanceof \DateTimeInterface) {
            return $date->format($includeTime ? self::DATETIME_PHP_FORMAT : 'Y-m-d');
        }
        if ($date === null || $date === '') {
            return null;
        }
        $timestamp = is_numeric($date) ? (int)$date : strtotime($date);
        return date($includeTime ? self::DATETIME_PHP_FORMAT : 'Y-m-d', $timestamp);
    }

    public function gmtTimestamp()
    {
        return time();
    }
}
