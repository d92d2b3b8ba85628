# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Does the node serve? One HTTP GET of its base URL (or health URL), as a customer's browser would.

A patched host only counts as done when it answers: a missed DI compile shows as HTTP 500, a
forgotten maintenance flag as 503. Standard library only; proxies from the environment are ignored
(the node is asked directly). Redirects are not followed: a 301/302 from the node is an answer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.request import HTTPRedirectHandler, ProxyHandler, Request, build_opener


# The argument spec of how the node is asked, shared by the modules that ask (documented in the doc
# fragment qpt_apply.magento.magento.health).
HEALTH_REQUEST_OPTIONS = dict(
    health_host_header=dict(type="str", default=""),
    health_statuses=dict(type="list", elements="int", default=[200]),
)


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def asked_in(deploy_mode):
    """Health is asked of production nodes only: they serve code compiled ahead of time, so a stale
    compile answers 500 there; in developer and default mode a request generates code under
    generated/ on the fly, which neither a read nor a gate may cause."""
    return deploy_mode == "production"


def probe(url, timeout=10, host_header=""):
    """{url, status (int | None), error} of one GET."""
    opener = build_opener(ProxyHandler({}), _NoRedirect())
    headers = {"User-Agent": "qpt-apply-health-check", "Cache-Control": "no-cache"}
    if host_header:
        headers["Host"] = host_header
    request = Request(url, headers=headers)
    try:
        response = opener.open(request, timeout=timeout)
        status = response.getcode()
        response.close()
        return {"url": url, "status": status, "error": None}
    except HTTPError as exc:
        return {"url": url, "status": exc.code, "error": None}
    except (URLError, HTTPException, OSError, ValueError) as exc:
        return {"url": url, "status": None, "error": str(getattr(exc, "reason", exc))}


def check(url, statuses, timeout=10, attempts=5, delay=1.0, host_header=""):
    """{url, status, ok, error, attempts}: retried a few times, since a PHP reload takes a moment."""
    result = {"url": url, "status": None, "ok": False, "error": None, "attempts": 0, "expected": list(statuses)}
    for attempt in range(1, max(1, int(attempts)) + 1):
        answer = probe(url, timeout, host_header)
        result.update(answer, attempts=attempt, ok=answer["status"] in statuses)
        if result["ok"]:
            break
        if attempt < attempts:
            time.sleep(delay)
    return result


def describe(result):
    """A health answer with the URL it came from, for a failure message."""
    if not result:
        return "not checked"
    if result.get("status") is None:
        return "no answer from %s (%s)" % (result.get("url"), result.get("error"))
    return "HTTP %s from %s" % (result["status"], result.get("url"))


def answer_text(result):
    """A health answer in short, as in "the node answers HTTP 500"."""
    if not result:
        return "nothing"
    if result.get("status") is None:
        return "nothing (%s)" % result.get("error")
    return "HTTP %s" % result.get("status")
