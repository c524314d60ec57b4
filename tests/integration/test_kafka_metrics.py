"""kafka-exporter against Kafka's own tools on the lab: every metric family, a lagging group, a group with
commits on only some partitions, an Empty and a Stable group, deleted topics/groups, promtool, no topic creation.
(The under-replicated partition needs 3 brokers: test_kafka_full.py, LAB_FULL=1.)"""
import re
import subprocess
import uuid

import pytest

from helpers import series, value, wait_for
from test_kafka_support import Exporter, exporter_bin


def tool(lab, name, *args):
    return lab.tool(name, "--bootstrap-server", lab.upstream, *args, timeout=180).stdout


@pytest.fixture(scope="module")
def cluster(lab):
    run = uuid.uuid4().hex[:6]
    t = {k: f"kxt-{run}-{k}" for k in ("a", "b", "c", "del")}
    g = {k: f"kxg-{run}-{k}" for k in ("lagging", "partial", "stable", "gone")}
    parts = {"a": 3, "b": 2, "c": 1, "del": 1}
    for k, n in parts.items():
        tool(lab, "kafka-topics", "--create", "--topic", t[k], "--partitions", str(n), "--replication-factor",
             str(lab.brokers))
    counts = {("a", 0): 10, ("a", 1): 20, ("a", 2): 5, ("b", 0): 8, ("b", 1): 4, ("c", 0): 6, ("del", 0): 3}
    for (k, p), n in counts.items():
        lab.kcat("-b", lab.upstream, "-P", "-t", t[k], "-p", str(p), "-X", "acks=all",
                 input="".join(f"m{i}\n" for i in range(n)))
    tool(lab, "kafka-consumer-groups", "--group", g["lagging"], "--reset-offsets", "--topic", t["a"], "--to-offset",
         "3", "--execute")
    tool(lab, "kafka-consumer-groups", "--group", g["partial"], "--reset-offsets", "--topic", f"{t['b']}:0",
         "--to-offset", "5", "--execute")
    tool(lab, "kafka-consumer-groups", "--group", g["gone"], "--reset-offsets", "--topic", t["del"], "--to-offset",
         "1", "--execute")
    consumer = subprocess.Popen(["kcat", "-b", lab.upstream, "-G", g["stable"], "-X", "auto.offset.reset=earliest",
                                 "-X", "auto.commit.interval.ms=500", "-q", t["c"]],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    exp = None
    try:
        exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", f"--zookeeper.server={lab.zk_upstream}",
                                             "--kafka.labels=cluster=upstream", "--scrape.timeout=8s"])
        yield {"t": t, "g": g, "exp": exp, "run": run}
    finally:
        if exp:
            exp.stop()
        consumer.terminate()
        consumer.wait(10)
        lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--delete", "--topic", f"kxt-{run}-.*",
                 check=False)


