"""The consumer hop on the lab: records lost to a group (counted exactly, against the broker's own log start),
the retention margin at 0 before it, the alert in the lab's Prometheus; Burrow-style statuses with their
transitions timed; lag in seconds against the records' own timestamps (CreateTime set in the past with
tests/support/produce-at, so "idle for 10 minutes" needs no 10-minute wait)."""
import json
import os
import signal
import subprocess
import threading
import time
import uuid

import pytest

from helpers import prom_query, series, value, wait_for
from test_kafka_support import REPO, Exporter, service_pid

WINDOW = 10  # --consumergroup.status-window of the status test, seconds


def produce_at_bin():
    p = os.path.join(REPO, "build/tests/support/produce-at")
    if not os.access(p, os.X_OK):
        pytest.skip("tests/support/produce-at is not built")
    return p


def produce_at(lab, topic, count, first_ms, step_ms=0, partition=0):
    subprocess.run([produce_at_bin(), lab.upstream, topic, str(partition), str(count), str(first_ms), str(step_ms)],
                   check=True, timeout=60)


def create_topic(lab, topic, *configs, partitions=1):
    args = ["--bootstrap-server", lab.upstream, "--create", "--topic", topic, "--partitions", str(partitions),
            "--replication-factor", str(lab.brokers)]
    for c in configs:
        args += ["--config", c]
    lab.tool("kafka-topics", *args)


def delete_topic(lab, topic):
    lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--delete", "--topic", topic, check=False)


def commit(lab, group, topic, offset):
    lab.tool("kafka-consumer-groups", "--bootstrap-server", lab.upstream, "--group", group, "--reset-offsets",
             "--topic", topic, "--to-offset", str(offset), "--execute")


def log_start(lab, topic):
    out = lab.tool("kafka-get-offsets", "--bootstrap-server", lab.upstream, "--topic", topic, "--time", "-2").stdout
    return int(out.strip().split(":")[-1])


def delete_records(lab, tmp_path, topic, offset):
    f = tmp_path / f"delete-{topic}.json"
    f.write_text(json.dumps({"version": 1, "partitions": [{"topic": topic, "partition": 0, "offset": offset}]}))
    lab.tool("kafka-delete-records", "--bootstrap-server", lab.upstream, "--offset-json-file", str(f))


def record_ms(lab, topic, offset):
    out = lab.kcat("-b", lab.upstream, "-C", "-t", topic, "-p", "0", "-o", str(offset), "-c", "1", "-f", "%T\n",
                   "-e").stdout
    return int(out.split()[0])


