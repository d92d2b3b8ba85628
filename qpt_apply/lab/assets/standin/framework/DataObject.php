<?php
namespace Magento\Framework;

/**
 * Array-backed object with magic getFooBar()/setFooBar() accessors for the key foo_bar.
 */
class DataObject
{
    protected $_data = [];

    public function __construct(array $data = [])
    {
        $this->_data = $data;
    }

    public function getData($key = '', $index = null)
    {
        if ($key === '') {
            return $this->_data;
        }
        return $this->_data[$key] ?? null;
    }

    public function setData($key, $value = null)
    {
        if (is_array($key)) {
            $this->_data = $key;
        } else {
            $this->_data[$key] = $value;
        }
        return $this;
    }

    public function addData(array $data)
    {
        foreach ($data as $key => $value) {
            $this->setData($key, $value);
        }
        return $this;
    }

    public function unsetData($key = null)
    {
        if ($key === null) {
            $this->_data = [];
        } else {
            unset($this->_data[$key]);
        }
        return $this;
    }

    public function hasData($key = '')
    {
        return $key === '' ? !empty($this->_data) : array_key_exists($key, $this->_data);
    }

    public function __call($method, $args)
    {
        $key = strtolower(trim(preg_replace('/([A-Z]|[0-9]+)/', '_$1', substr($method, 3)), '_'));
        switch (substr($method, 0, 3)) {
            case 'get':
                return $this->getData($key);
            case 'set':
                return $this->setData($key, $args[0] ?? null);
            case 'uns':
                return $this->unsetData($key);
            case 'has':
                return isset($this->_data[$key]);
        }
        throw new \BadMethodCallException('Invalid method ' . get_class($this) . '::' . $method);
    }
}
