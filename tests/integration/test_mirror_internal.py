"""mirror-exporter and MM2's internal topics on the lab: the checkpoint age of a consumer group grows while
MM2's checkpoint connector is paused and recovers when it resumes; garbage in real offset-syncs, checkpoints
and heartbeats topics is counted exactly, valid records around it are still decoded, promtool still passes.

Each test starts its own exporter (stopped by pid) and leaves the lab as it found it (the connector resumed,
its configuration unchanged). The garbage goes to topics of this test's own, named as MM2 names its internal
topics for aliases no MM2 uses, so the lab's MM2 never reads it. Budget: about 2 minutes for both.
"""
import json
import os
import shutil
import struct
import subprocess
import threading
import time
import urllib.request

from helpers import wait_for
from test_mirror_exporter import REPO, connector, exporters  # noqa: F401 (exporters: fixture)

LAB_BIN = os.path.join(REPO, "lab", "lab")


def connect_get(lab, path):
    with urllib.request.urlopen(f"{lab.connect}{path}", timeout=30) as r:
        return json.loads(r.read())


def connector_state(lab, name):
    st = connect_get(lab, f"/connectors/{name}/status")
    return st["connector"]["state"], [t["state"] for t in st["tasks"]]


def create_topics(lab, specs):
    """Creates upstream/downstream topics in parallel (one JVM each): [(bootstrap, topic, partitions)]."""
    procs = [subprocess.Popen([LAB_BIN, "tool", "kafka-topics", "--bootstrap-server", bs, "--create", "--if-not-exists",
                               "--topic", topic, "--partitions", str(parts), "--replication-factor", str(lab.brokers)],
                              env=lab.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for bs, topic, parts in specs]
    for p, spec in zip(procs, specs):
        out = p.communicate(timeout=120)[0]
        assert p.returncode == 0, f"kafka-topics --create {spec}: {out[-2000:]}"


KEY_DELIM, MSG_DELIM = b"#%KEY%#", b"#%MSG%#"


def produce_raw(lab, bootstrap, topic, records):
    """Writes (key, value) byte records with kcat; an empty key or value is sent as NULL (a tombstone)."""
    data = b"".join(k + KEY_DELIM + v + MSG_DELIM for k, v in records)
    assert all(KEY_DELIM not in k + v and MSG_DELIM not in k + v for k, v in records)
    r = subprocess.run(["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", KEY_DELIM.decode(), "-D", MSG_DELIM.decode(),
                        "-X", "acks=all"], input=data, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr


def count(lab, bootstrap, topic):
    """Records in partition 0 of topic (its end offset: nothing is ever deleted from these)."""
    return int(lab.kcat("-Q", "-b", bootstrap, "-t", f"{topic}:0:-1").stdout.split()[-1])


def s16(b):
    return struct.pack(">h", len(b)) + b


def test_mirror_checkpoint_age_grows_while_checkpoint_connector_paused(lab, exporters):
    """A group commits offsets upstream on a mirrored topic, so MM2 checkpoints it every 5 s. Pausing
    mm2-checkpoint (REST, as users do) makes mirror_checkpoint_age_seconds of that group grow while the
    probes keep flowing; resuming brings it back under the emit interval plus a poll."""
    pid = os.getpid()
    topic, group = f"it-ckpt-{pid}", f"it-ckpt-{pid}"
    create_topics(lab, [(lab.upstream, topic, 1)])
    before = connect_get(lab, "/connectors/mm2-checkpoint/config")
    assert connector_state(lab, "mm2-checkpoint")[0] == "RUNNING"
    # The group consumes and commits every second; records keep coming, so its offset keeps moving and
    # MM2 (which skips repeated checkpoints) emits a new one at every interval.
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"ckpt-consumer-{pid}.log"), "w")
    consumer = subprocess.Popen(["kcat", "-b", lab.upstream, "-G", group, "-X", "auto.commit.interval.ms=1000",
                                 "-X", "auto.offset.reset=earliest", "-q", topic],
                                stdout=subprocess.DEVNULL, stderr=log)
    stop = threading.Event()

    def feed():
        n = 0
        while not stop.is_set():
            lab.produce(topic, [f"r{n + i}" for i in range(20)])
            n += 20
            stop.wait(1)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    paused = False
    try:
        e = exporters("ckpt", "--probe.interval=500ms")

        def age():
            return e.value("mirror_checkpoint_age_seconds", consumergroup=group)

        # Group discovery (refresh.groups.interval 5 s), a task reconfiguration, then one emit interval.
        wait_for(f"checkpoints of group {group}", lambda: age() is not None and age() < 8, 90)
        connector(lab, "mm2-checkpoint", "pause")
        paused = True
        wait_for("connector paused", lambda: connector_state(lab, "mm2-checkpoint") == ("PAUSED", ["PAUSED"]), 30)
        time.sleep(3)  # a checkpoint MM2 had already produced may still land
        a0, end0 = age(), count(lab, lab.upstream, topic)
        time.sleep(15)
        a1, end1 = age(), count(lab, lab.upstream, topic)
        probe_age = e.value("mirror_probe_last_received_age_seconds", partition="0")
        assert a1 >= a0 + 13 and a1 >= 15, (a0, a1)
        assert end1 >= end0 + 40, "the group's topic kept growing (its offsets kept moving)"
        assert probe_age < 5, f"only checkpoints stopped: probes still flow ({probe_age})"
        connector(lab, "mm2-checkpoint", "resume")
        paused = False
        t_resume = time.time()
        wait_for("checkpoint age back under the emit interval", lambda: age() < 8, 60)
        recovered = time.time() - t_resume
    finally:
        if paused:
            connector(lab, "mm2-checkpoint", "resume")
        stop.set()
        feeder.join(10)
        consumer.terminate()
        try:
            consumer.wait(10)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait(5)
        log.close()
    wait_for("connector running", lambda: connector_state(lab, "mm2-checkpoint") == ("RUNNING", ["RUNNING"]), 30)
    assert connect_get(lab, "/connectors/mm2-checkpoint/config") == before
    lab.report(f"mirror checkpoint age: {a0:.0f} s -> {a1:.0f} s over 15 s with mm2-checkpoint paused; "
               f"back under 8 s {recovered:.1f} s after resume")


