"""mirror-exporter on the lab: latency under WAN delay, a WAN cut without loss, an induced real loss,
MM2 stopped and restarted, garbage input, a cluster down at start, and promtool on the output.

Each test starts its own exporter (own probe topic `it-mprobe-<test>-<pid>`, own exporter id) and stops it
by pid; the lab is left healthy (WAN restored, MM2 resumed). Like the lab's (and the users'), each exporter runs
on MM2's side and reaches the source across the WAN (lab.upstream_wan): its probes cross the link twice, and
during a cut they wait in its producer. The real loss is induced with MM2 paused, not with a cut (during a cut no
probe reaches upstream to be deleted). Budget: about 6 minutes in all.
"""
import json
import os
import shutil
import struct
import subprocess
import time
import urllib.request

import pytest

from helpers import free_port, samples, wait_for

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def exporter_bin():
    for p in (os.environ.get("MIRROR_EXPORTER_BIN"), os.path.join(REPO, "build/exporters/mirror-exporter/mirror-exporter"),
              os.path.join(REPO, "build-mirror/exporters/mirror-exporter/mirror-exporter")):
        if p and os.access(p, os.X_OK):
            return p
    pytest.skip("mirror-exporter is not built")


def parse(text):
    """{(name, ((label, value), ...)): float}"""
    return {(name, tuple(sorted(labels.items()))): v for name, labels, v in samples(text)}


class Exporter:
    def __init__(self, lab, name, *flags, probe_topic=None, source=None, env=None):
        self.host = lab.addr("zk01")
        self.port = free_port(self.host)
        self.url = f"http://{self.host}:{self.port}/metrics"
        self.id = f"it-{name}-{os.getpid()}"
        self.topic = probe_topic or f"it-mprobe-{name}-{os.getpid()}"
        self.log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mirror-exporter-{self.id}.log"), "w+")
        args = [exporter_bin(), f"--web.listen-address={self.host}:{self.port}",
                f"--source.kafka.server={source or lab.upstream_wan}", f"--target.kafka.server={lab.downstream}",
                f"--probe.topic={self.topic}", f"--probe.exporter-id={self.id}", "--mirror.poll-interval=1s",
                "--kafka.timeout=3s", *flags]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **env) if env else None)
        wait_for("exporter serving", lambda: self.try_scrape() is not None, 15)

    def try_scrape(self):
        try:
            with urllib.request.urlopen(self.url, timeout=5) as r:
                return r.read().decode()
        except OSError:
            return None

    def metrics(self):
        text = self.try_scrape()
        assert text is not None, "exporter not answering"
        return parse(text)

    def value(self, name, **labels):
        return self.metrics().get((name, tuple(sorted(labels.items()))))

    def total(self, name, m=None):
        m = m or self.metrics()
        return sum(v for (n, _), v in m.items() if n == name)

    def run_id(self):
        for (n, labels), _ in self.metrics().items():
            if n == "mirror_probe_run_info":
                return int(dict(labels)["run_id"], 16)
        raise AssertionError("no run info")

    def stop(self):
        """SIGTERM, then SIGKILL after 15 s; returns the log. self.stop_seconds: how long TERM took."""
        if self.proc.poll() is None:
            t0 = time.time()
            self.proc.terminate()
            try:
                self.proc.wait(15)
                self.stop_seconds = time.time() - t0
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                self.stop_seconds = None
        self.log.seek(0)
        return self.log.read()


@pytest.fixture
def exporters(lab):
    started = []

    def start(name, *flags, **kw):
        e = Exporter(lab, name, *flags, **kw)
        started.append(e)
        return e

    try:
        yield start
    finally:
        for e in started:
            e.stop()


def connector(lab, name, action):
    req = urllib.request.Request(f"{lab.connect}/connectors/{name}/{action}", method="PUT")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def steady(e, timeout=60):
    """Waits until probes flow end to end on every partition."""
    wait_for(f"probes flowing through {e.topic}",
             lambda: e.total("mirror_probe_received_total") >= 5 and e.total("mirror_probe_in_flight") <= 2, timeout)


