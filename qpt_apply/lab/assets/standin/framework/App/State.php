<?php
namespace Magento\Framework\App;

/**
 * Application mode (from env.php MAGE_MODE) and the area the current request runs in.
 */
class State
{
    const MODE_DEVELOPER = 'developer';
    const MODE_PRODUCTION = 'production';
    const MODE_DEFAULT = 'default';

    private $areaCode;
    private $deploymentConfig;

    public function __construct(DeploymentConfig $deploymentConfig)
    {
        $this->deploymentConfig = $deploymentConfig;
    }

    public function getMode()
    {
        return $this->deploymentConfig->get('MAGE_MODE') ?: self::MODE_DEFAULT;
    }

    public function setAreaCode($code)
    {
        if ($this->areaCode !== null) {
            throw new \Magento\Framework\Exception\LocalizedException(__('Area code is already set'));
        }
        $this->areaCode = $code;
    }

    public function getAreaCode()
    {
        if ($this->areaCode === null) {
            throw new \Magento\Framework\Exception\LocalizedException(__('Area code is not set'));
        }
        return $this->areaCode;
    }

    public function isAreaCodeEmulated()
    {
        return false;
    }

    public function hasAreaCode()
    {
        return $this->areaCode !== null;
    }
}