def test_matches_kafka_tools(lab, cluster):
    t, g, exp = cluster["t"], cluster["g"], cluster["exp"]
    mine = set(t.values())

    # The stable group has consumed and committed everything before the tools look.
    def stable_done():
        _, m, _ = exp.scrape()
        return value(m, "kafka_consumergroup_lag", consumergroup=g["stable"], topic=t["c"], partition=0) == 0 and m
    wait_for("the stable group to commit", stable_done, 60)

    took, m, text = exp.scrape()
    describe = tool(lab, "kafka-topics", "--describe", "--topic", f"kxt-{cluster['run']}-.*")
    ends = tool(lab, "kafka-get-offsets", "--topic", f"kxt-{cluster['run']}-.*", "--time", "-1")
    starts = tool(lab, "kafka-get-offsets", "--topic", f"kxt-{cluster['run']}-.*", "--time", "-2")
    groups = tool(lab, "kafka-consumer-groups", "--describe", "--all-groups")
    states = tool(lab, "kafka-consumer-groups", "--describe", "--all-groups", "--state")
    lab.report(f"kafka-exporter: one scrape of the default lab in {took * 1000:.0f} ms")

    assert value(m, "kafka_up") == 1
    for c in ("brokers", "topics", "consumergroups", "zookeeper"):
        assert value(m, "kafka_scrape_collector_success", collector=c) == 1, (c, exp.logs())
    # --kafka.labels on every sample (build_info is written by the library before the labels are set).
    assert all(lab_.get("cluster") == "upstream" for name, fam in m.items() for lab_, _ in fam
               if name != "kafka_build_info")

    # Brokers and controller: metadata and ZooKeeper agree with the lab.
    assert value(m, "kafka_brokers") == lab.brokers
    assert value(m, "kafka_broker_info", id=1, address=lab.upstream) == 1
    assert value(m, "kafka_controller_id") == value(m, "kafka_zookeeper_controller_id") >= 1
    assert value(m, "kafka_zookeeper_up") == 1 and value(m, "kafka_zookeeper_brokers") == lab.brokers

    # kafka-topics --describe: partitions, leader, replicas, ISR.
    seen = 0
    for line in describe.splitlines():
        head = re.match(r"Topic: (\S+)\s+TopicId: \S+\s+PartitionCount: (\d+)", line.strip())
        if head and head.group(1) in mine:
            assert value(m, "kafka_topic_partitions", topic=head.group(1)) == int(head.group(2))
        row = re.match(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: (-?\d+|none)\s+Replicas: (\S+)\s+Isr: (\S*)",
                       line.strip())
        if not row or row.group(1) not in mine:
            continue
        topic, p, leader, replicas, isr = row.groups()
        replicas, isr = replicas.split(","), [x for x in isr.split(",") if x]
        assert value(m, "kafka_topic_partition_leader", topic=topic, partition=p) == int(leader)
        assert value(m, "kafka_topic_partition_replicas", topic=topic, partition=p) == len(replicas)
        assert value(m, "kafka_topic_partition_in_sync_replica", topic=topic, partition=p) == len(isr)
        assert value(m, "kafka_topic_partition_leader_is_preferred", topic=topic, partition=p) == \
            (1 if leader == replicas[0] else 0)
        assert value(m, "kafka_topic_partition_under_replicated_partition", topic=topic, partition=p) == \
            (1 if len(isr) < len(replicas) else 0)
        assert value(m, "kafka_topic_partition_offline", topic=topic, partition=p) == 0
        assert value(m, "kafka_topic_partition_under_min_isr", topic=topic, partition=p) == 0
        seen += 1
    assert seen == 7
    assert value(m, "kafka_topic_min_insync_replicas", topic=t["a"]) >= 1

    # GetOffsetShell: end (-1) and start (-2) offsets.
    for text_, name in ((ends, "kafka_topic_partition_current_offset"), (starts, "kafka_topic_partition_oldest_offset")):
        n = 0
        for line in text_.split():
            topic, p, off = line.rsplit(":", 2)
            if topic in mine:
                assert value(m, name, topic=topic, partition=p) == int(off), line
                n += 1
        assert n == 7
    assert value(m, "kafka_topic_partition_current_offset", topic=t["a"], partition=1) == 20

    # kafka-consumer-groups --describe: committed offsets and lag; no series where the tool shows none.
    want = {}
    for line in groups.splitlines():
        f = line.split()
        if len(f) >= 6 and f[0] in g.values() and f[2].isdigit():
            want[(f[0], f[1], f[2])] = (f[3], f[5])
    assert len(want) >= 3 + 1 + 1 + 1, groups
    for (grp, topic, p), (cur, lag) in want.items():
        if cur == "-":
            assert value(m, "kafka_consumergroup_current_offset", consumergroup=grp, topic=topic, partition=p) is None
            continue
        assert value(m, "kafka_consumergroup_current_offset", consumergroup=grp, topic=topic, partition=p) == int(cur)
        assert value(m, "kafka_consumergroup_lag", consumergroup=grp, topic=topic, partition=p) == int(lag)
    for grp in (g["lagging"], g["partial"], g["stable"]):
        got = {(lab_["topic"], lab_["partition"]) for lab_, _ in series(m, "kafka_consumergroup_current_offset",
                                                                        consumergroup=grp)}
        assert got == {(tp, p) for (gg, tp, p), (cur, _) in want.items() if gg == grp and cur != "-"}, grp
    assert value(m, "kafka_consumergroup_lag_sum", consumergroup=g["lagging"], topic=t["a"]) == 7 + 17 + 2
    assert value(m, "kafka_consumergroup_current_offset_sum", consumergroup=g["lagging"], topic=t["a"]) == 9
    assert value(m, "kafka_consumergroup_lag", consumergroup=g["partial"], topic=t["b"], partition=0) == 3
    assert value(m, "kafka_consumergroup_lag", consumergroup=g["partial"], topic=t["b"], partition=1) is None
    for lab_, v in m.get("kafka_consumergroup_lag", []):
        assert v >= 0, lab_

    # --state: state and member count.
    for line in states.splitlines():
        f = line.split()
        if f and f[0] in g.values():
            grp, state, members = f[0], f[-2], int(f[-1])
            assert value(m, "kafka_consumergroup_state", consumergroup=grp, state=state) == 1, line
            assert value(m, "kafka_consumergroup_members", consumergroup=grp) == members, line
    assert value(m, "kafka_consumergroup_state", consumergroup=g["lagging"], state="Empty") == 1
    assert value(m, "kafka_consumergroup_state", consumergroup=g["stable"], state="Stable") == 1
    assert value(m, "kafka_consumergroup_members", consumergroup=g["stable"]) == 1

    # promtool's linter accepts the exposition.
    r = subprocess.run(["promtool", "check", "metrics"], input=text, text=True, capture_output=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_commits_from_the_topic_equal_offsetfetch(lab, cluster):
    """The default (--consumergroup.offsets-source=auto) reads the commits from __consumer_offsets once its reader
    has read the topic to the end; the old path (one OffsetFetch per group) answers the same values."""
    t, g, exp = cluster["t"], cluster["g"], cluster["exp"]

    def groups_of(m):
        return {fam: {tuple(sorted(lab_.items())): v for lab_, v in m.get(fam, []) if lab_["consumergroup"] in g.values()}
                for fam in ("kafka_consumergroup_current_offset", "kafka_consumergroup_lag",
                            "kafka_consumergroup_current_offset_sum", "kafka_consumergroup_lag_sum")}
    old = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", "--kafka.labels=cluster=upstream",
                                         "--consumergroup.offsets-source=offsetfetch"])
    try:
        # The stable group commits every 500 ms: compare two scrapes taken while its offset stands still.
        def same():
            _, m, _ = exp.scrape()
            _, m2, _ = old.scrape()
            return groups_of(m) == groups_of(m2) and (m, m2)
        m, m2 = wait_for("both sources to agree", same, 30)
        assert value(m, "kafka_consumergroup_offsets_source", source="topic") == 1, exp.logs()
        assert value(m, "kafka_consumergroup_offsets_source", source="offsetfetch") == 0
        assert value(m2, "kafka_consumergroup_offsets_source", source="offsetfetch") == 1
        assert value(m, "kafka_consumergroup_offsets_malformed_records_total") == 0
        assert value(m2, "kafka_consumergroup_offsets_malformed_records_total") is None
        assert value(m, "kafka_consumergroup_lag_sum", consumergroup=g["lagging"], topic=t["a"]) == 7 + 17 + 2
        assert value(m, "kafka_collection_success") == 1
        assert "commits read from __consumer_offsets" in exp.logs()
    finally:
        old.stop()


