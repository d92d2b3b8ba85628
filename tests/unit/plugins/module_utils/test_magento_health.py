# -*- coding: utf-8 -*-
"""Does the node serve? (plugins/module_utils/magento_health.py), asked of a tiny HTTP server on 127.0.0.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_health import (
    answer_text, asked_in, check, describe, probe)


class Handler(BaseHTTPRequestHandler):
    """/ok 200, /down 503, /moved 302, /vhost 200 only for Host shop.test, /warming 500 then 200."""

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("Host"), self.headers.get("User-Agent")))
        if self.path == "/warming":
            server.warming += 1
            status = 500 if server.warming < 3 else 200
        else:
            status = {"/ok": 200, "/down": 503, "/moved": 302}.get(self.path, 404)
        if self.path == "/vhost":
            status = 200 if self.headers.get("Host") == "shop.test" else 421
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def node():
    """The base URL of a loopback HTTP server, shut down after the test."""
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.requests = []
    server.warming = 0
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server, "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_health_is_asked_of_production_nodes_only():
    assert asked_in("production")
    assert not any(asked_in(mode) for mode in ("developer", "default", None))


def test_a_serving_node_is_ok_at_the_first_attempt(node):
    server, url = node
    result = check(url + "/ok", [200], timeout=5, attempts=3, delay=0)
    assert (result["status"], result["ok"], result["attempts"], result["error"]) == (200, True, 1, None)
    assert result["expected"] == [200]
    assert server.requests == [("/ok", "127.0.0.1:%d" % server.server_address[1], "qpt-apply-health-check")]


def test_an_error_status_is_an_answer_retried_until_the_attempts_run_out(node):
    dummy, url = node
    result = check(url + "/down", [200], timeout=5, attempts=2, delay=0)
    assert (result["status"], result["ok"], result["attempts"], result["error"]) == (503, False, 2, None)
    assert check(url + "/down", [200, 503], timeout=5, attempts=2, delay=0)["ok"]


def test_a_node_still_warming_up_passes_on_a_later_attempt(node):
    dummy, url = node
    result = check(url + "/warming", [200], timeout=5, attempts=5, delay=0)
    assert (result["status"], result["ok"], result["attempts"]) == (200, True, 3)


def test_a_redirect_is_not_followed(node):
    server, url = node
    assert probe(url + "/moved", timeout=5) == {"url": url + "/moved", "status": 302, "error": None}
    assert [request[0] for request in server.requests] == ["/moved"]


def test_the_host_header_is_sent(node):
    dummy, url = node
    assert probe(url + "/vhost", timeout=5)["status"] == 421
    assert probe(url + "/vhost", timeout=5, host_header="shop.test")["status"] == 200


def test_proxies_from_the_environment_are_ignored(node, monkeypatch):
    server, url = node
    # Through a proxy the request line would carry the absolute URL, which this server answers 404.
    monkeypatch.setenv("http_proxy", url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert probe(url + "/ok", timeout=5)["status"] == 200
    assert server.requests[-1][0] == "/ok"


def test_no_answer_has_no_status_and_says_why():
    url = "http://127.0.0.1:%d/" % closed_port()
    result = check(url, [200], timeout=5, attempts=1, delay=0)
    assert (result["status"], result["ok"], result["attempts"]) == (None, False, 1)
    assert result["error"]
    assert describe(result) == "no answer from %s (%s)" % (url, result["error"])
    assert answer_text(result) == "nothing (%s)" % result["error"]


def test_answers_in_words():
    answer = {"url": "http://web1/", "status": 500, "ok": False, "error": None}
    assert describe(answer) == "HTTP 500 from http://web1/"
    assert answer_text(answer) == "HTTP 500"
    assert describe(None) == "not checked" and answer_text({}) == "nothing"
