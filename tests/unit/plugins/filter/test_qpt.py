# -*- coding: utf-8 -*-
"""The filters' own glue (plugins/filter/qpt.py): what the input check reads of every host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.qpt_apply.magento.plugins.filter.qpt import FilterModule, declared_patches


class HostVars(dict):
    """Like Ansible's hostvars: a host's variables by name, a missing one raising instead of defaulting."""


def test_declared_patches_reads_each_host_and_marks_the_silent_ones():
    hostvars = HostVars(web1={"qpt_patches": ["ACSD-61103"]}, web2={"inventory_hostname": "web2"},
                        web3={"qpt_patches": "ACSD-61103"})
    assert declared_patches(hostvars, ["web1", "web2", "web3"]) == {
        "web1": ["ACSD-61103"], "web2": None, "web3": "ACSD-61103"}
    assert declared_patches(hostvars, []) == {}
    filters = FilterModule().filters()
    assert filters["declared_patches"] is declared_patches
    errors = filters["fleet_input_errors"](declared_patches(hostvars, ["web1", "web2", "web3"]), ["ACSD-61103"], [1], 0, {})
    assert errors == ["web3: qpt_patches must be a list of patch IDs, e.g. ['ACSD-61103'], not str 'ACSD-61103'"]
