"""Helpers shared by the integration tests (no tests here), one of each: free_port, the exposition parser
(parse_exposition: families, strict; samples / parse: the samples), wait_for (polling), and the lab's Prometheus
with load running (prom)."""
import json
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest


def free_port(host="127.0.0.1"):
    """A port free on host now (IPv6 when host has a ':')."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


_SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


def _unescape(s, quote):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"n": "\n", "\\": "\\", '"': '"' if quote else '\\"'}.get(n, "\\" + n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _labels(text):
    body = text[1:-1]
    labels, pos = {}, 0
    while pos < len(body):
        m = _LABEL.match(body, pos)
        assert m, f"bad label set {text!r}"
        assert m.group(1) not in labels, f"duplicate label in {text!r}"
        labels[m.group(1)] = _unescape(m.group(2), True)
        pos = m.end()
    return labels


def parse_exposition(text):
    """{family: {"type", "help", "samples": {frozenset(labels.items()): value}}}; strict: raises on bad input."""
    fams = {}

    def fam(name):
        return fams.setdefault(name, {"type": "untyped", "help": None, "samples": {}})

    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("# HELP "):
            _, _, name, *rest = line.split(" ", 3)
            f = fam(name)
            assert f["help"] is None, f"second HELP for {name}"
            f["help"] = _unescape(rest[0] if rest else "", False)
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            f = fam(name)
            assert not f["samples"], f"TYPE after samples for {name}"
            f["type"] = typ
            continue
        if line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"bad sample line {line!r}"
        name, labels, value = m.group(1), _labels(m.group(2)) if m.group(2) else {}, float(m.group(3))
        base = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in fams and \
                    fams[name[: -len(suffix)]]["type"] in ("histogram", "summary"):
                base = name[: -len(suffix)]
        key = frozenset(labels.items()) if base == name else frozenset(list(labels.items()) + [("__name__", name)])
        samples = fam(base)["samples"]
        assert key not in samples, f"duplicate series {line!r}"
        samples[key] = value
    return fams


def samples(text):
    """Every sample of an exposition as (name, {label: value}, float), in order, labels unescaped; every
    non-comment line must be a sample (an AssertionError names the first that is not)."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"unparsable line: {line!r}"
        out.append((m.group(1), _labels(m.group(2)) if m.group(2) else {}, float(m.group(3))))
    return out


def parse(text):
    """{name: [(labels, value)]} of an exposition (samples())."""
    out = {}
    for name, labels, v in samples(text):
        out.setdefault(name, []).append((labels, v))
    return out


def value(metrics, name, **labels):
    """The value of the one sample of `name` whose labels include `labels`, or None."""
    hits = [v for lab, v in metrics.get(name, []) if all(lab.get(k) == str(x) for k, x in labels.items())]
    assert len(hits) <= 1, f"{name}{labels}: {len(hits)} samples"
    return hits[0] if hits else None


def series(metrics, name, **labels):
    return [(lab, v) for lab, v in metrics.get(name, []) if all(lab.get(k) == str(x) for k, x in labels.items())]


def stop_process(proc, timeout=10):
    """SIGTERM, then SIGKILL if it has not exited after `timeout` seconds; reaps it either way."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(what, fn, timeout, interval=0.5):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def prom_query(url, expr, timeout=30):
    """The result of an instant query at the Prometheus at url; a query Prometheus refuses fails the test."""
    with urllib.request.urlopen(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": expr}),
                                timeout=timeout) as r:
        res = json.loads(r.read())
    assert res["status"] == "success", (expr, res)
    return res["data"]["result"]


@pytest.fixture(scope="module")
def prom(lab):
    """The shared lab's Prometheus, with the lab's load running (lag, throughput and mirroring move)."""
    was_running = any(lab.status().get("load", {}).values())
    if not was_running:
        lab.run("load", "start")
    yield lab.prometheus
    if not was_running:
        lab.run("load", "stop", check=False)