def test_deleted_topic_and_group_disappear(lab, cluster):
    t, g, exp = cluster["t"], cluster["g"], cluster["exp"]
    _, m, _ = exp.scrape()
    assert value(m, "kafka_consumergroup_current_offset", consumergroup=g["gone"], topic=t["del"], partition=0) == 1
    tool(lab, "kafka-consumer-groups", "--delete", "--group", g["gone"])
    tool(lab, "kafka-topics", "--delete", "--topic", t["del"])

    def gone():
        _, m, text = exp.scrape()
        return t["del"] not in text and g["gone"] not in text and value(m, "kafka_up") == 1
    wait_for("the deleted topic and group to leave the output", gone, 60)


def test_never_creates_topics(lab, cluster):
    ghost = f"kxt-{cluster['run']}-ghost"
    exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", f"--topic.filter=^{ghost}$",
                                         f"--group.filter=^{ghost}$"])
    try:
        for _ in range(3):
            _, m, _ = exp.scrape()
            assert value(m, "kafka_up") == 1
            assert "kafka_topic_partitions" not in m
    finally:
        exp.stop()
    assert ghost not in lab.kcat("-b", lab.upstream, "-L").stdout


def test_zookeeper_only_bootstrap(lab, cluster):
    """No --kafka.server: the brokers come from /brokers/ids under the chroot."""
    exp = Exporter(lab.addr("kafka01"), [f"--zookeeper.server={lab.zk_upstream}", "--scrape.timeout=8s"])
    try:
        m = wait_for("kafka_up 1 from ZooKeeper alone",
                     lambda: (lambda m: value(m, "kafka_up") == 1 and m)(exp.scrape()[1]), 30)
        assert value(m, "kafka_brokers") == lab.brokers
        assert value(m, "kafka_topic_partitions", topic=cluster["t"]["a"]) == 3
        assert value(m, "kafka_zookeeper_broker_registered", id=1) == 1
        assert "brokers from zookeeper" in exp.logs()
    finally:
        exp.stop()


