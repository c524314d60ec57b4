"""Kafka 4 (KRaft, no ZooKeeper) on the lab's kraft profile: kafka-exporter serves the families docs/metrics-kafka.md
lists (all but ZooKeeper's) with the values Kafka's tools and kcat give; a KIP-848 group (group.protocol=consumer),
which librdkafka 2.0.2 cannot describe, is flagged instead of shown Dead; the JMX rules for the controller and the
metadata quorum reach the lab's Prometheus with the values kafka-metadata-quorum gives; the KRaft alerts stay silent
on a healthy quorum while their inputs are there; the Kafka clusters dashboard's KRaft row has data.

With LAB_TEST_PROFILE=kraft this uses the session's lab; otherwise it starts a kraft lab of its own (another free
prefix, without the parts it does not read: mirror-exporter, node-exporter-lite, the alerting servers), so the
default-profile session and this file each see the Kafka they are about."""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid

import pytest

from conftest import LAB, Lab, free_prefix, lab_report
from helpers import prom_query, series, value, wait_for
from test_bundle_dashboards import dashboards, kraft_panels, panels_without_data
from test_kafka_support import Exporter

TOP = pathlib.Path(__file__).resolve().parents[2]
SKIP = "mirror-exporter,node-exporter-lite,alertmanager,victoriametrics,prometheus-dc,alert-webhook"
# Families whose source is ZooKeeper (none in Kafka 4), and the one only a KIP-848 group makes appear.
ZOOKEEPER_ONLY = re.compile(r"^kafka_zookeeper_")
KRAFT_ONLY = {"kafka_consumergroup_undescribed"}
# Written by lib/ for every exporter (HTTP server), not in the kafka-exporter families table.
LIBRARY = {"kafka_http_connections", "kafka_http_connections_dropped_total", "kafka_http_requests_total"}