def test_records_lost_counted_exactly_margin_zero_before_and_alert(lab, tmp_path):
    run = uuid.uuid4().hex[:6]
    topic, group = f"kxt-{run}-lost", f"kxg-{run}-lost"
    retention = 600  # s
    create_topic(lab, topic, f"retention.ms={retention * 1000}")
    args = [f"--kafka.server={lab.upstream}", f"--topic.filter=^{topic}$", f"--group.filter=^{group}$"]
    exp = Exporter(lab.addr("kafka01"), args)
    try:
        # 100 records written `retention - 20` s ago: 20 s of margin left for a group at offset 30.
        produce_at(lab, topic, 100, int(time.time() * 1000) - (retention - 20) * 1000)
        commit(lab, group, topic, 30)
        labels = dict(consumergroup=group, topic=topic, partition=0)
        m = wait_for("the group's margin", lambda: (lambda m: value(
            m, "kafka_consumergroup_retention_margin_seconds", **labels) is not None and m)(exp.scrape()[1]), 15)
        first_margin = value(m, "kafka_consumergroup_retention_margin_seconds", **labels)
        assert 0 < first_margin <= 20, (first_margin, exp.logs())
        assert value(m, "kafka_consumergroup_retention_margin_records", **labels) == 30
        assert value(m, "kafka_consumergroup_records_lost_total", **labels) == 0
        # Time passes, nothing deleted yet: the margin reaches 0 before any loss.
        wait_for("margin 0", lambda: value(exp.scrape()[1], "kafka_consumergroup_retention_margin_seconds",
                                           **labels) == 0, 30)
        _, m, _ = exp.scrape()
        assert value(m, "kafka_consumergroup_records_lost_total", **labels) == 0
        # The deletion: records 30..69 go before the group read them.
        delete_records(lab, tmp_path, topic, 70)
        for _ in range(10):  # the oracle: the broker's log start, unchanged across the scrape
            before = log_start(lab, topic)
            _, m, _ = exp.scrape()
            if log_start(lab, topic) == before:
                break
        lost = value(m, "kafka_consumergroup_records_lost_total", **labels)
        lab.report(f"kafka-exporter records lost: log start {before}, group at 30: counter {lost:.0f} "
                   f"(margin {first_margin:.1f}s at first scrape, then 0 before the deletion)")
        assert before >= 70 and lost == before - 30
        assert value(m, "kafka_consumergroup_retention_margin_records", **labels) == 0
        # Scraped again: counted once.
        assert value(exp.scrape()[1], "kafka_consumergroup_records_lost_total", **labels) == lost
        # A restart of the exporter: the gap it finds is not counted again, only what is deleted after.
        exp.stop()
        exp = Exporter(lab.addr("kafka01"), args)
        assert value(exp.scrape()[1], "kafka_consumergroup_records_lost_total", **labels) == 0
        delete_records(lab, tmp_path, topic, max(before, 85))
        after = log_start(lab, topic)
        assert value(exp.scrape()[1], "kafka_consumergroup_records_lost_total", **labels) == after - before
        # The lab's own kafka-exporter (all groups) and Prometheus with the bundle's rules: the alert fires.
        if not any(s["name"] == "prometheus" and s.get("pid") for s in lab.status().get("services", [])):
            pytest.fail("the lab's Prometheus is not running")
        t0 = time.time()
        alerts = wait_for("KafkaConsumerRecordsLost firing", lambda: [
            a for a in prom_query(lab.prometheus, f'ALERTS{{alertname="KafkaConsumerRecordsLost",consumergroup="{group}"}}', timeout=10)
            if a["metric"].get("alertstate") == "firing"], 90, interval=2)
        lab.report(f"KafkaConsumerRecordsLost firing in the lab's Prometheus {time.time() - t0:.0f}s after the "
                   f"second deletion ({alerts[0]['metric'].get('topic')})")
    finally:
        exp.stop()
        delete_topic(lab, topic)


class Scraper:
    """Scrapes every second in a thread, keeping (time, metrics) for the timing of transitions."""

    def __init__(self, exp):
        self.exp, self.samples, self.stop_ev = exp, [], threading.Event()
        self.thread = threading.Thread(target=self.loop)
        self.thread.start()

    def loop(self):
        while not self.stop_ev.is_set():
            t = time.time()
            try:
                self.samples.append((t, self.exp.scrape(fresh=False)[1]))
            except OSError:
                pass
            self.stop_ev.wait(1)

    def status(self, group, topic, since=0):
        """[(time, partition-0 status)] of the scrapes after `since`."""
        out = []
        for t, m in list(self.samples):
            if t < since:
                continue
            hit = [lab["status"] for lab, _ in series(m, "kafka_consumergroup_partition_status", consumergroup=group,
                                                      topic=topic, partition=0)]
            out.append((t, hit[0] if hit else None))
        return out

    def first(self, group, topic, status, since):
        for t, s in self.status(group, topic, since):
            if s == status:
                return t
        return None

    def latest(self):
        return self.samples[-1][1] if self.samples else {}

    def close(self):
        self.stop_ev.set()
        self.thread.join()