def decode_probes(raw):
    """kcat -f '%o %S %s' output: offset, length, then that many raw bytes, repeated."""
    out, i = [], 0
    while i < len(raw):
        j = raw.index(b" ", i)
        off = int(raw[i:j])
        k = raw.index(b" ", j + 1)
        n = int(raw[j + 1:k])
        payload = raw[k + 1:k + 1 + n]
        i = k + 1 + n
        if len(payload) < 34 or payload[:4] != b"MXPB" or payload[4] != 1:
            continue
        idlen = payload[5]
        ident = payload[6:6 + idlen].decode()
        run, part, seq, sent = struct.unpack(">QIQQ", payload[6 + idlen:6 + idlen + 28])
        out.append((off, ident, run, part, seq, payload))
    return out


def kcat_read(lab, bootstrap, topic, start="beginning", count=None):
    args = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", str(start), "-e", "-q", "-f", "%o %S %s"]
    if count is not None:
        args += ["-c", str(count)]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0, r.stderr
    return decode_probes(r.stdout)


def median_from_buckets(before, after, partition="0"):
    """Median latency (linear inside the bucket) of the probes observed between two scrapes."""
    def buckets(m):
        b = {}
        for (n, labels), v in m.items():
            d = dict(labels)
            if n == "mirror_probe_latency_seconds_bucket" and d.get("partition") == partition:
                b[float("inf") if d["le"] == "+Inf" else float(d["le"])] = v
        return b
    b0, b1 = buckets(before), buckets(after)
    les = sorted(b1)
    delta = [b1[le] - b0.get(le, 0) for le in les]
    total = delta[-1]
    assert total >= 10, f"too few probes between scrapes: {total}"
    half, prev_le, prev_c = total / 2, 0.0, 0.0
    for le, c in zip(les, delta):
        if c >= half:
            return prev_le + (le - prev_le) * (half - prev_c) / max(c - prev_c, 1e-9)
        prev_le, prev_c = le, c
    return les[-2]


def test_mirror_latency_tracks_wan_delay(lab, exporters):
    """Added WAN delay D ms per direction raises the median mirror latency by 2D to 4D: the probe's produce
    crosses the link (D), MM2's fetch response too (D), and it may wait for MM2's next fetch request (0..2D)."""
    e = exporters("latency", "--probe.interval=200ms", "--probe.deadline=1m")
    steady(e)
    delay_ms = 400
    try:
        time.sleep(3)
        m0 = e.metrics()
        time.sleep(20)
        m1 = e.metrics()
        base = median_from_buckets(m0, m1)
        lab.wan("delay", str(delay_ms))
        time.sleep(6)  # let probes already in flight drain
        m2 = e.metrics()
        time.sleep(20)
        m3 = e.metrics()
        delayed = median_from_buckets(m2, m3)
    finally:
        lab.wan("restore")
    rise = delayed - base
    lab.report(f"mirror latency: median {base * 1000:.0f} ms, with +{delay_ms} ms WAN delay per direction "
               f"{delayed * 1000:.0f} ms: rise {rise * 1000:.0f} ms = {rise * 1000 / delay_ms:.2f} x D")
    # The exporter's produce request crosses the delayed link (D), MM2's fetch response too (D); with records
    # arriving faster than a round trip, a probe also waits for the next fetch request to cross (0..2D).
    # (With the exporter reaching upstream directly it was about 2D, 1.2 D to 2.4 D on a loaded machine.)
    assert 2.0 * delay_ms / 1000 <= rise <= 4.8 * delay_ms / 1000, (base, delayed)
    assert e.total("mirror_probe_lost_total") == 0