@pytest.fixture(scope="module")
def kraft(request):
    if os.environ.get("LAB_TEST_PROFILE") == "kraft" or os.environ.get("LAB_TEST_USE_RUNNING") == "1":
        lab = request.getfixturevalue("lab")
        if lab.profile != "kraft":
            pytest.skip(f"the running lab is {lab.profile}, not kraft")
        yield lab
        return
    for exe in ("java", "kcat", "prometheus"):
        if not shutil.which(exe):
            pytest.skip(f"the kraft lab needs {exe}")
    state = tempfile.mkdtemp(prefix="lab-kraft-")
    env = dict(os.environ, LAB_PREFIX=free_prefix(start=120), LAB_STATE=state, LAB_SKIP=SKIP)
    t0 = time.time()
    r = subprocess.run([LAB, "up", "kraft"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900)
    try:
        assert r.returncode == 0, f"lab up kraft failed (state in {state}):\n{r.stdout[-4000:]}"
        lab = Lab(env, owned=True)
        lab_report(f"kraft lab ({env['LAB_PREFIX']}, {SKIP} left out): up {time.time() - t0:.1f}s, "
                   f"RSS {lab.status().get('rss_kb', 0) / 1024:.0f} MiB")
        yield lab
    finally:
        t1 = time.time()
        d = subprocess.run([LAB, "down"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=300)
        lab_report(f"kraft lab down: {time.time() - t1:.1f}s")
        assert d.returncode == 0, d.stdout
        if r.returncode == 0:
            shutil.rmtree(state, ignore_errors=True)


def documented_families():
    """The kafka_* names of the Families table of docs/metrics-kafka.md."""
    text = (TOP / "docs" / "metrics-kafka.md").read_text()
    table = text.split("## Families", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(kafka_\w+)`", table, re.M))


def tool(lab, name, *args):
    return lab.tool(name, "--bootstrap-server", lab.upstream, *args, timeout=180).stdout


@pytest.fixture(scope="module")
def cluster(kraft):
    """Two topics, a classic group with commits (Empty), a KIP-848 group consuming (Stable), an exporter of ours
    with the users' flags minus --zookeeper.server."""
    lab = kraft
    run = uuid.uuid4().hex[:6]
    t = {k: f"it-kraft-{run}-{k}" for k in ("a", "b")}
    g = {"classic": f"kraft-{run}-classic", "new": f"kraft-{run}-848"}
    tool(lab, "kafka-topics", "--create", "--topic", t["a"], "--partitions", "3", "--replication-factor", "1")
    tool(lab, "kafka-topics", "--create", "--topic", t["b"], "--partitions", "1", "--replication-factor", "1")
    for p, n in ((0, 5), (1, 7), (2, 2)):
        lab.kcat("-b", lab.upstream, "-P", "-t", t["a"], "-p", str(p), "-X", "acks=all",
                 input="".join(f"m{i}\n" for i in range(n)))
    lab.kcat("-b", lab.upstream, "-P", "-t", t["b"], "-X", "acks=all", input="x\ny\nz\n")
    tool(lab, "kafka-consumer-groups", "--group", g["classic"], "--reset-offsets", "--topic", t["a"], "--to-offset",
         "1", "--execute")
    # The Java consumer of the new protocol (KIP-848), left running: Stable with one member to Kafka's tools.
    consumer = subprocess.Popen([LAB, "tool", "kafka-console-consumer", "--bootstrap-server", lab.upstream,
                                 "--topic", t["b"], "--group", g["new"], "--from-beginning",
                                 "--consumer-property", "group.protocol=consumer",
                                 "--consumer-property", "auto.commit.interval.ms=500"],
                                env=lab.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    exp = None
    try:
        exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", "--kafka.labels=cluster=upstream"])
        yield {"lab": lab, "t": t, "g": g, "exp": exp, "run": run}
    finally:
        if exp:
            exp.stop()
        os.killpg(consumer.pid, signal.SIGTERM)
        consumer.wait(20)
        lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--delete", "--topic", f"it-kraft-{run}-.*",
                 check=False)


def test_same_families_without_zookeeper(cluster):
    lab, t, g, exp = cluster["lab"], cluster["t"], cluster["g"], cluster["exp"]

    def settled():
        _, m, _ = exp.scrape()
        done = value(m, "kafka_consumergroup_lag", consumergroup=g["new"], topic=t["b"], partition=0) == 0
        return done and m
    m = wait_for("the KIP-848 group to commit all of its topic", settled, 90)
    took, m, text = exp.scrape()
    served = set(re.findall(r"^# TYPE (kafka_\w+) ", text, re.M)) - LIBRARY
    want = {f for f in documented_families() if not ZOOKEEPER_ONLY.match(f)} - KRAFT_ONLY
    assert served == want | KRAFT_ONLY, (sorted(want - served), sorted(served - want))
    assert value(m, "kafka_up") == 1 and value(m, "kafka_collection_success") == 1, exp.logs()
    for c in ("brokers", "topics", "consumergroups"):
        assert value(m, "kafka_scrape_collector_success", collector=c) == 1, (c, exp.logs())

    # kcat -L: brokers, the controller librdkafka is told of (KRaft hands clients a live broker, KIP-590).
    meta = lab.kcat("-b", lab.upstream, "-L").stdout
    brokers = re.findall(r"^\s+broker (\d+) at (\S+)( \(controller\))?$", meta, re.M)
    assert value(m, "kafka_brokers") == len(brokers) == lab.brokers
    for bid, addr, ctl in brokers:
        assert value(m, "kafka_broker_info", id=bid, address=addr) == 1
        if ctl:
            assert value(m, "kafka_controller_id") == int(bid)
    # kafka-topics --describe and kafka-get-offsets: partitions, leaders, ISR, end offsets.
    describe = tool(lab, "kafka-topics", "--describe", "--topic", f"it-kraft-{cluster['run']}-.*")
    rows = re.findall(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: (\d+)\s+Replicas: (\S+)\s+Isr: (\S+)", describe)
    assert len(rows) == 4, describe
    for topic, p, leader, replicas, isr in rows:
        assert value(m, "kafka_topic_partition_leader", topic=topic, partition=p) == int(leader)
        assert value(m, "kafka_topic_partition_replicas", topic=topic, partition=p) == len(replicas.split(","))
        assert value(m, "kafka_topic_partition_in_sync_replica", topic=topic, partition=p) == len(isr.split(","))
    ends = tool(lab, "kafka-get-offsets", "--topic", f"it-kraft-{cluster['run']}-.*", "--time", "-1")
    for line in ends.split():
        topic, p, off = line.rsplit(":", 2)
        assert value(m, "kafka_topic_partition_current_offset", topic=topic, partition=p) == int(off), line
    assert value(m, "kafka_topic_partitions", topic=t["a"]) == 3

    # kafka-consumer-groups: both groups' offsets; the classic one described, the KIP-848 one flagged.
    groups = tool(lab, "kafka-consumer-groups", "--describe", "--group", g["classic"], "--group", g["new"])
    n = 0
    for grp, topic, p, cur, _end, lag in re.findall(r"^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", groups, re.M):
        assert value(m, "kafka_consumergroup_current_offset", consumergroup=grp, topic=topic, partition=p) == int(cur)
        assert value(m, "kafka_consumergroup_lag", consumergroup=grp, topic=topic, partition=p) == int(lag)
        n += 1
    assert n == 4, groups
    states = tool(lab, "kafka-consumer-groups", "--describe", "--group", g["new"], "--state")
    assert re.search(rf"^{g['new']}\s.*\sStable\s+1\s*$", states, re.M), states
    assert value(m, "kafka_consumergroup_undescribed", consumergroup=g["new"]) == 1
    assert series(m, "kafka_consumergroup_state", consumergroup=g["new"]) == []
    assert series(m, "kafka_consumergroup_members", consumergroup=g["new"]) == []
    assert value(m, "kafka_consumergroup_state", consumergroup=g["classic"], state="Empty") == 1
    assert value(m, "kafka_consumergroup_members", consumergroup=g["classic"]) == 0
    assert value(m, "kafka_consumergroup_undescribed", consumergroup=g["classic"]) is None
    lab.report(f"kraft: kafka-exporter serves the {len(want)} documented non-ZooKeeper families "
               f"(+{len(served & KRAFT_ONLY)} KIP-848 flag), scrape {took * 1000:.0f} ms")


def by_cluster(result):
    return {s["metric"].get("cluster"): float(s["value"][1]) for s in result}


def test_quorum_and_controller_in_prometheus(kraft):
    lab = kraft
    ctl = lab.info["ports"]["9094"]
    # Prometheus has had two scrapes of the quorum's high watermark (5 s apart) and sees it move.
    wait_for("the JMX quorum series in Prometheus", lambda: len(
        by_cluster(prom_query(lab.prometheus, "changes(kafka_server_raft_metrics_high_watermark[1m]) > 0"))) == 2, 90, 2)
    for side in ("upstream", "downstream"):
        host = lab.addr("kafka01" if side == "upstream" else "zk01")
        st = lab.tool("kafka-metadata-quorum", "--bootstrap-controller", f"{host}:{ctl}", "describe",
                      "--status").stdout
        got = dict(re.findall(r"^(\w+):\s+(.*)$", st, re.M))
        voters = json.loads(got["CurrentVoters"])
        sel = f'{{cluster="{side}"}}'
        want = {"kafka_server_raft_metrics_current_leader": int(got["LeaderId"]),
                "kafka_server_raft_metrics_current_epoch": int(got["LeaderEpoch"]),
                "kafka_server_raft_metrics_number_of_voters": len(voters),
                "kafka_server_metadataloader_currentcontrollerid": int(got["LeaderId"]),
                "sum(kafka_controller_kafkacontroller_activecontrollercount)": 1,
                "max(kafka_controller_kafkacontroller_fencedbrokercount)": 0,
                "max(kafka_controller_kafkacontroller_activebrokercount)": lab.brokers}
        for expr, v in want.items():
            q = expr.replace(")", f"{sel})") if "(" in expr else expr + sel
            res = prom_query(lab.prometheus, q)
            assert [float(s["value"][1]) for s in res] == [v] * (1 if "(" in expr else lab.brokers), (q, res, st)
        # The committed end: Prometheus' last sample (a 5 s scrape interval, the tool's JVM start between) within
        # 40 records (20 s of NoOps at 2/s) of the tool's.
        hw = max(by_cluster(prom_query(lab.prometheus, f"kafka_server_raft_metrics_high_watermark{sel}")).values())
        assert abs(hw - int(got["HighWatermark"])) <= 40, (hw, st)
        assert by_cluster(prom_query(lab.prometheus, f"kafka_controller_kafkacontroller_newactivecontrollers_total{sel}"))[side] >= 1
    commits = by_cluster(prom_query(lab.prometheus, "max by (cluster) (rate(kafka_server_raft_metrics_high_watermark[1m]))"))
    # NoOp records every 500 ms when idle: ~2/s on a quiet machine, 1.1-1.3/s seen on a fresh lab beside others'.
    assert set(commits) == {"upstream", "downstream"} and all(0.5 <= r <= 20 for r in commits.values()), commits
    lab.report("kraft: metadata quorum commits " + ", ".join(f"{k} {v:.2f}/s" for k, v in sorted(commits.items())) +
               " (NoOp records); Prometheus matches kafka-metadata-quorum on leader, epoch, voters, high watermark")


def alert_exprs():
    import yaml
    doc = yaml.safe_load((TOP / "prometheus" / "rules" / "alerts.yml").read_text())
    return {r["alert"]: r["expr"] for grp in doc["groups"] for r in grp["rules"]
            if grp["name"] == "kraft.alerts" or r.get("alert") == "KafkaNoActiveController"}


def test_kraft_alerts_silent_with_their_inputs_present(kraft):
    lab = kraft
    exprs = alert_exprs()
    assert set(exprs) == {"KafkaNoActiveController", "KafkaKRaftQuorumNotCommitting", "KafkaKRaftVoterLagging"}
    # A few scrapes are enough for the expressions to have their inputs (a fresh lab has no more).
    wait_for("4 samples of the quorum in Prometheus", lambda: len(prom_query(
        lab.prometheus, "count_over_time(kafka_server_raft_metrics_high_watermark[2m]) >= 4")) == 2 * lab.brokers, 120, 2)
    for name, expr in exprs.items():
        assert prom_query(lab.prometheus, expr) == [], name
    # What each alert compares, on the real values: a leader everywhere, commits, no voter behind.
    assert all(v >= 1 for v in by_cluster(prom_query(lab.prometheus, "max by (cluster) (kafka_server_raft_metrics_current_leader)")).values())
    changes = by_cluster(prom_query(lab.prometheus, "max by (cluster) (changes(kafka_server_raft_metrics_high_watermark[2m]))"))
    assert set(changes) == {"upstream", "downstream"} and min(changes.values()) >= 3, changes
    lag = prom_query(lab.prometheus, "(max by (cluster) (kafka_server_raft_metrics_log_end_offset) - on (cluster) group_right "
                          "kafka_server_raft_metrics_log_end_offset) and on (cluster, instance) "
                          "kafka_controller_kafkacontroller_activecontrollercount")
    assert len(lag) == 2 * lab.brokers and all(float(s["value"][1]) <= 100 for s in lag), lag
    # The lab's Prometheus has loaded the rules and none of them is pending or firing.
    with urllib.request.urlopen(f"{lab.prometheus}/api/v1/rules?type=alert", timeout=30) as r:
        rules = {x["name"]: x for grp in json.loads(r.read())["data"]["groups"] for x in grp["rules"]}
    for name in exprs:
        assert rules[name]["health"] == "ok" and rules[name]["state"] == "inactive", rules[name]


def test_dashboard_kraft_row_has_data(kraft):
    dash = dashboards()["kafka-clusters.json"]
    titles = kraft_panels(dash)
    assert len(titles) == 9, titles
    empty = panels_without_data(kraft.prometheus, dash, titles, timeout=60)
    assert not empty, "KRaft row: panels without data:\n" + "\n".join(empty)
