<?php
namespace Magento\Framework;

/**
 * A translatable text with %1 / %name placeholders; the raw text and its arguments survive for API errors.
 */
class Phrase implements \JsonSerializable
{
    private $text;
    private $arguments;

    public function __construct($text, array $arguments = [])
    {
        $this->text = (string)$text;
        $this->arguments = $arguments;
    }

    public function getText()
    {
        return $this->text;
    }

    public function getArguments()
    {
        return $this->arguments;
    }

    public function render()
    {
        $text = $this->text;
        $arguments = $this->arguments;
        if ($arguments) {
            $placeholders = [];
            foreach ($arguments as $key => $value) {
                $placeholders['%' . (is_int($key) ? $key + 1 : $key)] = (string)$value;
            }
            $text = strtr($text, $placeholders);
        }
        return $text;
    }

    public function __toString()
    {
        return $this->render();
    }

    #[\ReturnTypeWillChange]
    public function jsonSerialize()
    {
        return $this->render();
    }
}
