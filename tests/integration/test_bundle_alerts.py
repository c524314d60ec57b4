"""The alert rules on the live lab: with everything healthy and load running none fires; a host whose
node-exporter-lite stops raises HostDown (and not ExporterDown) within its `for` plus a few evaluations."""
import json
import time
import urllib.request

import pytest

from helpers import prom  # noqa: F401 -- the fixture, found by pytest under this name


def alerts(prom):
    with urllib.request.urlopen(f"{prom}/api/v1/alerts", timeout=30) as r:
        return json.loads(r.read())["data"]["alerts"]


def rule_names(prom):
    with urllib.request.urlopen(f"{prom}/api/v1/rules?type=alert", timeout=30) as r:
        return {rule["name"] for g in json.loads(r.read())["data"]["groups"] for rule in g["rules"]}


def test_healthy_lab_fires_nothing(prom):
    assert {"HostDown", "ExporterDown", "MirrorProbeLoss", "MirrorCheckpointsStale"} <= rule_names(prom)
    firing = [a for a in alerts(prom) if a["state"] == "firing"]
    assert not firing, json.dumps(firing, indent=1)


def test_stopped_host_exporter_fires_host_down(lab, prom):
    services = lab.status()["services"]
    node = next((s for s in services if s["kind"] == "node-exporter-lite" and s["hostname"].startswith("zk")
                 and s["running"]), None)
    if node is None:
        pytest.fail(f"no running node-exporter-lite on a zk host: {[s['name'] for s in services]}")
    addr, node = node["host"], node["name"]
    try:
        lab.stop(node)
        t0 = time.monotonic()
        firing = []
        while time.monotonic() - t0 < 180:
            firing = [a["labels"] for a in alerts(prom) if a["state"] == "firing"]
            if any(a["alertname"] == "HostDown" for a in firing):
                break
            time.sleep(5)
        took = time.monotonic() - t0
        host_down = [a for a in firing if a["alertname"] == "HostDown"]
        assert host_down and host_down[0]["instance"].startswith(addr + ":"), firing
        assert not [a for a in firing if a["alertname"] == "ExporterDown"], firing
        lab.report(f"alerts: HostDown fired {took:.0f}s after node-exporter-lite stopped (for: 1m)")
    finally:
        lab.ensure_healthy()