def test_statuses_ok_stop_stall_rewind_timed(lab):
    run = uuid.uuid4().hex[:6]
    topic = f"kxt-{run}-status"
    ok, stall, rewind = (f"kxg-{run}-{x}" for x in ("ok", "stall", "rewind"))
    create_topic(lab, topic)
    lab.produce(topic, [f"seed{i}" for i in range(50)])
    exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", f"--topic.filter=^{topic}$",
                                         f"--group.filter=^kxg-{run}-", f"--consumergroup.status-window={WINDOW}s",
                                         "--collection.interval=1s"])
    stop_producing = threading.Event()

    def producer():  # 20 records/s
        n = 0
        while not stop_producing.is_set():
            lab.produce(topic, [f"r{n + i}" + "x" * 1000 for i in range(10)])
            n += 10
            stop_producing.wait(0.5)
    procs = []

    def consumer(group, stdout):
        p = subprocess.Popen(["kcat", "-b", lab.upstream, "-G", group, "-X", "auto.offset.reset=earliest",
                              "-X", "auto.commit.interval.ms=1000", topic], stdout=stdout, stderr=subprocess.DEVNULL)
        procs.append(p)
        return p
    prod = threading.Thread(target=producer)
    sc = None
    try:
        commit(lab, rewind, topic, 40)
        prod.start()
        healthy = consumer(ok, subprocess.DEVNULL)
        # A member that stops reading (its output pipe is never read, so it blocks) but stays in the group.
        consumer(stall, subprocess.PIPE)
        sc = Scraper(exp)
        t_start = time.time()
        wait_for("the healthy group to commit", lambda: value(sc.latest(), "kafka_consumergroup_current_offset",
                                                              consumergroup=ok, topic=topic, partition=0), 30)
        t_committed = time.time()
        time.sleep(WINDOW + 4)
        oks = [s for t, s in sc.status(ok, topic, t_committed + 1)]
        assert oks and all(s == "OK" for s in oks), oks
        t_stall = sc.first(stall, topic, "STALL", t_start)
        assert t_stall is not None, (sc.status(stall, topic), exp.logs())
        # The healthy group is paused (its consumer leaves) while production goes on: STOP about a window later.
        healthy.send_signal(signal.SIGINT)
        healthy.wait(30)
        t_pause = time.time()
        t_stop = wait_for("STOP", lambda: sc.first(ok, topic, "STOP", t_pause), WINDOW + 15)
        m = sc.latest()
        assert value(m, "kafka_consumergroup_status", consumergroup=ok, status="ERR") == 1
        # An empty group keeps its lag series.
        assert value(m, "kafka_consumergroup_lag", consumergroup=ok, topic=topic, partition=0) > 0
        # A reset backwards: REWIND at the next collection.
        commit(lab, rewind, topic, 45)
        time.sleep(2)
        commit(lab, rewind, topic, 10)
        t_reset = time.time()
        t_rewind = wait_for("REWIND", lambda: sc.first(rewind, topic, "REWIND", t_reset), 10)
        lab.report(f"kafka-exporter status (window {WINDOW}s, 1 s scrapes): healthy group OK on all "
                   f"{len(oks)} scrapes; STALL {t_stall - t_start:.1f}s after the stuck member started; "
                   f"STOP {t_stop - t_pause:.1f}s after the pause; REWIND {t_rewind - t_reset:.1f}s after the reset")
        assert WINDOW - 2 <= t_stop - t_pause <= WINDOW + 6
        assert t_rewind - t_reset <= 3
        # A deleted group vanishes at the next collection.
        lab.tool("kafka-consumer-groups", "--bootstrap-server", lab.upstream, "--delete", "--group", rewind)
        t_del = time.time()
        time.sleep(2.5)
        m = exp.scrape()[1]
        assert not series(m, "kafka_consumergroup_status", consumergroup=rewind)
        assert not series(m, "kafka_consumergroup_lag", consumergroup=rewind)
        assert [s for t, s in sc.status(rewind, topic, t_del + 1.5)][-1:] == [None]
    finally:
        stop_producing.set()
        if prod.ident:
            prod.join()
        if sc:
            sc.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
        exp.stop()
        delete_topic(lab, topic)


