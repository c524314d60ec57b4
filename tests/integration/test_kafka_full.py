"""kafka-exporter on the `full` lab profile (3 brokers per side): an under-replicated, under-min-ISR partition
with a stopped broker, checked against `kafka-topics --describe`. Runs only with LAB_FULL=1 (a full lab is 3
ZooKeeper nodes and 6 brokers: too heavy for the default CI budget). It uses the session lab when that is a full
one (LAB_TEST_PROFILE=full), else starts its own beside it and stops it at the end."""
import os
import re
import signal
import subprocess
import tempfile
import uuid

import pytest

from conftest import LAB, Lab, free_prefix
from helpers import value, wait_for
from test_kafka_support import Exporter, service_pid

pytestmark = pytest.mark.skipif(os.environ.get("LAB_FULL") != "1", reason="needs LAB_FULL=1 (full lab profile)")


@pytest.fixture(scope="module")
def full_lab(request):
    if os.environ.get("LAB_TEST_PROFILE") == "full":
        yield request.getfixturevalue("lab")
        return
    state = tempfile.mkdtemp(prefix="lab-kafka-full-")
    env = dict(os.environ, LAB_PREFIX=free_prefix(start=60), LAB_STATE=state,
               LAB_SKIP="prometheus,mirror-exporter,node-exporter-lite,kafka-exporter-up,kafka-exporter-down")
    r = subprocess.run([LAB, "up", "full"], env=env, capture_output=True, text=True, timeout=900)
    try:
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
        yield Lab(env, owned=True)
    finally:
        subprocess.run([LAB, "down"], env=env, capture_output=True, timeout=300)


def test_under_replicated_and_under_min_isr(full_lab):
    lab = full_lab
    assert lab.brokers == 3
    topic = f"kxt-{uuid.uuid4().hex[:6]}-urp"
    lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--create", "--topic", topic, "--partitions", "6",
             "--replication-factor", "3", "--config", "min.insync.replicas=3")
    group = f"kxg-{topic}"
    lab.produce(topic, [f"r{i}" for i in range(60)])
    lab.tool("kafka-consumer-groups", "--bootstrap-server", lab.upstream, "--group", group, "--reset-offsets",
             "--topic", topic, "--to-offset", "1", "--execute")
    pid = service_pid(lab, "kafka03")
    exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", f"--zookeeper.server={lab.zk_upstream}",
                                         f"--topic.filter=^{topic}$", "--scrape.timeout=8s", "--log.level=debug"])
    try:
        m = wait_for("all in sync", lambda: (lambda m: value(m, "kafka_topic_partitions", topic=topic) == 6 and
                                             value(m, "kafka_under_min_isr_partitions") == 0 and m)(exp.scrape()[1]),
                     60)
        assert value(m, "kafka_brokers") == 3 and value(m, "kafka_topic_min_insync_replicas", topic=topic) == 3
        os.kill(pid, signal.SIGTERM)  # a clean stop: ISR shrinks at once
        wait_for("kafka03 stopped", lambda: not os.path.exists(f"/proc/{pid}"), 120)
        m = wait_for("the exporter to see it", lambda: (lambda m: value(m, "kafka_brokers") == 2 and m)(
            exp.scrape()[1]), 60)
        describe = lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--describe", "--topic", topic).stdout

        # The group's committed offsets are read again once its coordinator has moved off kafka03.
        def committed():
            took, m, _ = exp.scrape()
            assert took < 8.7, took
            return [v for lab_, v in m.get("kafka_consumergroup_current_offset", [])
                    if lab_["consumergroup"] == group] == [1.0] * 6
        try:
            wait_for("the group's offsets with kafka03 gone", committed, 60, interval=1)
        except AssertionError:
            print("\n".join(x for x in exp.logs().splitlines() if "collector failed" in x or "phase" in x)[-4000:])
            raise
        _, m, _ = exp.scrape()
        urp = 0
        for line in describe.splitlines():
            row = re.match(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: (\S+)\s+Replicas: (\S+)\s+Isr: (\S*)",
                           line.strip())
            if not row:
                continue
            _, p, leader, replicas, isr = row.groups()
            replicas, isr = replicas.split(","), [x for x in isr.split(",") if x]
            under = 1 if len(isr) < len(replicas) else 0
            urp += under
            assert value(m, "kafka_topic_partition_in_sync_replica", topic=topic, partition=p) == len(isr), line
            assert value(m, "kafka_topic_partition_under_replicated_partition", topic=topic, partition=p) == under
            assert value(m, "kafka_topic_partition_under_min_isr", topic=topic, partition=p) == (len(isr) < 3)
            assert value(m, "kafka_topic_partition_leader", topic=topic, partition=p) == int(leader)
            assert value(m, "kafka_topic_partition_leader_is_preferred", topic=topic, partition=p) == \
                (leader == replicas[0])
        assert urp == 6  # every partition had a replica on kafka03
        assert value(m, "kafka_under_min_isr_partitions") == 6
        assert value(m, "kafka_offline_partitions") == 0
        assert value(m, "kafka_scrape_collector_success", collector="topics") == 1
        lab.ensure_healthy()
        wait_for("ISR back", lambda: value(exp.scrape()[1], "kafka_under_min_isr_partitions") == 0, 120, interval=2)

        # A hung broker (SIGSTOP): every scrape still answers in time, and the exporter gets back to
        # kafka_up 1 from the other brokers while it stays hung.
        hung = service_pid(lab, "kafka02")
        os.kill(hung, signal.SIGSTOP)
        try:
            def up_again():
                took, m, _ = exp.scrape()
                assert took < 8.7, took
                return value(m, "kafka_up") == 1 and value(m, "kafka_brokers") >= 2
            wait_for("kafka_up 1 with kafka02 hung", up_again, 90, interval=1)
        finally:
            os.kill(hung, signal.SIGCONT)
    finally:
        exp.stop()
        lab.ensure_healthy()
        lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--delete", "--topic", topic, check=False)
