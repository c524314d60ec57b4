"""Lag in seconds on the lab: a paused group while a producer writes at a known rate must read within ±20% of
the true age of its oldest unconsumed record (the record's own timestamp, read back with kcat)."""
import threading
import time
import uuid

from helpers import value, wait_for
from test_kafka_support import Exporter

RATE = 20  # records per second


def record_time(lab, topic, offset):
    out = lab.kcat("-b", lab.upstream, "-C", "-t", topic, "-p", "0", "-o", str(offset), "-c", "1", "-f", "%T\n",
                   "-e").stdout
    return int(out.split()[0]) / 1000.0


def test_lag_seconds_tracks_record_age(lab):
    run = uuid.uuid4().hex[:6]
    topic, early, late = f"kxt-{run}-lagsec", f"kxg-{run}-early", f"kxg-{run}-late"
    lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--create", "--topic", topic, "--partitions", "1",
             "--replication-factor", str(lab.brokers))
    lab.tool("kafka-consumer-groups", "--bootstrap-server", lab.upstream, "--group", early, "--reset-offsets",
             "--topic", topic, "--to-offset", "0", "--execute")
    exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", f"--topic.filter=^{topic}$",
                                         f"--group.filter=^kxg-{run}-"])
    stop = threading.Event()

    def scraper():  # Prometheus at a 1 s interval: each scrape adds one sample to the history
        while not stop.is_set():
            exp.scrape()
            stop.wait(1)
    feeder = threading.Thread(target=scraper)
    resetter = threading.Thread(target=lambda: lab.tool(
        "kafka-consumer-groups", "--bootstrap-server", lab.upstream, "--group", late, "--reset-offsets", "--topic",
        topic, "--to-offset", "150", "--execute"))
    try:
        feeder.start()
        time.sleep(2)
        t0 = time.time()
        n = 0
        while time.time() - t0 < 36:
            # A short-lived kcat per half second: a long-lived one buffers stdin and would stamp late.
            batch = int((time.time() - t0) * RATE) - n
            if batch > 0:
                lab.produce(topic, [f"r{n + i}" for i in range(batch)])
                n += batch
            if n >= 200 and not resetter.is_alive() and not resetter.ident:
                # A second paused group, committed mid-way: its record is interpolated, not the first sample.
                resetter.start()
            time.sleep(0.5)
        resetter.join()
        stop.set()
        feeder.join()
        when = time.time()
        _, m, _ = exp.scrape()
        checks = []
        for group, offset in ((early, 0), (late, 150)):
            got = value(m, "kafka_consumergroup_lag_seconds", consumergroup=group, topic=topic, partition=0)
            truth = when - record_time(lab, topic, offset)
            checks.append((group, offset, got, truth))
            lab.report(f"kafka-exporter lag_seconds: record {offset}: exported {got:.1f}s, true age {truth:.1f}s")
        for group, offset, got, truth in checks:
            assert got is not None, (group, exp.logs())
            assert abs(got - truth) <= 0.2 * truth, (group, offset, got, truth)
        assert value(m, "kafka_consumergroup_lag", consumergroup=early, topic=topic, partition=0) == n
    finally:
        stop.set()
        if feeder.is_alive():
            feeder.join()
        if resetter.ident:
            resetter.join()
        exp.stop()
        lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--delete", "--topic", topic, check=False)
