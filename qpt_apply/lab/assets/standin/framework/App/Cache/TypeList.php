<?php
namespace Magento\Framework\App\Cache;

use Magento\Framework\Cache\FileCache;

/**
 * The cache types a 2.4 store declares, each cleaned by its tag.
 */
class TypeList
{
    const TYPES = [
        'config' => ['Configuration', 'CONFIG'],
        'layout' => ['Layouts', 'LAYOUT_GENERAL_CACHE_TAG'],
        'block_html' => ['Blocks HTML output', 'BLOCK_HTML'],
        'collections' => ['Collections Data', 'COLLECTION_DATA'],
        'reflection' => ['Reflection Data', 'REFLECTION'],
        'db_ddl' => ['Database DDL operations', 'DB_DDL'],
        'compiled_config' => ['Compiled Config', 'COMPILED_CONFIG'],
        'eav' => ['EAV types and attributes', 'EAV'],
        'customer_notification' => ['Customer Notification', 'CUSTOMER_NOTIFICATION'],
        'config_integration' => ['Integrations Configuration', 'INTEGRATION'],
        'config_integration_api' => ['Integrations API Configuration', 'INTEGRATION_API_CONFIG'],
        'full_page' => ['Page Cache', 'FPC'],
        'config_webservice' => ['Web Services Configuration', 'WEBSERVICE'],
        'translate' => ['Translations', 'TRANSLATE'],
    ];

    private $state;
    private $cache;

    public function __construct(StateInterface $state, FileCache $cache)
    {
        $this->state = $state;
        $this->cache = $cache;
    }

    public function getTypes()
    {
        $types = [];
        foreach (self::TYPES as $id => [$label, $tag]) {
            $types[$id] = ['id' => $id, 'cache_type' => $label, 'tags' => $tag,
                'status' => (int)$this->state->isEnabled($id)];
        }
        return $types;
    }

    public function getTag($type)
    {
        return self::TYPES[$type][1] ?? null;
    }

    public function cleanType($typeCode)
    {
        $tag = $this->getTag($typeCode);
        if ($tag !== null) {
            $this->cache->clean([$tag]);
        }
    }
}
