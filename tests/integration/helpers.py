"""Helpers shared by the integration tests (no tests here): free ports, exposition parsing, polling, and the
lab's Prometheus with load running."""
import re
import socket
import time

import pytest

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def free_port(host="127.0.0.1"):
    """A port free on host now (IPv6 when host has a ':')."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def parse(text):
    """{name: [(labels, value)]} of an exposition; every non-comment line must be a sample."""
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


@pytest.fixture(scope="module")
def prom(lab):
    """The shared lab's Prometheus, with the lab's load running (lag, throughput and mirroring move)."""
    was_running = any(lab.status().get("load", {}).values())
    if not was_running:
        lab.run("load", "start")
    yield lab.prometheus
    if not was_running:
        lab.run("load", "stop", check=False)
