"""qpt-apply: roll Quality Patches Tool patches out across Magento 2 fleets."""

__version__ = "0.1.0"
