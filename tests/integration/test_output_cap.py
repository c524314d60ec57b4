"""Output over the cap is never a 200 that looks complete; files over the textfile limit are not read.

A textfile of 2 M series (50 MB of text) under the 64 MiB file limit: the scrape's
output passes the 32 MiB cap, so node-exporter-lite answers 503 with the reason in the body and the log
(it was a 200 with 1.4 M of the series), and a real Prometheus (Debian's) scraping it records the failed
scrape: `up` 0, and the 503 as the target's lastError. A 100 MB textfile is refused by its size without being read: the scrape is quick and
node_textfile_scrape_error is 1, the rest of the scrape intact. Runs in about 40 s (longer on a loaded machine: a scrape of the big file takes 2-12 s).
"""
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from helpers import free_port, stop_process
from test_node_compare import lite_binary


class Lite:
    """node-exporter-lite on 127.0.0.1:port, its log in a file; stop() always runs."""

    def __init__(self, port, log, *args):
        self.log = open(log, "w")
        self.proc = subprocess.Popen([lite_binary(), f"--web.listen-address=127.0.0.1:{port}", *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while "msg=listening" not in open(log).read():
            assert self.proc.poll() is None and time.time() < deadline, open(log).read()
            time.sleep(0.05)

    def stop(self):
        stop_process(self.proc)
        self.log.close()


def write_series(path, n):
    with open(path, "w") as f:
        f.write("# HELP big_total A big textfile.\n# TYPE big_total counter\n")
        chunk = 100000
        for start in range(0, n, chunk):
            f.write("".join(f'big_total{{i="{i}"}} 1\n' for i in range(start, min(n, start + chunk))))


def fetch(url, timeout=60):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_output_over_the_cap_fails_the_scrape_in_prometheus(tmp_path):
    prom = shutil.which("prometheus")
    assert prom, "Debian's prometheus is not installed (scripts/install-deps)"
    tdir = tmp_path / "textfile"
    tdir.mkdir()
    write_series(tdir / "big.prom", 2_000_000)
    size = os.path.getsize(tdir / "big.prom")
    assert 40e6 < size < 64 * 2**20, size
    port, prom_port = free_port(), free_port()
    log = tmp_path / "lite.log"
    # 12 s a scrape on this shared machine: the deadline must not be what fails it here.
    lite = Lite(port, log, f"--collector.textfile.directory={tdir}", "--scrape.timeout=90s")
    try:
        status, body = fetch(f"http://127.0.0.1:{port}/metrics", timeout=100)
        assert status == 503, (status, body[:200])
        assert "over the cap" in body and "samples dropped" in body, body
        assert "(--web.max-scrape-size)" in body, body  # the reason says which flag raises the cap
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(f"""
global: {{scrape_interval: 20s, scrape_timeout: 19s}}
scrape_configs:
  - job_name: node
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
""")
        proc = subprocess.Popen([prom, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{prom_port}"
            deadline = time.time() + 90
            target = None
            while time.time() < deadline:
                try:
                    _, t = fetch(f"{base}/api/v1/targets", timeout=5)
                    active = json.loads(t)["data"]["activeTargets"]
                    if active and active[0]["health"] != "unknown":
                        target = active[0]
                        break
                except (OSError, ValueError, KeyError):
                    pass
                time.sleep(0.5)
            assert target, "Prometheus did not scrape"
            print(f"\nPrometheus: health {target['health']}, lastError {target['lastError']!r}")
            assert target["health"] == "down"
            assert "503" in target["lastError"]  # over the cap, or past the deadline under load: a 503
            _, q = fetch(f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": "up"}), timeout=5)
            assert [r["value"][1] for r in json.loads(q)["data"]["result"]] == ["0"]
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    finally:
        lite.stop()
    assert "over the cap" in log.read_text()


def test_textfile_over_the_limit_is_not_read(tmp_path):
    tdir = tmp_path / "textfile"
    tdir.mkdir()
    with open(tdir / "huge.prom", "wb") as f:  # 100 MB, sparse: not worth reading, and not read
        f.truncate(100 * 2**20)
    (tdir / "ok.prom").write_text("small_one 1\n")
    port = free_port()
    lite = Lite(port, tmp_path / "lite.log", "--collector.disable-defaults", "--collector.textfile",
                f"--collector.textfile.directory={tdir}")
    try:
        t0 = time.monotonic()
        status, body = fetch(f"http://127.0.0.1:{port}/metrics")
        took = time.monotonic() - t0
    finally:
        lite.stop()
    print(f"\nscrape with a 100 MB textfile: {took * 1000:.1f} ms")
    assert status == 200
    assert "node_textfile_scrape_error 1\n" in body and "small_one 1\n" in body
    assert took < 0.5  # reading 64 MiB of it took ~100 ms a scrape before, and parsing it more
