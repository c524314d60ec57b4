"""Prometheus console templates (prometheus/consoles): the lab's Prometheus serves the four views at /consoles/,
they render without template errors, show the lab's clusters, groups, mirror and hosts, and every graph's query
returns data."""
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from helpers import prom  # noqa: F401 -- the fixture, found by pytest under this name

PAGES = {
    "kafka-clusters.html": [r"<td><b>upstream</b></td>\s*<td><span class=\"text-success\">yes",
                            r"<td><b>downstream</b></td>\s*<td><span class=\"text-success\">yes"],
    "consumer-lag.html": [r"<td><b>load-upstream</b></td>"],
    "mirrormaker2.html": [r"<td>mirror-probe</td>", r"Latency p99 \(5m\)<span class=\"v\">[0-9.]+ s</span>"],
    "hosts.html": [r"<span class=\"text-success\">yes</span>"],
}
DATA_TIMEOUT = float(os.environ.get("BUNDLE_DATA_TIMEOUT", "240"))


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def graph_exprs(page):
    # The pages pass PromQL to PromConsole.Graph as JS strings (html/template escapes quotes as \u0022).
    return [json.loads('"' + m + '"') for m in re.findall(r'^\s*expr: "((?:[^"\\]|\\.)*)",$', page, re.M)]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_console_renders_lab_data(prom, name):
    deadline = time.monotonic() + DATA_TIMEOUT
    while True:
        status, page = get(f"{prom}/consoles/{name}")
        missing = [p for p in PAGES[name] if not re.search(p, page)] if status == 200 else ["HTTP %d" % status]
        exprs = graph_exprs(page)
        empty = []
        for e in exprs:
            _, body = get(f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": e}))
            res = json.loads(body)
            assert res["status"] == "success", (e, res)
            if not res["data"]["result"]:
                empty.append(e)
        if (not missing and not empty) or time.monotonic() > deadline:
            break
        time.sleep(10)
    assert status == 200, page[:2000]
    assert "error executing template" not in page and "<nav class=\"kafka-nav" in page
    assert not missing, f"{name}: not shown: {missing}"
    assert len(exprs) >= 4, f"{name}: {len(exprs)} graphs"
    assert not empty, f"{name}: graphs without data: {empty}"


def test_console_index(prom):
    status, page = get(f"{prom}/consoles/index.html")
    assert status == 200
    for name in PAGES:
        assert f"/consoles/{name}" in page
