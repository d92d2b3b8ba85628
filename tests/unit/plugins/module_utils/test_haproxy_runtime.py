# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.qpt_apply.magento.plugins.module_utils.haproxy_runtime import (
    describe, parse_servers_state, parse_stat)

STAT = (
    "# pxname,svname,qcur,scur,stot,status,check_status,check_code,check_desc\n"
    "shop,shop-web1,0,2,40,UP,L7OK,200,Layer7 check passed\n"
    "shop,shop-web2,0,0,38,UP,* L7OK,200,Layer7 check passed\n"
    "shop,shop-web3,0,0,12,DOWN,L7STS,500,Layer7 wrong status\n"
    "other,other-web1,0,0,1,UP,L7OK,200,Layer7 check passed\n")
STATE = (
    "1\n"
    "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\n"
    "3 shop 1 shop-web1 127.0.0.2 2 0\n"
    "3 shop 2 shop-web2 127.0.0.3 2 8\n"
    "3 shop 3 shop-web3 127.0.0.4 0 1\n")


def test_a_running_check_reports_the_last_finished_one():
    rows = parse_stat(STAT, "shop")
    assert sorted(rows) == ["shop-web1", "shop-web2", "shop-web3"]
    assert [rows[name]["check_status"] for name in sorted(rows)] == ["L7OK", "L7OK", "L7STS"]


def test_an_answer_that_is_not_the_csv_is_none():
    assert parse_stat("Unknown command.\n", "shop") is None
    assert parse_servers_state("Can't find backend.\n") is None


def test_a_server_is_described_from_both_answers():
    states, stats = parse_servers_state(STATE), parse_stat(STAT, "shop")
    assert describe(states["shop-web1"], stats["shop-web1"]) == {
        "admin_state": "ready", "status": "UP", "scur": 2, "qcur": 0, "check_status": "L7OK", "check_code": 200,
        "check_desc": "Layer7 check passed"}
    assert describe(states["shop-web2"], stats["shop-web2"])["admin_state"] == "drain"
    assert describe(states["shop-web3"], stats["shop-web3"])["admin_state"] == "maint"