def test_mirror_wan_cut_no_loss_and_duplicates_match(lab, exporters):
    """WAN cut for 60 s while probing, then restored: nothing lost, every probe settled, duplicate count
    equal to an independent read of the downstream topic. The probes of the cut wait in the exporter's producer
    (its message timeout is half the deadline, 75 s, longer than the cut) and are sent when the link is back."""
    e = exporters("wancut", "--probe.interval=500ms", "--probe.deadline=150s")
    steady(e)
    try:
        lab.wan("cut")
        t_cut = time.time()
        time.sleep(15)
        age0 = e.value("mirror_probe_last_received_age_seconds", partition="0")
        hb0 = e.value("mirror_heartbeat_age_seconds", source="src")
        time.sleep(max(0, 60 - (time.time() - t_cut)))
        age1 = e.value("mirror_probe_last_received_age_seconds", partition="0")
        hb1 = e.value("mirror_heartbeat_age_seconds", source="src")
        inflight_age = e.value("mirror_probe_oldest_in_flight_age_seconds", partition="0")
    finally:
        lab.wan("restore")
    assert age1 >= age0 + 40 and age1 >= 50, (age0, age1)
    assert hb1 >= hb0 + 40, (hb0, hb1)
    assert inflight_age >= 50
    # After the link is back every probe is settled: none in flight, none lost.
    time.sleep(5)
    wait_for("all probes settled after the cut", lambda: e.total("mirror_probe_in_flight") <= 1 and
             e.value("mirror_probe_oldest_in_flight_age_seconds", partition="0") < 2, 90)
    # A probe can be read downstream before the producer's delivery report counts it sent (a loaded machine
    # delays the report, not the mirror): wait for the reports to catch up before comparing.
    m = wait_for("delivery reports caught up", lambda: (lambda m: m if e.total("mirror_probe_sent_total", m) >=
                                                        e.total("mirror_probe_received_total", m) else None)(
        e.metrics()), 30)
    sent, received = e.total("mirror_probe_sent_total", m), e.total("mirror_probe_received_total", m)
    assert e.total("mirror_probe_lost_total", m) == 0
    assert e.total("mirror_probe_send_errors_total", m) == 0
    assert sent - 1 <= received <= sent and sent > 100
    assert m[("mirror_probe_last_received_age_seconds", (("partition", "0"),))] < 5
    # MM2 re-delivers only when a task dies between producing and committing its source offsets, which a
    # graceful restart does not do; so besides any real ones, re-deliver three probes downstream by hand.
    run = e.run_id()
    remote = "src." + e.topic
    mine = [p for p in kcat_read(lab, lab.downstream, remote) if p[1] == e.id and p[2] == run]
    files = []
    for i, p in enumerate(mine[5:8]):
        files.append(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"dup-{e.id}-{i}"))
        with open(files[-1], "wb") as f:
            f.write(p[5])
    lab.kcat("-b", lab.downstream, "-P", "-t", remote, "-p", "0", *files)
    for f in files:
        os.unlink(f)
    # Independent read of the mirrored topic: every copy of this run's probes, duplicates included.
    copies = [p for p in kcat_read(lab, lab.downstream, remote) if p[1] == e.id and p[2] == run]
    distinct = {(p[3], p[4]) for p in copies}
    dups_kcat = len(copies) - len(distinct)
    # The exporter has read at least as far as kcat did (probes keep flowing meanwhile).
    wait_for("exporter caught up with kcat", lambda: e.total("mirror_probe_received_total") >= len(distinct)
             and e.total("mirror_probe_duplicated_total") >= dups_kcat, 10)
    dups = e.total("mirror_probe_duplicated_total")
    lab.report(f"mirror WAN cut 60 s: sent {sent:.0f}, received {received:.0f}, lost 0, duplicates exporter "
               f"{dups:.0f} / kcat {dups_kcat} (3 injected)")
    assert dups_kcat >= 3
    assert dups == dups_kcat


