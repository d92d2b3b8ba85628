<?php
/**
 * Translation shortcut used all over Magento: __('text %1', $arg) or __('text %name', ['name' => ...]).
 */
if (!function_exists('__')) {
    function __($text, ...$arguments)
    {
        if (isset($arguments[0]) && is_array($arguments[0])) {
            $arguments = $arguments[0];
        }
        return new \Magento\Framework\Phrase((string)$text, $arguments);
    }
}