def test_lag_seconds_exact_idle_and_busy(lab):
    run = uuid.uuid4().hex[:6]
    idle, busy = f"kxt-{run}-idle", f"kxt-{run}-busy"
    g_idle, g_busy = f"kxg-{run}-idle", f"kxg-{run}-busy"
    create_topic(lab, idle)
    create_topic(lab, busy)
    now_ms = int(time.time() * 1000)
    # The idle partition's producer stopped 10 minutes ago (records from 11 to 10 minutes ago).
    produce_at(lab, idle, 60, now_ms - 660_000, 1000)
    # The busy one: a record a second for the last 30 minutes, and more arriving during the test.
    produce_at(lab, busy, 1800, now_ms - 1_800_000, 1000)
    commit(lab, g_idle, idle, 5)
    commit(lab, g_busy, busy, 600)  # the record of 20 minutes ago
    stop = threading.Event()

    def producer():
        while not stop.is_set():
            lab.produce(busy, ["live"] * 5)
            stop.wait(0.5)
    prod = threading.Thread(target=producer)
    # A fresh exporter: its first scrape has no end-offset history, so nothing could be interpolated.
    exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", f"--topic.filter=^kxt-{run}-",
                                         f"--group.filter=^kxg-{run}-"])
    try:
        prod.start()
        time.sleep(1)
        truths = {g_idle: record_ms(lab, idle, 5), g_busy: record_ms(lab, busy, 600)}
        t0 = time.time()
        _, m, _ = exp.scrape()
        t1 = time.time()
        checks = []
        for group, topic in ((g_idle, idle), (g_busy, busy)):
            got = value(m, "kafka_consumergroup_lag_seconds", consumergroup=group, topic=topic, partition=0)
            truth = (t0 + t1) / 2 - truths[group] / 1000
            checks.append((group, got, truth))
            lab.report(f"kafka-exporter lag_seconds, first scrape, {topic.rsplit('-', 1)[1]}: "
                       f"exported {got}, true age {truth:.2f}s")
        for group, got, truth in checks:
            assert got is not None, (group, exp.logs())
            assert abs(got - truth) <= 1 + (t1 - t0) / 2, (group, got, truth)
        # The committed offset moves: a new read, a new exact value; the same offset: cached, no read.
        reads = value(m, "kafka_consumergroup_record_reads_total", result="ok")
        _, m, _ = exp.scrape()
        assert value(m, "kafka_consumergroup_record_reads_total", result="ok") == reads
        commit(lab, g_busy, busy, 1200)
        truth_ms = record_ms(lab, busy, 1200)
        t0 = time.time()
        _, m, _ = exp.scrape()
        got = value(m, "kafka_consumergroup_lag_seconds", consumergroup=g_busy, topic=busy, partition=0)
        assert abs(got - (t0 - truth_ms / 1000)) <= 1.5, (got, t0 - truth_ms / 1000)
        assert value(m, "kafka_consumergroup_record_reads_total", result="ok") == reads + 1
    finally:
        stop.set()
        if prod.ident:
            prod.join()
        exp.stop()
        delete_topic(lab, idle)
        delete_topic(lab, busy)


def test_scrapes_never_wait_on_a_hung_cluster(lab):
    """The broker SIGSTOPped: every scrape answers from the last collection in under 50 ms, kafka_up is 0 as soon
    as one collection has failed, and everything comes back by itself after SIGCONT."""
    pid = service_pid(lab, "kafka01")
    assert pid
    exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", "--collection.interval=1s",
                                         "--collection.timeout=3s"])
    times, stopped = [], False
    try:
        _, m, _ = exp.scrape()
        assert value(m, "kafka_up") == 1
        os.kill(pid, signal.SIGSTOP)
        stopped = True
        t_stop = time.time()
        first_after, up0_at = None, None
        while time.time() - t_stop < 15:
            took, m, _ = exp.scrape(fresh=False)
            times.append(took)
            started = value(m, "kafka_collection_timestamp_seconds")
            if first_after is None and started >= t_stop:
                first_after = value(m, "kafka_up")  # the first collection that began with the broker hung
            if up0_at is None and value(m, "kafka_up") == 0:
                up0_at = time.time() - t_stop
            time.sleep(0.1)
        os.kill(pid, signal.SIGCONT)
        stopped = False
        t_cont = time.time()
        wait_for("kafka_up 1 again", lambda: value(exp.scrape(fresh=False)[1], "kafka_up") == 1, 60)
        recovered = time.time() - t_cont
        lab.report(f"kafka-exporter, broker SIGSTOPped 15 s: {len(times)} scrapes, slowest {max(times) * 1000:.1f} ms, "
                   f"median {sorted(times)[len(times) // 2] * 1000:.1f} ms; kafka_up 0 after {up0_at:.1f}s "
                   f"(collection timeout 3 s); back to 1 {recovered:.1f}s after SIGCONT")
        assert max(times) < 0.05, times
        assert first_after == 0 and up0_at is not None and up0_at < 1 + 3 + 3 + 1
    finally:
        if stopped:
            os.kill(pid, signal.SIGCONT)
        exp.stop()