def test_mirror_stopped_then_real_loss_caught(lab, exporters):
    """MM2 paused: heartbeat and last-probe ages grow. Records deleted upstream past MM2's position:
    the lost probes and the expired records are reported within the deadline plus one scrape. MM2
    resumed: the ages recover."""
    deadline = 20
    e = exporters("loss", "--probe.interval=500ms", f"--probe.deadline={deadline}s", "--mirror.stall-window=5s")
    steady(e)
    topic = e.topic
    wait_for("MM2 position of the probe topic",
             lambda: e.value("mirror_mirrored_offset", topic=topic, partition="0") is not None, 30)
    try:
        connector(lab, "mm2-source", "pause")
        time.sleep(6)  # the pause reaches the task; MM2's last records land downstream
        age0 = e.value("mirror_probe_last_received_age_seconds", partition="0")
        hb0 = e.value("mirror_heartbeat_age_seconds", source="src")
        time.sleep(10)
        m = e.metrics()
        age1 = m[("mirror_probe_last_received_age_seconds", (("partition", "0"),))]
        hb1 = m[("mirror_heartbeat_age_seconds", (("source", "src"),))]
        assert age1 >= age0 + 8, (age0, age1)
        assert hb1 >= hb0 + 8, (hb0, hb1)
        key = (("partition", "0"), ("topic", topic))
        pos = int(m[("mirror_mirrored_offset", key)])
        assert m[("mirror_lag_records", key)] > 0
        assert m[("mirror_no_progress", key)] == 1
        # Delete upstream up to the current end: past MM2's position, so those records are lost for good.
        end = int(lab.kcat("-Q", "-b", lab.upstream, "-t", f"{topic}:0:-1").stdout.split()[-1])
        mine = [p for p in kcat_read(lab, lab.upstream, topic, start=pos, count=end - pos) if p[1] == e.id]
        assert end > pos and len(mine) > 0
        spec = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"delete-{e.id}.json")
        with open(spec, "w") as f:
            json.dump({"version": 1, "partitions": [{"topic": topic, "partition": 0, "offset": end}]}, f)
        lab.tool("kafka-delete-records", "--bootstrap-server", lab.upstream, "--offset-json-file", spec)
        t_delete = time.time()
        os.unlink(spec)
    finally:
        connector(lab, "mm2-source", "resume")
    # Within the deadline plus one scrape (5 s in the lab), the 1 s settling tick and a 1 s poll; slack for load.
    seen = {}

    def reported():
        m = e.metrics()
        for f in ("lost", "send_errors", "late", "in_flight", "untracked", "duplicated", "sent", "received"):
            seen[f] = e.total(f"mirror_probe_{f}_total" if f != "in_flight" else "mirror_probe_in_flight", m)
        seen["expired"] = m.get(("mirror_records_expired_total", (("partition", "0"), ("topic", topic))))
        # Only this exporter writes the topic: every expired record is one of its probes. (MM2 may still
        # have copied a record or two after `pos` was read: the exact count is checked against kcat below.)
        return seen["expired"] and seen["lost"] >= seen["expired"] >= len(mine) - 3

    try:
        wait_for("lost probes and expired records reported", reported, deadline + 10 - (time.time() - t_delete))
    except AssertionError as err:
        raise AssertionError(f"{err}: want lost == expired ~ {len(mine)} (pos {pos}, end {end}, "
                             f"seqs {[p[4] for p in mine]}); got {seen}") from None
    elapsed = time.time() - t_delete
    # MM2 resumed: probes and heartbeats flow again.
    wait_for("MM2 back", lambda: e.value("mirror_probe_last_received_age_seconds", partition="0") < 3
             and e.value("mirror_heartbeat_age_seconds", source="src") < 5, 60)
    time.sleep(deadline + 2)  # the probes sent after the delete must all arrive: exactly the deleted ones lost
    m = e.metrics()
    lost = e.total("mirror_probe_lost_total", m)
    expired = m[("mirror_records_expired_total", (("partition", "0"), ("topic", topic)))]
    # Independent truth: the deleted probes that never reached the mirrored topic.
    run = e.run_id()
    arrived = {p[4] for p in kcat_read(lab, lab.downstream, "src." + topic) if p[1] == e.id and p[2] == run}
    never = [p[4] for p in mine if p[4] not in arrived]
    late = e.total("mirror_probe_late_total", m)
    lab.report(f"mirror induced loss: {len(never)} probes deleted upstream before MM2 copied them (kcat); "
               f"reported after {elapsed:.1f} s (deadline {deadline} s): lost {lost:.0f} (late {late:.0f}), "
               f"expired {expired:.0f}")
    # A probe MM2 had already read when paused is copied on resume, past its deadline: lost, then late.
    assert lost - late == len(never) == expired
    assert e.total("mirror_probe_in_flight", m) <= 2


