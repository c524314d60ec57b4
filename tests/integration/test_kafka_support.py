"""Helpers for the kafka-exporter integration tests (no tests here): start/stop the exporter, scrape, parse."""
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def exporter_bin():
    for p in (os.environ.get("KAFKA_EXPORTER_BIN"), os.path.join(REPO, "build/exporters/kafka-exporter/kafka-exporter"),
              os.path.join(REPO, "build-kafka/exporters/kafka-exporter/kafka-exporter")):
        if p and os.access(p, os.X_OK):
            return p
    pytest.skip("kafka-exporter is not built")


def free_port(host):
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Exporter:
    """One kafka-exporter process; stop() (or the fixture's teardown) kills it by pid."""

    def __init__(self, host, args, env=None):
        self.host = host
        self.port = free_port(host)
        self.url = f"http://{host}:{self.port}/metrics"
        self.log_path = f"/tmp/kafka-exporter-test-{os.getpid()}-{self.port}.log"
        self.log = open(self.log_path, "w")
        cmd = [exporter_bin(), f"--web.listen-address={host}:{self.port}", *args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection((host, self.port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"kafka-exporter did not start: {self.logs()}")

    def scrape(self, timeout=30):
        """(seconds taken, {name: [(labels, value)]}, raw text)."""
        t0 = time.time()
        with urllib.request.urlopen(self.url, timeout=timeout) as r:
            text = r.read().decode()
        return time.time() - t0, parse(text), text

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)


def parse(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"unparsable line: {line!r}"
        labels = dict(LABEL.findall(m.group(2) or ""))
        out.setdefault(m.group(1), []).append((labels, float(m.group(3))))
    return out


def value(metrics, name, **labels):
    """The value of the one sample of `name` whose labels include `labels`, or None."""
    hits = [v for lab, v in metrics.get(name, []) if all(lab.get(k) == str(x) for k, x in labels.items())]
    assert len(hits) <= 1, f"{name}{labels}: {len(hits)} samples"
    return hits[0] if hits else None


def series(metrics, name, **labels):
    return [(lab, v) for lab, v in metrics.get(name, []) if all(lab.get(k) == str(x) for k, x in labels.items())]


def wait_for(what, fn, timeout, interval=0.5):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def service_pid(lab, name):
    for s in lab.status().get("services", []):
        if s["name"] == name:
            return s.get("pid")
    return None
