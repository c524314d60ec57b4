"""The lab's proof (issue 3): MM2 over the WAN proxy loses no record, even across a 30 s WAN cut, and the lab's
mirror-exporter, which reaches upstream over the same link, sees the cut (mirror_up{side="source"} 0); the lab's
commands behave (bad input, a service that fails to start, `up` twice) and `down` leaves nothing behind."""
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest

from conftest import LAB, free_prefix, lab_report
from helpers import samples, wait_for

N = 10_000
CUT_SECONDS = 30
CUT_MODE = os.environ.get("LAB_TEST_CUT_MODE", "refuse")  # or blackhole: the link drops packets silently


class Reader:
    """A kcat consumer of a downstream topic from the beginning, writing each value to a file."""

    def __init__(self, lab, topic, path):
        self.path = path
        self.out = open(path, "w")
        self.proc = subprocess.Popen(["kcat", "-b", lab.downstream, "-C", "-t", topic, "-o", "beginning", "-u", "-q",
                                      "-f", "%s\n"], stdout=self.out, stderr=subprocess.DEVNULL)

    def seqs(self, run, phase):
        want = f"{run} {phase} "
        with open(self.path) as f:
            return [int(line[len(want):]) for line in f if line.startswith(want)]

    def wait_all(self, run, phase, n, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.seqs(run, phase)
            if len(set(got)) >= n:
                return got
            assert self.proc.poll() is None, "the downstream reader (kcat) exited"
            time.sleep(0.5)
        got = self.seqs(run, phase)
        missing = sorted(set(range(n)) - set(got))
        raise AssertionError(f"phase {phase}: {len(set(got))}/{n} distinct records downstream after {timeout}s; "
                             f"first missing: {missing[:20]}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()


def check_complete(seqs, n):
    distinct = set(seqs)
    assert len(distinct) == n and min(distinct) == 0 and max(distinct) == n - 1
    # A checksum over the sequence numbers: the sum of 0..n-1 and of their squares.
    assert sum(distinct) == n * (n - 1) // 2
    assert sum(x * x for x in distinct) == (n - 1) * n * (2 * n - 1) // 6
    return len(seqs) - len(distinct)


def wait_topic(lab, bootstrap, topic, partitions, timeout):
    # Plain `kcat -L`: with `-t topic` librdkafka's metadata request would auto-create the topic.
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = lab.kcat("-b", bootstrap, "-L", "-m", "5", check=False)
        if f'topic "{topic}" with {partitions} partitions' in r.stdout:
            return
        time.sleep(1)
    raise AssertionError(f"{topic} with {partitions} partitions did not appear on {bootstrap} within {timeout}s")


def mirror_up(lab):
    """{side: value} of the lab's mirror-exporter (lab/labkit/plan.py: its source is upstream over the WAN), or
    None when it is not built."""
    s = next((s for s in lab.status()["services"] if s["name"] == "mirror-exporter"), None)
    if not s or s["skipped"]:
        return None
    with urllib.request.urlopen(f"http://{s['host']}:{s['ports'][0]}/metrics", timeout=10) as r:
        return {labels["side"]: v for name, labels, v in samples(r.read().decode()) if name == "mirror_up"}


def last_heartbeat(lab):
    r = lab.kcat("-b", lab.downstream, "-C", "-t", "src.heartbeats", "-o", "-1", "-e", "-q", "-f", "%T\n")
    return r.stdout.split()[-1:]


def test_mirror_keeps_every_record_across_a_wan_cut(lab, tmp_path):
    t0 = time.time()
    topic, run = "T", uuid.uuid4().hex[:8]
    lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--create", "--if-not-exists", "--topic", topic,
             "--partitions", "3", "--replication-factor", str(lab.brokers))
    lab.produce(topic, [f"{run} a {i}" for i in range(N)])
    wait_topic(lab, lab.downstream, f"src.{topic}", 3, 60)
    reader = Reader(lab, f"src.{topic}", str(tmp_path / "src.T.txt"))
    producer = None
    try:
        t1 = time.time()
        dups_a = check_complete(reader.wait_all(run, "a", N, 120), N)
        lab.report(f"mirror: {N} records upstream -> src.{topic} downstream, all found in {time.time() - t1:.1f}s "
                   f"(checksum ok, {dups_a} duplicates)")

        # Phase b: produce steadily for ~45 s; the WAN is cut from 5 s to 35 s.
        sent = []
        producer = subprocess.Popen(["kcat", "-b", lab.upstream, "-P", "-t", topic, "-X", "acks=all"],
                                    stdin=subprocess.PIPE, text=True, stderr=subprocess.PIPE)

        def produce():
            for i in range(N):
                producer.stdin.write(f"{run} b {i}\n")
                sent.append(i)
                if i % 50 == 49:
                    producer.stdin.flush()
                    time.sleep(45 / (N / 50))
            producer.stdin.close()

        th = threading.Thread(target=produce)
        th.start()
        try:
            time.sleep(5)
            cut = lab.wan("cut", CUT_MODE)
            assert cut["cut"] == CUT_MODE
            t_cut = time.time()
            time.sleep(5)
            during_a = len(reader.seqs(run, "b"))
            beat_a = last_heartbeat(lab)
            time.sleep(max(0.0, t_cut + CUT_SECONDS - 1 - time.time()))
            during_b = len(reader.seqs(run, "b"))
            beat_b = last_heartbeat(lab)
            up_during = mirror_up(lab)
            produced_during = len(sent)
            time.sleep(max(0.0, t_cut + CUT_SECONDS - time.time()))
        finally:
            lab.wan("restore")
        t_restore = time.time()
        th.join(120)
        assert producer.wait(60) == 0, producer.stderr.read()
        t_produced = time.time()
        assert len(sent) == N
        # The cut is real: nothing crossed it, although the producer kept writing upstream.
        assert during_b == during_a, f"records reached downstream during the cut ({during_a} -> {during_b})"
        assert produced_during > during_b + 2000
        assert beat_a == beat_b, "src.heartbeats moved during the cut"  # what the mirror-exporter watches
        # The lab's mirror-exporter is on MM2's side of the link: the source unreachable, the target not.
        if up_during is not None:
            assert up_during.get("source") == 0 and up_during.get("target") == 1, up_during
            wait_for("the mirror-exporter reaching the source again", lambda: mirror_up(lab).get("source") == 1, 60)
        got = reader.wait_all(run, "b", N, 180)
        t_done = time.time()
        dups_b = check_complete(got, N)
        lab.report(f"WAN cut ({CUT_MODE}) {t_restore - t_cut:.0f}s while producing: all {N} records downstream "
                   f"{t_done - t_restore:.1f}s after restore, {t_done - t_produced:.1f}s after the last was produced "
                   f"(checksum ok, {dups_b} duplicates)")
        st = lab.status()
        for name, c in st["connectors"].items():
            assert c["state"] == "RUNNING" and all(x == "RUNNING" for x in c["tasks"]), (name, c)
        lab.report(f"mirror test: {time.time() - t0:.0f}s; lab RSS now {st['rss_kb'] / 1024:.0f} MiB")
    finally:
        reader.stop()
        if producer and producer.poll() is None:
            producer.kill()
            producer.wait()
        lab.ensure_healthy()


def test_src_heartbeats_flow_once_a_second(lab):
    deadline = time.time() + 30
    while True:  # right after `up` there may be fewer than 5 yet
        r = lab.kcat("-b", lab.downstream, "-C", "-t", "src.heartbeats", "-o", "-5", "-e", "-q", "-f", "%T\n",
                     check=False)
        stamps = [int(x) for x in r.stdout.split()][-5:]
        if len(stamps) == 5 or time.time() > deadline:
            break
        time.sleep(1)
    assert len(stamps) == 5, r.stderr
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert all(500 <= g <= 2000 for g in gaps), gaps
    assert time.time() * 1000 - stamps[-1] < 10_000
    up = lab.kcat("-b", lab.upstream, "-L").stdout
    assert 'topic "mm2-offset-syncs.dst.internal"' in up and 'topic "heartbeats"' in up
    down = lab.kcat("-b", lab.downstream, "-L").stdout
    assert 'topic "src.checkpoints.internal"' in down and 'topic "src.mirror-probe"' in down


def _listening(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_commands_bad_input_failed_start_and_down_leaves_nothing(tmp_path):
    """A second lab of its own (another free prefix): checks that need `up` and `down` themselves."""
    env = dict(os.environ, LAB_PREFIX=free_prefix(start=60), LAB_STATE=str(tmp_path / "lab"),
               LAB_SKIP="prometheus,node-exporter-lite,kafka-exporter,mirror-exporter")
    p = env["LAB_PREFIX"]

    def lab(*args, extra=None, timeout=600):
        return subprocess.run([LAB, *args], env=dict(env, **(extra or {})), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout)

    r = subprocess.run([sys.executable, LAB, "up"], env=dict(env, PATH=str(tmp_path)), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert r.returncode == 2 and "Java is not installed" in r.stdout, r.stdout
    r = lab("up", "nosuchprofile")
    assert r.returncode == 2 and "unknown profile" in r.stdout
    r = lab("wan", "delay", "fast")
    assert r.returncode == 2
    # A port held by someone else: a clear message, nothing started.
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind((f"{p}.10.1", 9092))
    holder.listen()
    try:
        r = lab("up")
        assert r.returncode == 2 and f"{p}.10.1:9092" in r.stdout and "in use" in r.stdout, r.stdout
    finally:
        holder.close()
    assert not os.path.isdir(tmp_path / "lab" / "run") or not os.listdir(tmp_path / "lab" / "run")
    try:
        # A service that fails to start: named, its log's tail shown, everything else stopped again.
        r = lab("up", extra={"LAB_HEAP_CONNECT": "1m"})
        assert r.returncode == 1, r.stdout
        assert "FAILED to start connect" in r.stdout and "heap" in r.stdout.lower(), r.stdout
        assert not _listening(f"{p}.10.1", 9092) and not _listening(f"{p}.20.1", 2181)

        t0 = time.time()
        r = lab("up")
        assert r.returncode == 0, r.stdout
        up_s = time.time() - t0
        pids = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\S+)\s+started \(pid (\d+)\)", r.stdout, re.M)}
        assert {"zookeeper01", "kafka01", "zk01", "connect", "wan"} <= set(pids)
        r = lab("up")
        assert r.returncode == 0 and "started (pid" not in r.stdout and r.stdout.count("already running") == len(pids)
        r = lab("status")
        assert r.returncode == 0 and "healthy" in r.stdout
        # One broker taken away: status says so; `up` starts that one only.
        assert lab("stop", "zk01").returncode == 0
        r = lab("status")
        assert r.returncode == 1 and re.search(r"^\s+zk01\s.*DOWN", r.stdout, re.M), r.stdout
        r = lab("up")
        assert r.returncode == 0 and re.findall(r"^\s+(\S+)\s+started \(pid", r.stdout, re.M) == ["zk01"], r.stdout
        pids["zk01"] = int(re.search(r"zk01\s+started \(pid (\d+)\)", r.stdout).group(1))
        assert lab("status").returncode == 0
        ports = [(f"{p}.20.1", 2181), (f"{p}.10.1", 9092), (f"{p}.10.1", 19093), (f"{p}.10.1", 7071), (f"{p}.20.1", 9092),
                 (f"{p}.20.1", 7071), (f"{p}.20.1", 8083), (f"{p}.20.1", 7072), (f"{p}.30.1", 19093)]
        assert all(_listening(h, pt) for h, pt in ports)
    finally:
        down = lab("down")  # whatever failed above, nothing of this lab stays behind
    assert down.returncode == 0, down.stdout
    assert [n for n, pid in pids.items() if _alive(pid)] == []
    assert [f"{h}:{pt}" for h, pt in ports if _listening(h, pt)] == []
    r = lab("status")
    assert "DOWN" in r.stdout and "pid " not in r.stdout
    lab_report(f"second lab ({p}, no Prometheus): up {up_s:.1f}s, down left no process and no port")


def test_wan_proxy_delay_cut_blackhole_restore(tmp_path):
    """The WAN proxy alone, in front of an echo server: delay keeps order, cut refuses, blackhole hangs."""
    import json as _json
    prefix = free_prefix(start=80)
    echo = socket.socket()
    echo.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    echo.bind((f"{prefix}.10.1", 0))
    echo.listen()
    port = echo.getsockname()[1]

    def serve():
        while True:
            try:
                c, _ = echo.accept()
            except OSError:
                return
            threading.Thread(target=lambda c=c: [c.sendall(d) for d in iter(lambda: c.recv(4096), b"")],
                             daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    ctl = str(tmp_path / "wan.sock")
    proxy = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(LAB), "wanproxy.py"), "--control", ctl,
                              "--route", f"{prefix}.30.1:19093={prefix}.10.1:{port}"], stdout=subprocess.DEVNULL)

    def command(line):
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(ctl)
            s.sendall(line.encode() + b"\n")
            return _json.loads(s.makefile().read())

    def roundtrip(payloads, timeout=5):
        with socket.create_connection((f"{prefix}.30.1", 19093), timeout=timeout) as s:
            t0 = time.time()
            for p in payloads:
                s.sendall(p)
            want, got = b"".join(payloads), b""
            while len(got) < len(want):
                got += s.recv(65536)
            return got, time.time() - t0

    try:
        deadline = time.time() + 10
        while not os.path.exists(ctl) and time.time() < deadline:
            time.sleep(0.05)
        got, rtt = roundtrip([b"hello"])
        assert got == b"hello" and rtt < 0.1
        assert command("delay 150")["delay_ms"] == 150
        parts = [f"{i:04d}".encode() for i in range(50)]
        got, rtt = roundtrip(parts)
        assert got == b"".join(parts) and 0.3 <= rtt < 1.5, rtt  # 150 ms each way, order kept
        held = socket.create_connection((f"{prefix}.30.1", 19093), timeout=2)
        assert command("cut")["cut"] == "refuse"
        assert held.recv(10) == b""  # live connections are closed
        held.close()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((f"{prefix}.30.1", 19093), timeout=2)
        assert command("cut blackhole")["cut"] == "blackhole"
        with socket.create_connection((f"{prefix}.30.1", 19093), timeout=1) as s:
            s.sendall(b"x")
            with pytest.raises(socket.timeout):
                s.recv(10)
        st = command("restore")
        assert st["cut"] is False and st["delay_ms"] == 0
        assert roundtrip([b"back"])[0] == b"back"
        assert "error" in command("delay soon")
    finally:
        proxy.terminate()
        proxy.wait(10)
        echo.close()
