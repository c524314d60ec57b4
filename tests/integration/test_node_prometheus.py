"""A real Prometheus (Debian's) scrapes node-exporter-lite; PromQL over the HTTP API returns its data.

Prometheus runs on a free 127.0.0.1 port with a temporary config and TSDB, scraping every second;
the test ends (and stops both processes) as soon as rate() has two samples to work with.
"""
import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from helpers import free_port, wait_for
from test_node_compare import Server, get, lite_binary

CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:{port}"]
        labels:
          instance: kafka01
"""


def query(base, expr):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    body = json.loads(get(url))
    assert body["status"] == "success", body
    return body["data"]["result"]


@pytest.fixture
def prometheus(tmp_path):
    prom = shutil.which("prometheus")
    if not prom:
        pytest.skip("Debian's prometheus is not installed")
    lite_port, prom_port = free_port(), free_port()
    lite = Server([lite_binary(), f"--web.listen-address=127.0.0.1:{lite_port}"], lite_port)
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(CONFIG.format(port=lite_port))
    proc = subprocess.Popen([prom, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                             f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{prom_port}"
    try:
        deadline = time.time() + 30
        while True:
            assert proc.poll() is None, f"prometheus exited: {proc.stderr.read()}"
            try:
                get(f"{base}/-/ready", timeout=2)
                break
            except OSError:
                assert time.time() < deadline, "prometheus not ready after 30s"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
        lite.stop()


def wait_query(base, expr, timeout=40):
    return wait_for(f"a result for {expr}", lambda: query(base, expr), timeout)


def test_prometheus_scrapes_and_queries(prometheus):
    t0 = time.time()
    up = wait_query(prometheus, 'up{job="node"} == 1')
    assert up[0]["metric"]["instance"] == "kafka01"
    load = wait_query(prometheus, "node_load1")
    assert float(load[0]["value"][1]) >= 0
    # Two scrapes at least, so rate() has something to divide: the Node Exporter Full CPU panel's query.
    busy = wait_query(prometheus, 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[1m]))')
    assert 0 <= float(busy[0]["value"][1]) <= os.cpu_count() * 1.05
    modes = query(prometheus, 'count by (mode) (node_cpu_seconds_total{instance="kafka01"})')
    assert {m["metric"]["mode"] for m in modes} >= {"user", "system", "idle", "iowait", "steal"}
    # What the dashboards select hosts by.
    uname = query(prometheus, "node_uname_info")
    assert uname and uname[0]["metric"]["nodename"] == os.uname().nodename
    mem = query(prometheus, "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes")
    assert 0 < float(mem[0]["value"][1]) <= 1
    assert query(prometheus, 'node_scrape_collector_success{collector="filesystem"}')[0]["value"][1] == "1"
    assert time.time() - t0 < 50