def test_mirror_garbage_in_real_internal_topics(lab, exporters):
    """Garbage written with kcat into real heartbeats, checkpoints and offset-syncs topics (wrong lengths,
    truncated values, wrong version, NULL keys, tombstones, negative numbers) is counted invalid one for one;
    valid records before and after it are decoded; the exporter lives on and promtool accepts its output."""
    pid = os.getpid()
    src, dst = f"gbs{pid}", f"gbt{pid}"  # aliases no MM2 of the lab uses
    hb_topic, cp_topic = f"{src}.heartbeats", f"{src}.checkpoints.internal"
    os_topic = f"mm2-offset-syncs.{dst}.internal"
    data = f"xgb-data-{pid}"  # not mirrored: only the offset syncs below name it
    create_topics(lab, [(lab.downstream, hb_topic, 1), (lab.downstream, cp_topic, 1), (lab.upstream, os_topic, 1),
                        (lab.upstream, data, 2)])
    lab.produce(data, ["a", "b", "c"])
    now_ms = int(time.time() * 1000)
    hb_key = s16(src.encode()) + s16(dst.encode())

    def hb(ts, version=0):
        return struct.pack(">hq", version, ts)

    def ck(g, t=b"src.T", p=0):
        return s16(g) + s16(t) + struct.pack(">i", p)

    def cv(up=5, down=3, meta=b"", version=0):
        return struct.pack(">hqq", version, up, down) + s16(meta)

    def sk(t, p):
        return s16(t) + struct.pack(">i", p)

    def sv(up=5, down=3):
        return struct.pack(">qq", up, down)

    # Valid records first, so that each reader is known to be reading before the garbage comes.
    produce_raw(lab, lab.downstream, hb_topic, [(hb_key, hb(now_ms - 100_000))])
    produce_raw(lab, lab.downstream, cp_topic, [(ck(b"gb-before"), cv())])
    produce_raw(lab, lab.upstream, os_topic, [(sk(data.encode(), 0), sv(2, 1))])
    e = exporters("garbage", f"--source.alias={src}", f"--target.alias={dst}", "--probe.create-topic=false",
                  probe_topic=f"xgb-probe-{pid}")
    wait_for("old heartbeat read", lambda: 90 <= (e.value("mirror_heartbeat_age_seconds", source=src) or 0) <= 150, 30)
    wait_for("first checkpoint read",
             lambda: e.value("mirror_checkpoint_age_seconds", consumergroup="gb-before") is not None, 30)
    wait_for("first offset sync read and its topic polled",
             lambda: e.value("mirror_source_end_offset", topic=data, partition="0") is not None, 30)
    m0 = e.metrics()

    def invalid(topic, m=None):
        return (m or e.metrics()).get(("mirror_internal_invalid_total", (("topic", topic),)))

    assert invalid(hb_topic, m0) == invalid(cp_topic, m0) == invalid(os_topic, m0) == 0
    hb_garbage = [
        (hb_key, hb(now_ms, version=1)),                             # wrong version
        (hb_key, struct.pack(">h", 0) + b"\x00\x00\x01"),            # truncated value
        (hb_key, hb(now_ms) + b"\x00"),                              # a byte too many
        (struct.pack(">h", 40) + src.encode() + s16(dst.encode()), hb(now_ms)),  # string length past the end
        (s16(src.encode()), hb(now_ms)),                             # key without the target alias
        (b"", hb(now_ms)),                                           # NULL key
        (hb_key, b""),                                               # tombstone
        (hb_key, struct.pack(">hq", 0, -5)),                         # negative timestamp
        (b"junk", b"not a heartbeat"),
    ]
    cp_garbage = [
        (ck(b"gb-bad"), cv(version=1)),                              # wrong version
        (ck(b"gb-bad"), struct.pack(">hqq", 0, 5, 3) + struct.pack(">h", 10) + b"abc"),  # truncated metadata
        (ck(b"gb-bad"), cv() + b"\x00"),                             # a byte too many
        (ck(b"gb-bad"), struct.pack(">hq", 0, 5)),                   # truncated value
        (s16(b"gb-bad") + s16(b"src.T"), cv()),                      # key without partition
        (b"", cv()),                                                 # NULL key
        (ck(b"gb-bad"), b""),                                        # tombstone
        (ck(b"gb-bad"), cv(up=-5)),                                  # negative offset
        (ck(b"gb-bad", p=-1), cv()),                                 # negative partition
    ]
    os_garbage = [
        (sk(data.encode(), 1), sv()[:12]),                           # truncated value
        (sk(data.encode(), 1), struct.pack(">h", 0) + sv()),         # a version header it does not have
        (sk(data.encode(), -1), sv()),                               # negative partition
        (s16(data.encode()), sv()),                                  # key without partition
        (struct.pack(">h", 200) + data.encode() + struct.pack(">i", 1), sv()),  # string length past the end
        (b"", sv()),                                                 # NULL key
        (sk(data.encode(), 1), b""),                                 # tombstone
        (sk(data.encode(), 1), struct.pack(">qq", -1, 3)),           # negative offset
        (sk(b"", 1), sv()),                                          # empty topic name
    ]
    # Garbage, then a valid record after it on each topic.
    produce_raw(lab, lab.downstream, hb_topic, hb_garbage + [(hb_key, hb(int(time.time() * 1000)))])
    produce_raw(lab, lab.downstream, cp_topic, cp_garbage + [(ck(b"gb-after"), cv(meta=b"after"))])
    produce_raw(lab, lab.upstream, os_topic, os_garbage + [(sk(data.encode(), 1), sv(3, 1))])
    want = {hb_topic: len(hb_garbage), cp_topic: len(cp_garbage), os_topic: len(os_garbage)}
    # Every record is really in its topic (none refused by the broker).
    assert count(lab, lab.downstream, hb_topic) == 1 + want[hb_topic] + 1
    assert count(lab, lab.downstream, cp_topic) == 1 + want[cp_topic] + 1
    assert count(lab, lab.upstream, os_topic) == 1 + want[os_topic] + 1
    got = {}

    def counted():
        m = e.metrics()
        got.update({t: invalid(t, m) for t in want})
        return got == want

    wait_for(f"invalid records counted: want {want}", counted, 30)
    # The valid records after the garbage were decoded.
    wait_for("new heartbeat read", lambda: e.value("mirror_heartbeat_age_seconds", source=src) < 30, 15)
    wait_for("checkpoint after the garbage read",
             lambda: e.value("mirror_checkpoint_age_seconds", consumergroup="gb-after") is not None, 15)
    wait_for("offset sync after the garbage read",
             lambda: e.value("mirror_source_end_offset", topic=data, partition="1") is not None, 15)
    time.sleep(2)  # exact: nothing counted twice
    m = e.metrics()
    assert {t: invalid(t, m) for t in want} == want
    names = {dict(labels).get("consumergroup") for (n, labels), _ in m.items() if n == "mirror_checkpoint_age_seconds"}
    assert names == {"gb-before", "gb-after"}, names
    assert m[("mirror_source_end_offset", (("partition", "0"), ("topic", data)))] >= 1
    assert e.proc.poll() is None
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=e.try_scrape(), text=True, capture_output=True,
                           timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
    log = e.stop()
    assert e.stop_seconds is not None, "exporter did not stop on SIGTERM"
    assert "AddressSanitizer" not in log and "runtime error" not in log
    lab.report(f"mirror garbage in internal topics: invalid heartbeats {want[hb_topic]}, checkpoints "
               f"{want[cp_topic]}, offset syncs {want[os_topic]}: each counted exactly; valid records around "
               f"them decoded")
