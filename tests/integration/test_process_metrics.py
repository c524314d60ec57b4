"""process_* on all three exporters, as the Prometheus client libraries serve them (lib/process.h).

The oracle is the exporter's own /proc/<pid>, read here with Python (stat, limits, fd) around each scrape:
what is fixed (start time, limits) must be equal, what moves (CPU, RSS, descriptors) must lie between the
readings taken before and after the scrape. As in node_exporter, process_* are not a collector (no
*_scrape_collector_success{collector="process"}, --collector.disable-defaults keeps them) and
--web.disable-exporter-metrics removes them. No broker is needed: the Kafka addresses are closed ports.
Runs in about 10 s.
"""
import os
import subprocess
import time
import urllib.request

import pytest

from helpers import free_port, parse, stop_process, value

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("EXP_BUILD_DIR", os.path.join(REPO, "build"))
FAMILIES = ("process_cpu_seconds_total", "process_open_fds", "process_max_fds", "process_virtual_memory_bytes",
            "process_virtual_memory_max_bytes", "process_resident_memory_bytes", "process_start_time_seconds")

EXPORTERS = {
    "node": ("node-exporter-lite/node-exporter-lite", []),
    "kafka": ("kafka-exporter/kafka-exporter", ["--kafka.server=127.0.0.1:1"]),
    "mirror": ("mirror-exporter/mirror-exporter",
               ["--source.kafka.server=127.0.0.1:1", "--target.kafka.server=127.0.0.1:1"]),
}


class Running:
    def __init__(self, ns, extra=()):
        rel, args = EXPORTERS[ns]
        binary = os.path.join(BUILD, "exporters", rel)
        assert os.access(binary, os.X_OK), f"{binary} not built (tests/run builds build/ first)"
        self.port = free_port()
        self.proc = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{self.port}", *args, *extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"{ns} exited with {self.proc.returncode}"
            try:
                self.scrape()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"{ns} did not answer")

    def scrape(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=20) as r:
            return r.read().decode()

    def stop(self):
        stop_process(self.proc)


@pytest.fixture
def running(request):
    started = []

    def start(ns, extra=()):
        r = Running(ns, extra)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


def proc_reading(pid):
    """What client_golang's procfs reads, read independently: /proc/<pid>/stat, limits, fd."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # fields[0] is field 3 (state)
    with open("/proc/stat") as f:
        btime = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    limits = {}
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            for name in ("Max open files", "Max address space"):
                if line.startswith(name):
                    soft = line[len(name):].split()[0]
                    limits[name] = 2.0 ** 64 - 1 if soft == "unlimited" else float(soft)
    tck = os.sysconf("SC_CLK_TCK")
    return {
        "process_cpu_seconds_total": (int(fields[11]) + int(fields[12])) / tck,
        "process_virtual_memory_bytes": float(fields[20]),
        "process_resident_memory_bytes": float(fields[21]) * os.sysconf("SC_PAGE_SIZE"),
        "process_start_time_seconds": btime + int(fields[19]) / tck,
        "process_open_fds": float(len(os.listdir(f"/proc/{pid}/fd"))),
        "process_max_fds": limits["Max open files"],
        "process_virtual_memory_max_bytes": limits["Max address space"],
    }


@pytest.mark.parametrize("ns", sorted(EXPORTERS))
def test_process_metrics_match_proc(running, ns):
    r = running(ns)
    for _ in range(3):  # a few scrapes: the moving values move
        before = proc_reading(r.proc.pid)
        text = r.scrape()
        after = proc_reading(r.proc.pid)
        m = parse(text)
        types = {line.split()[2]: line.split()[3] for line in text.splitlines() if line.startswith("# TYPE ")}
        assert types["process_cpu_seconds_total"] == "counter"
        for fam in FAMILIES:
            got = value(m, fam)
            assert got is not None, f"{ns}: {fam} missing"
            if fam != "process_cpu_seconds_total":
                assert types[fam] == "gauge", (ns, fam)
            lo, hi = sorted((before[fam], after[fam]))
            if fam == "process_open_fds":
                lo -= 2  # the scrape's own connection and the collector's opendir are gone in the readings
                hi += 2
            if fam in ("process_resident_memory_bytes", "process_virtual_memory_bytes"):
                lo, hi = lo * 0.9, hi * 1.1  # pages come and go inside the scrape, between the readings
            assert lo - 1e-6 <= got <= hi + 1e-6, f"{ns}: {fam} = {got}, /proc said {before[fam]} .. {after[fam]}"
        assert value(m, "process_start_time_seconds") == pytest.approx(before["process_start_time_seconds"],
                                                                       abs=0.011)
        assert value(m, "process_start_time_seconds") <= time.time()
        assert not any(f'collector="process"' in line for line in text.splitlines())
        time.sleep(0.2)


@pytest.mark.parametrize("ns", sorted(EXPORTERS))
def test_disable_exporter_metrics(running, ns):
    text = running(ns, ["--web.disable-exporter-metrics"]).scrape()
    assert not [line for line in text.splitlines() if line.startswith("process_")]
    assert f"{ns}_scrape_collector_success" in text or ns == "mirror"  # the rest is served


def test_disable_defaults_keeps_process_metrics(running):
    """node_exporter --collector.disable-defaults --collector.loadavg still serves process_*: so do we."""
    text = running("node", ["--collector.disable-defaults", "--collector.loadavg"]).scrape()
    m = parse(text)
    for fam in FAMILIES:
        assert value(m, fam) is not None, fam
    assert [line for line in text.splitlines() if line.startswith("node_scrape_collector_success")] == \
        ['node_scrape_collector_success{collector="loadavg"} 1']
