"""The system profile's components (labkit/registry, sink, apps) as functions, and index-audit's parsing and
accounting on canned data (no lab runs here; tests/integration/test_datapath.py runs them for real)."""
import importlib.machinery
import importlib.util
import os

import yaml

from labkit import configs, plan, sink, topology
from labkit.settings import REPO


def audit_module():
    path = os.path.join(REPO, "exporters", "index-audit", "index-audit")
    loader = importlib.machinery.SourceFileLoader("index_audit", path)
    spec = importlib.util.spec_from_loader("index_audit", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def system_plan(monkeypatch, tmp_path):
    monkeypatch.setattr(configs.S, "BUILDS", [str(tmp_path / "no-build")])
    t = topology.topology("system")
    svcs = plan.plan(t)
    for s in svcs:
        s.skip_reason = None
    return t, svcs


def test_only_the_system_profile_has_the_datapath(monkeypatch, tmp_path):
    monkeypatch.setattr(configs.S, "BUILDS", [str(tmp_path / "no-build")])
    default = {s.kind for s in plan.plan(topology.topology("default"))}
    assert not default & {"schema-registry", "opensearch", "app", "index-audit", "elasticsearch-exporter"}
    _, svcs = system_plan(monkeypatch, tmp_path)
    names = {s.name: s for s in svcs}
    for n in ("schema-registry", "opensearch", "elasticsearch-exporter", "producer-1", "consumer-1", "consumer-2",
              "index-audit"):
        assert n in names, n
    # Where the seed puts them: registry and producer-side apps upstream, the sink and consumer-2 downstream.
    assert names["schema-registry"].host == "127.99.10.1" and names["producer-1"].host == "127.99.10.1"
    assert names["opensearch"].host == "127.99.20.1" and names["consumer-2"].host == "127.99.20.1"
    assert all(names[n].stage == "mm2" for n in ("producer-1", "consumer-1", "consumer-2"))
    # No two services share a port on one host.
    seen = {}
    for s in svcs:
        for p in s.ports:
            assert (s.host, p) not in seen, (s.name, seen.get((s.host, p)))
            seen[(s.host, p)] = s.name


def test_apps_point_at_the_right_cluster_registry_and_index(monkeypatch, tmp_path):
    t, svcs = system_plan(monkeypatch, tmp_path)
    names = {s.name: s for s in svcs}
    p1, c2 = names["producer-1"].cmd, names["consumer-2"].cmd
    assert p1[p1.index("--bootstrap") + 1] == t["upstream"]
    assert c2[c2.index("--bootstrap") + 1] == t["downstream"]
    assert c2[c2.index("--opensearch") + 1] == "http://127.99.20.1:9200"
    for cmd in (p1, c2, names["consumer-1"].cmd):
        assert cmd[cmd.index("--registry") + 1] == "http://127.99.10.1:8081/apis/ccompat/v7"
    audit = names["index-audit"].cmd
    assert "--offsets.url=http://127.99.10.1:9308/metrics" in audit and "--index=peter-avro01-kafka1" in audit


def test_the_users_topic_is_mirrored(monkeypatch, tmp_path):
    t, _ = system_plan(monkeypatch, tmp_path)
    import re
    pattern = configs.mm2_connectors(t)["mm2-source"]["topics"]
    assert re.fullmatch(pattern, "peter-avro01-kafka1")


def test_prometheus_scrapes_every_new_part(monkeypatch, tmp_path):
    t, svcs = system_plan(monkeypatch, tmp_path)
    cfg = yaml.safe_load(configs.prometheus_config(t, svcs))
    targets = {j["job_name"]: [x for g in j["static_configs"] for x in g["targets"]] for j in cfg["scrape_configs"]}
    assert targets["schema-registry"] == ["127.99.10.1:8081"]
    assert targets["elasticsearch"] == ["127.99.20.1:9114"]
    assert targets["index-audit"] == ["127.99.20.1:9410"]
    assert sorted(targets["apps"]) == ["127.99.10.1:9401", "127.99.10.1:9402", "127.99.20.1:9403"]
    assert any(r.endswith("rules/datapath.yml") for r in cfg["rule_files"])
    # A default lab has none of these targets: the jobs are left out.
    monkeypatch.setattr(configs.S, "BUILDS", [str(tmp_path / "no-build")])
    td = topology.topology("default")
    dcfg = yaml.safe_load(configs.prometheus_config(td, plan.plan(td)))
    assert not {"schema-registry", "elasticsearch", "index-audit", "apps"} & {j["job_name"] for j in dcfg["scrape_configs"]}


def test_each_datacenters_prometheus_scrapes_and_evaluates_its_part_of_the_path(monkeypatch, tmp_path):
    # The per-datacenter servers (labkit/alerting.py renders the bundle's prometheus-upstream/-downstream.yml):
    # the registry and producer-1/consumer-1 upstream with rules/registry.yml, the index, index-audit and
    # consumer-2 downstream with rules/datapath.yml. Each rule file is evaluated once (not by both).
    from labkit import alerting
    monkeypatch.setattr(alerting, "SCALE", 1)
    t, svcs = system_plan(monkeypatch, tmp_path)
    got = {}
    for name, bundle, host in (("prometheus-up", "prometheus-upstream.yml", topology.up_addr(2)),
                               ("prometheus-down", "prometheus-downstream.yml", topology.dn_addr(1))):
        text, _ = alerting.dc_prometheus_yml(t, svcs, name, bundle, host)
        cfg = yaml.safe_load(text)
        got[name] = ({j["job_name"]: sorted(x for g in j["static_configs"] for x in g["targets"])
                      for j in cfg["scrape_configs"]}, {os.path.basename(r) for r in cfg["rule_files"]})
    (up_jobs, up_rules), (dn_jobs, dn_rules) = got["prometheus-up"], got["prometheus-down"]
    assert up_jobs["schema-registry"] == ["127.99.10.1:8081"]
    assert up_jobs["apps"] == ["127.99.10.1:9401", "127.99.10.1:9402"]
    assert dn_jobs["elasticsearch"] == ["127.99.20.1:9114"] and dn_jobs["index-audit"] == ["127.99.20.1:9410"]
    assert dn_jobs["apps"] == ["127.99.20.1:9403"]
    assert not {"elasticsearch", "index-audit"} & set(up_jobs) and "schema-registry" not in dn_jobs
    assert "registry.yml" in up_rules and "datapath.yml" not in up_rules
    assert "datapath.yml" in dn_rules and "registry.yml" not in dn_rules
    # What rules/datapath.yml reads is all scraped downstream: no upstream series in it.
    with open(os.path.join(REPO, "prometheus", "rules", "datapath.yml")) as f:
        exprs = " ".join(r["expr"] for g in yaml.safe_load(f)["groups"] for r in g["rules"])
    assert 'cluster="upstream"' not in exprs and "schema-registry" not in exprs


def test_opensearch_config_is_single_node_on_its_host():
    t = topology.topology("system")
    y = yaml.safe_load(sink.opensearch_yml(t))
    assert y["network.host"] == "127.99.20.1" and y["discovery.type"] == "single-node"
    assert y["cluster.routing.allocation.disk.threshold_enabled"] is False
    assert "classname=org.opensearch.transport.Netty4Plugin" in sink.PLUGIN_DESCRIPTOR
    assert f"opensearch.version={sink.VERSION}" in sink.PLUGIN_DESCRIPTOR.format(v=sink.VERSION)


KAFKA_EXPORTER = """# HELP kafka_topic_partition_current_offset Current Offset of a Broker at Topic/Partition
# TYPE kafka_topic_partition_current_offset gauge
kafka_topic_partition_current_offset{cluster="upstream",partition="0",topic="peter-avro01-kafka1"} 120
kafka_topic_partition_current_offset{cluster="upstream",partition="1",topic="peter-avro01-kafka1"} 80
kafka_topic_partition_current_offset{cluster="upstream",partition="0",topic="other"} 5
kafka_topic_partition_oldest_offset{cluster="upstream",partition="0",topic="peter-avro01-kafka1"} 20
kafka_topic_partition_oldest_offset{cluster="upstream",partition="1",topic="peter-avro01-kafka1"} 0
kafka_topic_partition_oldest_offset{cluster="upstream",partition="0",topic="other"} 0
"""


def test_audit_reads_offsets_of_its_topics_only():
    m = audit_module()
    offs = m.parse_offsets(KAFKA_EXPORTER, {"peter-avro01-kafka1"})
    assert offs == {("peter-avro01-kafka1", "0"): [20, 120], ("peter-avro01-kafka1", "1"): [0, 80]}
    # A partition with only one of the two series is not counted (no half-known range).
    assert m.parse_offsets(KAFKA_EXPORTER.split("kafka_topic_partition_oldest")[0], {"peter-avro01-kafka1"}) == {}
    assert m.parse_offsets("garbage\n{}\nkafka_topic_partition_current_offset{topic=\"x\"} NaN-ish\n", {"x"}) == {}


class FakeArgs:
    index = ["T"]
    invalid_suffix = "-invalid"
    deadline = 60.0
    timeout = 1.0
    url = "http://127.0.0.1:1"
    offsets_url = "http://127.0.0.1:1/metrics"


def test_audit_missing_is_due_minus_documents_minus_invalid(monkeypatch):
    m = audit_module()
    a = m.Audit(FakeArgs())
    now = m.time.monotonic()
    # 70 s ago partition 0 ended at 100, now at 150; the index holds 97 of the due 100, plus one invalid record.
    a.history.extend([(now - 70, {("T", "0"): [0, 100]}), (now, {("T", "0"): [0, 150]})])
    cur, due = a.due()
    assert due == {("T", "0"): [0, 100]} and cur == {("T", "0"): [0, 150]}
    monkeypatch.setattr(a, "query", lambda cur, due: ({("T", "T", "0"): 140, ("T-invalid", "T", "0"): 1},
                                                      {("T", "0"): 97}, {("T", "T", "0"): 149}))
    text, err = a.render()
    assert err is None
    assert 'index_audit_missing_records{partition="0",topic="T"} 2' in text
    assert 'index_audit_due_records{partition="0",topic="T"} 100' in text
    assert 'index_audit_upstream_records{partition="0",topic="T"} 150' in text


def test_audit_reports_nothing_due_before_it_has_a_deadlines_history(monkeypatch):
    m = audit_module()
    a = m.Audit(FakeArgs())
    a.history.append((m.time.monotonic() - 5, {("T", "0"): [0, 100]}))
    monkeypatch.setattr(a, "query", lambda cur, due: ({}, {}, {}))
    text, _ = a.render()
    assert "index_audit_missing_records" not in text and "index_audit_up 1" in text


def test_audit_index_unreachable_is_up_0_and_no_counts():
    m = audit_module()
    a = m.Audit(FakeArgs())
    a.history.append((m.time.monotonic() - 100, {("T", "0"): [0, 100]}))
    text, err = a.render()
    assert err is not None and "index_audit_up 0" in text and "index_audit_missing_records" not in text


def test_audit_dates_offsets_by_the_exporters_collection(monkeypatch):
    # kafka-exporter answers from its last collection (kafka_collection_age_seconds): the offsets were true that
    # long before the read, so they fall due that much earlier; an exporter without the gauge: dated when read.
    m = audit_module()
    assert m.snapshot_age(KAFKA_EXPORTER + 'kafka_collection_age_seconds{cluster="upstream"} 4.25\n') == 4.25
    assert m.snapshot_age(KAFKA_EXPORTER) == 0.0
    assert m.snapshot_age("kafka_collection_age_seconds NaN\n") == 0.0
    assert m.snapshot_age("kafka_collection_age_seconds -3\n") == 0.0
    a = m.Audit(FakeArgs())

    class Reply:
        def __init__(self, text):
            self.text = text

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return self.text.encode()

    replies = [KAFKA_EXPORTER.replace('"other"', '"T"') + "kafka_collection_age_seconds 4\n",
               KAFKA_EXPORTER.replace('"other"', '"T"') + "kafka_collection_age_seconds 9\n"]
    monkeypatch.setattr(m.urllib.request, "urlopen", lambda url, timeout: Reply(replies.pop(0)))
    before = m.time.monotonic()
    a.sample_offsets()
    a.sample_offsets()  # an older snapshot than the last one read: kept in time order
    assert a.offsets_up == 1 and [o for _, o in a.history] == [{("T", "0"): [0, 5]}] * 2
    assert before - 4 - 0.5 <= a.history[0][0] <= m.time.monotonic() - 4
    assert a.history[1][0] == a.history[0][0]


def test_audit_due_is_the_newest_reading_a_deadline_old_at_each_scrape():
    # Not the oldest reading kept (which is only trimmed when offsets are read): up to --offsets.interval later.
    m = audit_module()
    a = m.Audit(FakeArgs())
    now = m.time.monotonic()
    a.history.extend([(now - 75, {("T", "0"): [0, 90]}), (now - 62, {("T", "0"): [0, 100]}),
                      (now - 55, {("T", "0"): [0, 110]}), (now, {("T", "0"): [0, 150]})])
    cur, due = a.due()
    assert due == {("T", "0"): [0, 100]} and cur == {("T", "0"): [0, 150]}