def test_mirror_garbage_cluster_down_and_promtool(lab, exporters):
    """Garbage in the probe topic and in MM2's heartbeats topic is counted, never a crash; an exporter
    started with the source unreachable reports it and recovers by itself; promtool accepts the output."""
    try:
        lab.wan("cut")
        # Source through the cut WAN link: the cluster is down at start.
        e = exporters("down", "--probe.interval=500ms", "--mirror.config-interval=2s", source=lab.upstream_wan)
        time.sleep(5)
        assert e.value("mirror_up", side="source") == 0
        assert e.value("mirror_up", side="target") == 1
    finally:
        lab.wan("restore")
    wait_for("source back up", lambda: e.value("mirror_up", side="source") == 1, 60)
    steady(e, timeout=90)
    lab.produce(e.topic, ["garbage", "MXPB\x01\x05short"])
    hb_topic = "src.heartbeats"
    # Compacted (MM2 copies the upstream config): garbage needs a key.
    lab.kcat("-b", lab.downstream, "-P", "-t", hb_topic, "-K", ":", input="junk:not a heartbeat\n")
    wait_for("invalid probes counted", lambda: e.value("mirror_probe_invalid_total") == 2, 30)
    wait_for("invalid heartbeat counted",
             lambda: (e.value("mirror_internal_invalid_total", topic=hb_topic) or 0) >= 1, 30)
    assert e.proc.poll() is None
    text = e.try_scrape()
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=text, text=True, capture_output=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
    # A clean shutdown on SIGTERM, well before the lab's 30 s KILL.
    other = exporters("term", "--probe.interval=500ms")
    steady(other)
    other.stop()
    assert other.stop_seconds is not None and other.stop_seconds < 12, other.stop_seconds
    lab.report(f"mirror-exporter SIGTERM to exit: {other.stop_seconds:.1f} s")
    # A remote topic that stamps LogAppendTime (MM2 does not copy message.timestamp.type) is reported.
    remote = "src." + e.topic
    wait_for("CreateTime reported", lambda: e.value("mirror_target_log_append_time", topic=remote) == 0, 30)
    lab.tool("kafka-configs", "--bootstrap-server", lab.downstream, "--alter", "--entity-type", "topics",
             "--entity-name", remote, "--add-config", "message.timestamp.type=LogAppendTime")
    wait_for("LogAppendTime reported", lambda: e.value("mirror_target_log_append_time", topic=remote) == 1, 30)


def test_mirror_restart_settles_earlier_run(lab, exporters):
    """A restarted exporter (same id, same group) resumes from its committed offset with a new run id:
    the earlier run's probes still in flight are settled, not counted as lost or duplicated."""
    first = exporters("restart", "--probe.interval=200ms", "--probe.deadline=30s")
    steady(first)
    topic, ident = first.topic, first.id
    lab.wan("delay", "1000")  # keep probes of the first run in flight across the restart
    try:
        time.sleep(3)
        first.stop()
        second = exporters("restart", "--probe.interval=200ms", "--probe.deadline=30s", probe_topic=topic)
        assert second.id == ident and second.run_id() != 0
    finally:
        lab.wan("restore")
    wait_for("earlier run's probes settled",
             lambda: (second.value("mirror_probe_ignored_total", reason="earlier_run") or 0) > 0, 60)
    steady(second)
    time.sleep(5)
    m = second.metrics()
    assert second.total("mirror_probe_lost_total", m) == 0
    assert second.total("mirror_probe_duplicated_total", m) == 0
    assert second.total("mirror_probe_invalid_total", m) == 0
    settled = m[("mirror_probe_ignored_total", (("reason", "earlier_run"),))]
    lab.report(f"mirror restart: {settled:.0f} probes of the earlier run settled, none counted lost or duplicated")