def test_memory_flat_over_many_scrapes(lab, cluster):
    """danielqsj/kafka_exporter's #385: memory growth. Ours holds per scrape only what the scrape needs."""
    exp = cluster["exp"]

    def rss_kb():
        with open(f"/proc/{exp.proc.pid}/status") as f:
            return int(next(x for x in f if x.startswith("VmRSS:")).split()[1])
    # As fast as they come (collections go on beside them every 500 ms): scrapes and collections both.
    for _ in range(50):
        exp.scrape(fresh=False)
    before = rss_kb()
    for _ in range(250):
        exp.scrape(fresh=False)
    after = rss_kb()
    lab.report(f"kafka-exporter RSS: {before / 1024:.1f} MiB after 50 scrapes, {after / 1024:.1f} MiB after 300")
    assert after - before < 2048, (before, after)


def test_filters_are_go_regexps(lab, cluster):
    """danielqsj's filters are Go regexps: \\w, (?i), (?:...) and a lazy quantifier mean here what they mean
    there (before, `\\w` was a plain `w` to POSIX and such a filter matched nothing). The expected sets come
    from Python's re, which reads these patterns as Go does."""
    t, g, run = cluster["t"], cluster["g"], cluster["run"]
    topic_in, topic_out = rf"^kxt-{run}-\w+?$", r"(?i)-(B|DEL)$"
    group_in, group_out = rf"^kxg-{run}-(?:lagging|partial|stable)$", r"(?i)STABLE"
    exp = Exporter(lab.addr("kafka01"), [f"--kafka.server={lab.upstream}", f"--topic.filter={topic_in}",
                                         f"--topic.exclude={topic_out}", f"--group.filter={group_in}",
                                         f"--group.exclude={group_out}"])
    try:
        def py(pattern):
            return re.compile(pattern.replace("(?i)", ""), re.I if "(?i)" in pattern else 0)
        want_topics = {x for x in t.values() if py(topic_in).search(x) and not py(topic_out).search(x)}
        # The partial group committed only on topic b, which the topic filter drops: no series of its own.
        want_groups = {x for x in (g["lagging"], g["stable"]) if py(group_in).search(x) and not py(group_out).search(x)}
        assert want_topics == {t["a"], t["c"]} and want_groups == {g["lagging"]}

        def seen():
            _, m, _ = exp.scrape()
            return ({lab_["topic"] for lab_, _ in series(m, "kafka_topic_partitions")},
                    {lab_["consumergroup"] for lab_, _ in series(m, "kafka_consumergroup_current_offset")})
        topics, groups = wait_for("the filtered topics and groups", lambda: (lambda s: s[0] and s[1] and s)(seen()), 30)
        assert topics == want_topics, (topics, want_topics)
        assert groups == want_groups, (groups, want_groups)
    finally:
        exp.stop()
    # A pattern Go accepts but POSIX cannot express stops the exporter at start, the flag named.
    r = subprocess.run([exporter_bin(), "--web.listen-address=127.0.0.1:0", f"--kafka.server={lab.upstream}",
                        r"--group.filter=^\p{Lu}"], stderr=subprocess.PIPE, text=True, timeout=30)
    assert r.returncode == 2 and "--group.filter" in r.stderr, r.stderr
