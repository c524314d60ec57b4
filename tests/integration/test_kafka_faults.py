"""kafka-exporter faults on the lab: a hung then killed broker, a cluster down at start, ZooKeeper down, a
missing chroot, an expired ZooKeeper session: every scrape answers within --scrape.timeout with honest
up/success metrics, and everything recovers without a restart. Also: bad flags exit 2."""
import os
import signal
import subprocess
import threading
import time

import pytest

from helpers import value, wait_for
from test_kafka_support import Exporter, exporter_bin, service_pid

TIMEOUT = 4.0  # --scrape.timeout
SLACK = 0.7    # HTTP and rendering on a busy 2-core machine


def args(lab, *extra):
    return [f"--kafka.server={lab.upstream}", f"--zookeeper.server={lab.zk_upstream}", f"--scrape.timeout={TIMEOUT:g}s",
            "--zookeeper.session-timeout=4s", *extra]


def scrape_in_time(exp):
    took, m, text = exp.scrape()
    assert took <= TIMEOUT + SLACK, f"scrape took {took:.2f}s"
    return m


def healthy(exp):
    m = scrape_in_time(exp)
    return value(m, "kafka_up") == 1 and value(m, "kafka_scrape_collector_success", collector="topics") == 1 and m


@pytest.mark.parametrize("bad,why", [
    (["--kafka.server=x:1", "--topic.filter=("], "--topic.filter"),
    (["--kafka.server=x:1", "--group.exclude=[z-a]"], "--group.exclude"),
    (["--kafka.server=x:1", "--kafka.labels=9bad=x"], "--kafka.labels"),
    (["--kafka.server=x:1", "--no-such-flag"], "no-such-flag"),
    (["--kafka.server=x:1", "--sasl.enabled", "--sasl.mechanism=md5", "--sasl.username=u"], "--sasl.mechanism"),
    ([], "--kafka.server"),
])
def test_bad_flags_exit_2(bad, why):
    r = subprocess.run([exporter_bin(), "--web.listen-address=127.0.0.1:0", *bad], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2, r
    assert why in r.stderr, r.stderr


def test_secret_never_logged(tmp_path):
    secret = "s3cr3t-Pa55"
    pw = tmp_path / "pw"
    pw.write_text(secret + "\n")
    exp = Exporter("127.0.0.1", ["--kafka.server=127.0.0.1:1", "--sasl.enabled", "--sasl.mechanism=scram-sha512",
                                 "--sasl.username=u", f"--sasl.password-file={pw}", "--scrape.timeout=1s",
                                 "--log.level=debug"])
    try:
        _, m, text = exp.scrape()
        assert value(m, "kafka_up") == 0
        assert secret not in text and secret not in exp.logs()
    finally:
        exp.stop()


COLLECTORS = ("brokers", "topics", "consumergroups", "zookeeper")


def test_hung_broker_time_is_the_prepare_stage_and_kafka_up_stays():
    """No lab: a broker address that takes connections and never answers. A fresh exporter's first scrape
    waits for the first collection in its prepare stage (kafka_scrape_prepare_duration_seconds), every
    collector's own duration is ~0, and kafka_up 0 is served with every collector disabled (it used to come
    from the first collector, and went with them)."""
    import socket
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(64)
    server = f"--kafka.server=127.0.0.1:{hung.getsockname()[1]}"
    off = [f"--no-collector.{c}" for c in COLLECTORS]
    for flags in ([], off):
        exp = Exporter("127.0.0.1", [server, f"--scrape.timeout={TIMEOUT:g}s", *flags])
        try:
            m = scrape_in_time(exp)
            assert value(m, "kafka_up") == 0
            assert value(m, "kafka_scrape_prepare_success") == 0
            assert value(m, "kafka_scrape_prepare_duration_seconds") > TIMEOUT / 20
            for c in COLLECTORS:
                if flags:
                    assert value(m, "kafka_scrape_collector_duration_seconds", collector=c) is None, c
                else:
                    assert value(m, "kafka_scrape_collector_duration_seconds", collector=c) < 0.01, c
        finally:
            exp.stop()
    hung.close()


def test_broker_hung_killed_and_down_at_start(lab):
    lab.ensure_healthy()
    pid = service_pid(lab, "kafka01")
    assert pid
    exp = Exporter(lab.addr("kafka01"), args(lab))
    late = None
    try:
        wait_for("a healthy first scrape", lambda: healthy(exp), 60)
        # Hung broker: connections stay open, nothing answers.
        os.kill(pid, signal.SIGSTOP)
        # Scrapes answer from the last collection: every one in time, kafka_up 0 once a collection failed.
        m = wait_for("kafka_up 0 with the broker hung", lambda: (lambda m: value(m, "kafka_up") == 0 and m)(
            scrape_in_time(exp)), 20)
        # Whatever waits for the hung broker (the collection thread), no collector does.
        for c in COLLECTORS:
            assert value(m, "kafka_scrape_collector_duration_seconds", collector=c) < 0.1, c
        # Killed while a scrape is waiting on it.
        result = {}
        t = threading.Thread(target=lambda: result.update(m=scrape_in_time(exp)))
        t.start()
        time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        t.join()
        assert "m" in result
        m = scrape_in_time(exp)
        assert value(m, "kafka_up") == 0
        assert value(m, "kafka_scrape_collector_success", collector="brokers") == 0
        assert value(m, "kafka_zookeeper_up") == 1  # ZooKeeper is still there
        assert "kafka unavailable" in exp.logs()
        # A second exporter starting while the cluster is down: it starts and says so.
        late = Exporter(lab.addr("kafka01"), args(lab))
        m = scrape_in_time(late)
        assert value(m, "kafka_up") == 0
        # A killed broker's registration lives until its ZooKeeper session expires, and a broker
        # restarted before that refuses to start: wait for it to go (our own metric shows it).
        wait_for("the dead broker's registration to expire",
                 lambda: value(scrape_in_time(exp), "kafka_zookeeper_brokers") == 0, 60, interval=1)
        lab.ensure_healthy()
        for e in (exp, late):
            wait_for("recovery without a restart", lambda e=e: healthy(e), 120, interval=1)
        assert "kafka reachable again" in exp.logs()
    finally:
        exp.stop()
        if late:
            late.stop()
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
        lab.ensure_healthy()


def test_zookeeper_down_missing_chroot_and_expired_session(lab):
    lab.ensure_healthy()
    exp = Exporter(lab.addr("kafka01"), args(lab))
    nochroot = None
    try:
        nochroot = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}",
                                                  f"--zookeeper.server={lab.zookeeper}/kxt-no-such-chroot",
                                                  f"--scrape.timeout={TIMEOUT:g}s"])
        m = wait_for("ZooKeeper up", lambda: (lambda m: value(m, "kafka_zookeeper_up") == 1 and m)(scrape_in_time(exp)),
                     30)
        assert value(m, "kafka_zookeeper_chroot_exists") == 1 and value(m, "kafka_zookeeper_rtt_seconds") > 0
        m = wait_for("the chroot check", lambda: (lambda m: "kafka_zookeeper_up" in m and m)(scrape_in_time(nochroot)),
                     30)
        assert value(m, "kafka_zookeeper_chroot_exists") == 0
        assert value(m, "kafka_scrape_collector_success", collector="zookeeper") == 0
        assert value(m, "kafka_up") == 1
        assert "chroot does not exist" in nochroot.logs()

        # Session expiry: the exporter frozen past the session timeout; the server drops its session.
        exp.proc.send_signal(signal.SIGSTOP)
        time.sleep(9)
        exp.proc.send_signal(signal.SIGCONT)
        wait_for("a new session after expiry", lambda: value(scrape_in_time(exp),
                                                             "kafka_zookeeper_session_expirations_total") == 1, 30)
        wait_for("ZooKeeper up again", lambda: value(scrape_in_time(exp), "kafka_zookeeper_up") == 1, 30)

        # ZooKeeper down: answered in time, zookeeper_up 0, Kafka metrics unaffected.
        os.kill(service_pid(lab, "zookeeper01"), signal.SIGKILL)
        m = wait_for("kafka_zookeeper_up 0", lambda: (lambda m: value(m, "kafka_zookeeper_up") == 0 and m)(
            scrape_in_time(exp)), 30)
        assert value(m, "kafka_scrape_collector_success", collector="zookeeper") == 0
        assert value(m, "kafka_up") == 1
        assert "zookeeper unavailable" in exp.logs()
        lab.ensure_healthy()
        wait_for("ZooKeeper back", lambda: value(scrape_in_time(exp), "kafka_zookeeper_up") == 1, 60, interval=1)
    finally:
        exp.proc.send_signal(signal.SIGCONT)
        exp.stop()
        if nochroot:
            nochroot.stop()
        lab.ensure_healthy()
