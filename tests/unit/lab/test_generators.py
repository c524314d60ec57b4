"""The lab's config generators as functions of the topology: what each service is told, checked against the
topology and the bundle files themselves (no lab runs here)."""
import os
import re
import shutil
import subprocess

import pytest
import yaml

from labkit import configs, plan, topology
from labkit.exporters import check_flags
from labkit.service import Service
from labkit.settings import REPO, LabError
from labkit.util import props


def all_started(profile, monkeypatch, tmp_path):
    """The profile's topology and plan, with every service counted as started (no binaries needed)."""
    monkeypatch.setattr(configs.S, "BUILDS", [str(tmp_path / "no-build")])
    t = topology.topology(profile)
    svcs = plan.plan(t)
    for s in svcs:
        s.skip_reason = None
    return t, svcs


def parse_props(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.split("=", 1)
            out[k] = v
    return out


# ------------------------------------------------------------------------------------------------ brokers
def test_no_lab_port_is_one_debians_monitoring_packages_bind_on_every_address(monkeypatch, tmp_path):
    # prometheus :9090, prometheus-node-exporter :9100, prometheus-alertmanager :9093 and :9094 listen on
    # 0.0.0.0/[::] when they run: a lab service on the same port at any address could not start beside them.
    for profile in ("default", "full", "kraft"):
        t, svcs = all_started(profile, monkeypatch, tmp_path)
        assert not {p for s in svcs for p in s.ports} & {9090, 9100, 9093, 9094}, profile
        for side in ("upstream", "downstream"):
            for listener in configs.broker_props(t, side, 1)["listeners"].split(","):
                assert int(listener.rsplit(":", 1)[1]) not in {9090, 9100, 9093, 9094}, listener


def test_default_upstream_broker_listens_direct_and_advertises_the_wan_proxy():
    t = topology.topology("default")
    p = configs.broker_props(t, "upstream", 1)
    listeners = p["listeners"].split(",")
    assert "PLAINTEXT://127.99.10.1:9092" in listeners and "WAN://127.99.10.1:19093" in listeners
    assert "WAN://127.99.30.1:19093" in p["advertised.listeners"].split(",")
    assert p["zookeeper.connect"] == "127.99.20.1:2181/kafka3"
    assert p["broker.id"] == 1 and p["default.replication.factor"] == 1
    assert p["offsets.topic.replication.factor"] == 1 and p["transaction.state.log.min.isr"] == 1
    # Every listener name has a protocol.
    names = {x.split("://")[0] for x in listeners}
    assert names == {x.split(":")[0] for x in p["listener.security.protocol.map"].split(",")}


def test_downstream_broker_has_no_wan_listener_and_its_own_chroot():
    p = configs.broker_props(topology.topology("default"), "downstream", 1)
    assert p["listeners"] == p["advertised.listeners"] == "PLAINTEXT://127.99.20.1:9092"
    assert p["zookeeper.connect"] == "127.99.20.1:2181/kafka4"
    assert p["log.dirs"].endswith("/data/zk01")


def test_full_profile_replicates_three_ways_over_a_three_node_ensemble():
    t = topology.topology("full")
    ids = set()
    for n in (1, 2, 3):
        p = configs.broker_props(t, "upstream", n)
        ids.add(p["broker.id"])
        assert p["default.replication.factor"] == 3 and p["transaction.state.log.min.isr"] == 2
        assert p["zookeeper.connect"] == ",".join(f"127.99.20.{i}:2181" for i in (1, 2, 3)) + "/kafka3"
    assert ids == {1, 2, 3}
    cfg = configs.zk_cfg(t, 2, 3)
    assert cfg["clientPortAddress"] == "127.99.20.2"
    assert [cfg[f"server.{i}"] for i in (1, 2, 3)] == [f"127.99.20.{i}:2888:3888" for i in (1, 2, 3)]
    with open(os.path.join(cfg["dataDir"], "myid")) as f:
        assert f.read() == "2\n"


def test_kraft_broker_is_its_own_controller_without_zookeeper():
    t = topology.topology("kraft")
    p = configs.broker_props(t, "downstream", 1)
    assert "zookeeper.connect" not in p and "broker.id" not in p
    assert p["process.roles"] == "broker,controller" and p["node.id"] == 1
    assert p["controller.quorum.voters"] == "1@127.99.20.1:19094"
    assert "CONTROLLER://127.99.20.1:19094" in p["listeners"].split(",")
    assert "CONTROLLER:PLAINTEXT" in p["listener.security.protocol.map"].split(",")


def test_properties_text_reads_back_as_written():
    p = configs.broker_props(topology.topology("default"), "upstream", 1)
    assert parse_props(props(p)) == {k: str(v) for k, v in p.items()}


@pytest.mark.parametrize("profile", ["default", "full", "kraft"])
def test_every_port_a_config_binds_is_a_planned_port_and_none_is_planned_twice(profile, monkeypatch, tmp_path):
    # `up` checks the planned ports before starting anything: a port a config binds outside the plan
    # would escape that check.
    t, svcs = all_started(profile, monkeypatch, tmp_path)
    planned = [(s.host, p) for s in svcs for p in s.ports]
    assert len(planned) == len(set(planned)), sorted(x for x in planned if planned.count(x) > 1)
    binds = []
    for side, prefix in (("upstream", "kafka0"), ("downstream", "zk0")):
        for n in range(1, t["brokers"] + 1):
            for listener in configs.broker_props(t, side, n)["listeners"].split(","):
                host, port = listener.split("://")[1].rsplit(":", 1)
                binds.append((host, int(port)))
    host, port = configs.connect_props(t)["listeners"].split("://")[1].rsplit(":", 1)
    binds.append((host, int(port)))
    assert set(binds) <= set(planned), set(binds) - set(planned)


# ------------------------------------------------------------------------------------------- connectors
def test_mm2_reads_upstream_over_the_wan_and_writes_downstream():
    t = topology.topology("full")
    c = configs.mm2_connectors(t)
    assert set(c) == {"mm2-source", "mm2-checkpoint", "mm2-heartbeat", "mm2-heartbeat-upstream"}
    for name, cfg in c.items():
        # Connect's REST API takes a map of strings.
        assert all(isinstance(v, str) for v in cfg.values()), name
        assert cfg["replication.factor"] == "3", name
    src = c["mm2-source"]
    assert src["source.cluster.bootstrap.servers"] == ",".join(f"127.99.30.{i}:19093" for i in (1, 2, 3))
    assert src["target.cluster.bootstrap.servers"] == t["downstream"]
    assert src["connector.class"] == "org.apache.kafka.connect.mirror.MirrorSourceConnector"
    for topic in ("T", "load", "mirror-probe", "lab-seed", "it-x", "test-y"):
        assert re.fullmatch(src["topics"], topic), topic
    for topic in ("connect-configs", "heartbeats-x", "Tx"):
        assert not re.fullmatch(src["topics"], topic), topic
    hb = c["mm2-heartbeat-upstream"]
    assert hb["producer.override.bootstrap.servers"] == t["upstream"]
    assert (hb["source.cluster.alias"], hb["target.cluster.alias"]) == ("dst", "src")


def test_connect_worker_listens_where_the_lab_and_its_health_check_look():
    t = topology.topology("default")
    p = configs.connect_props(t)
    assert p["listeners"] == t["connect"] == "http://127.99.20.1:8083"
    assert p["bootstrap.servers"] == t["downstream"]
    assert p["connector.client.config.override.policy"] == "All"


# ------------------------------------------------------------------------------------------- Prometheus
def bundle(name="prometheus.yml"):
    with open(os.path.join(REPO, "prometheus", name)) as f:
        return yaml.safe_load(f)


def lab_host(t, target):
    host, port = target.rsplit(":", 1)
    return f"{t['hosts'][host]}:{topology.LAB_PORTS.get(int(port), port)}"


def test_prometheus_config_is_the_bundles_with_lab_addresses(monkeypatch, tmp_path):
    t, svcs = all_started("full", monkeypatch, tmp_path)
    got = yaml.safe_load(configs.prometheus_config(t, svcs))
    want = bundle()
    # The data path's jobs have targets only in the system profile (tests/unit/lab/test_datapath.py).
    want["scrape_configs"] = [j for j in want["scrape_configs"]
                              if j["job_name"] not in ("schema-registry", "elasticsearch", "index-audit", "apps")]
    assert got["global"] == want["global"]
    assert [j["job_name"] for j in got["scrape_configs"]] == [j["job_name"] for j in want["scrape_configs"]]
    for g, w in zip(got["scrape_configs"], want["scrape_configs"]):
        # Everything but the addresses is the bundle's: honor_labels, timeouts, relabelling, labels.
        assert {k: v for k, v in g.items() if k != "static_configs"} == \
               {k: v for k, v in w.items() if k != "static_configs"}
        assert [x["labels"] for x in g["static_configs"]] == [x["labels"] for x in w["static_configs"]]
        for gs, ws in zip(g["static_configs"], w["static_configs"]):
            assert gs["targets"] == [lab_host(t, x) for x in ws["targets"]]
    ke = next(j for j in got["scrape_configs"] if j["job_name"] == "kafka-exporter")
    assert ke["honor_labels"] is True


def test_prometheus_config_leaves_out_targets_the_lab_does_not_run(monkeypatch, tmp_path):
    t, svcs = all_started("default", monkeypatch, tmp_path)
    next(s for s in svcs if s.name == "mirror-exporter").skip_reason = "binary missing"
    got = yaml.safe_load(configs.prometheus_config(t, svcs))
    jobs = {j["job_name"]: [x for sc in j["static_configs"] for x in sc["targets"]] for j in got["scrape_configs"]}
    assert "mirror-exporter" not in jobs
    assert jobs["kafka-jmx"] == ["127.99.10.1:7071", "127.99.20.1:7071"]  # one broker per side: no kafka02
    assert jobs["node"] == ["127.99.10.1:19100", "127.99.20.1:19100"]
    assert jobs["prometheus"] == ["127.99.10.1:19090"]


def test_prometheus_config_passes_promtool(monkeypatch, tmp_path):
    t, svcs = all_started("default", monkeypatch, tmp_path)
    path = tmp_path / "prometheus.yml"
    path.write_text(configs.prometheus_config(t, svcs))
    assert all(os.path.isabs(r) and os.path.exists(r) for r in yaml.safe_load(path.read_text())["rule_files"])
    r = subprocess.run(["promtool", "check", "config", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_prometheus_config_leaves_out_a_broken_rules_file_and_says_so(monkeypatch, tmp_path):
    t, svcs = all_started("default", monkeypatch, tmp_path)
    repo = tmp_path / "repo"
    shutil.copytree(os.path.join(REPO, "prometheus"), repo / "prometheus")
    (repo / "prometheus" / "rules" / "zz-broken.yml").write_text("groups:\n  - name: x\n    rules:\n      - alert: [\n")
    monkeypatch.setattr(configs, "REPO", str(repo))
    got = yaml.safe_load(configs.prometheus_config(t, svcs))
    assert sorted(os.path.basename(r) for r in got["rule_files"]) == sorted(
        os.listdir(os.path.join(REPO, "prometheus", "rules")))
    prom = next(s for s in svcs if s.name == "prometheus")
    assert "zz-broken.yml" in prom.note


def test_prometheus_config_rejects_a_host_outside_the_layout(monkeypatch, tmp_path):
    t, svcs = all_started("default", monkeypatch, tmp_path)
    repo = tmp_path / "repo"
    (repo / "prometheus").mkdir(parents=True)
    (repo / "prometheus" / "p.yml").write_text("scrape_configs:\n  - job_name: x\n    static_configs:\n"
                                                "      - targets: [kafka09:9100]\n")
    monkeypatch.setattr(configs, "REPO", str(repo))
    with pytest.raises(LabError, match="kafka09"):
        configs.prometheus_config(t, svcs, "p.yml")


def test_datacenter_config_keeps_only_alertmanagers_and_remote_write_the_lab_runs(monkeypatch, tmp_path):
    # A component that runs the downstream datacenter's server adds its services; the bundle file does the rest.
    monkeypatch.setattr(plan, "COMPONENTS", [])  # the core alone (labkit/alerting adds these parts for real)
    t, svcs = all_started("default", monkeypatch, tmp_path)
    dn = topology.dn_addr
    svcs += [Service("prometheus-dn", "prometheus", dn(1), [19090]), Service("am-dn", "alertmanager", dn(1), [9193])]
    got = yaml.safe_load(configs.prometheus_config(t, svcs, "prometheus-downstream.yml"))
    assert got["global"]["external_labels"] == {"datacenter": "downstream"}
    assert got["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["127.99.20.1:9193"]
    assert "remote_write" not in got
    svcs.append(Service("vm", "victoriametrics", dn(2), [8428]))
    got = yaml.safe_load(configs.prometheus_config(t, svcs, "prometheus-downstream.yml"))
    assert [w["url"] for w in got["remote_write"]] == ["http://127.99.20.2:8428/api/v1/write"]
    assert got["remote_write"][0]["write_relabel_configs"] == bundle("prometheus-downstream.yml")[
        "remote_write"][0]["write_relabel_configs"]
    assert {j["job_name"] for j in got["scrape_configs"]} >= {"prometheus", "alertmanager", "victoriametrics"}


# ------------------------------------------------------------------------------------------- exporter flags
def fake_exporter(tmp_path, help_text):
    p = tmp_path / "exporter"
    p.write_text("#!/bin/sh\ncat <<'EOF'\n" + help_text + "\nEOF\n")
    p.chmod(0o755)
    return str(p)


def test_check_flags_accepts_listed_flags_and_names_every_unlisted_one(tmp_path):
    exe = fake_exporter(tmp_path, "  --web.listen-address=ADDR  where\n  --[no-]collector.cpu  cpu\n"
                                  "  --kafka.server.timeout=D  timeout\n")
    check_flags(exe, ["--web.listen-address=127.0.0.1:1", "--collector.cpu", "--no-collector.cpu"])
    # --kafka.server is a substring of --kafka.server.timeout; that is not listing it.
    with pytest.raises(LabError) as e:
        check_flags(exe, ["--web.listen-address=x", "--kafka.server=a:9092", "--probe.topic=p"])
    assert "--kafka.server --probe.topic" in str(e.value) and "rebuild" in str(e.value)


def test_check_flags_fails_on_a_binary_without_help(tmp_path):
    with pytest.raises(LabError, match="printed nothing"):
        check_flags(fake_exporter(tmp_path, ""), ["--web.listen-address=x"])


def test_plan_refuses_a_built_exporter_that_lacks_a_flag(monkeypatch, tmp_path):
    build = tmp_path / "build"
    d = build / "exporters" / "mirror-exporter"
    d.mkdir(parents=True)
    shutil.copy(fake_exporter(tmp_path, "--web.listen-address=A\n--source.kafka.server=S\n"), d / "mirror-exporter")
    monkeypatch.setattr(configs.S, "BUILDS", [str(build)])
    with pytest.raises(LabError, match="mirror-exporter does not list --target.kafka.server"):
        plan.plan(topology.topology("default"))


# ------------------------------------------------------------------------------------------- where to look
def test_where_lines_give_real_urls_and_the_next_step_that_fits(monkeypatch, tmp_path):
    from labkit import up
    t, svcs = all_started("default", monkeypatch, tmp_path)
    monkeypatch.setattr(up, "http", lambda method, url, timeout=0: (200 if "/classic/" in url else 404, ""))
    with_load = "\n".join(up.where(t, svcs, True))
    assert "http://127.99.10.1:19090/classic/targets" in with_load and "/consoles/index.html" in with_load
    for url in ("http://127.99.10.1:19100/metrics", "http://127.99.20.1:19100/metrics",
                "http://127.99.10.1:9308/metrics", "http://127.99.20.1:9308/metrics", "http://127.99.20.1:9309/metrics"):
        assert url in with_load, url
    assert "load start" not in with_load and "load stop" in with_load
    assert "lab/lab load start" in "\n".join(up.where(t, svcs, False))
    # A build whose UI is at the root (no /classic/).
    monkeypatch.setattr(up, "http", lambda method, url, timeout=0: (404 if "/classic/" in url else 200, ""))
    assert "http://127.99.10.1:19090/targets" in "\n".join(up.where(t, svcs, False))


# ------------------------------------------------------------------------------------------ kerberos, oauth
def test_sasl_plaintext_listener_with_gssapi_and_oauthbearer_and_the_kdc_first(tmp_path):
    """Realm material made for real (kdb5_util, kadmin.local, openssl); the KDC and the token endpoint start at
    stage infra, the broker's JVM reads the lab's krb5.conf, its listener validates tokens against the JWKS."""
    from labkit import kerberos, oauth, settings
    t = topology.topology("default")
    t["kerberos"] = kerberos.ensure_material(settings.STATE, "127.99", 1, topology.up_addr)
    t["oauth"] = oauth.ensure_material(settings.STATE, "127.99", topology.up_addr)
    p = configs.broker_props(t, "upstream", 1)
    assert "SASL_PLAINTEXT://127.99.10.1:9097" in p["listeners"].split(",")
    assert "SASL_PLAINTEXT:SASL_PLAINTEXT" in p["listener.security.protocol.map"].split(",")
    assert p["listener.name.sasl_plaintext.sasl.enabled.mechanisms"] == "GSSAPI,OAUTHBEARER"
    jaas = p["listener.name.sasl_plaintext.gssapi.sasl.jaas.config"]
    assert 'principal="kafka/127.99.10.1@LAB.TEST"' in jaas and os.path.exists(t["kerberos"]["files"]["kafka01_keytab"])
    assert p["listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url"] == \
        "http://127.99.10.1:8180/jwks"
    assert "listener.name.sasl_plaintext.sasl.enabled.mechanisms" not in configs.broker_props(t, "downstream", 1)
    svcs = plan.plan(t)
    infra = [s.name for s in svcs if s.stage == "infra"]
    assert infra == ["kdc", "oidc"]
    kdc = next(s for s in svcs if s.name == "kdc")
    assert kdc.env["KRB5_KDC_PROFILE"].endswith("/kerberos/kdc.conf") and kdc.ports == [1088]
    broker = next(s for s in svcs if s.name == "kafka01")
    assert f"-Djava.security.krb5.conf={t['kerberos']['files']['krb5_conf']}" in broker.cmd and 9097 in broker.ports
    # Made once: a second call keeps the keys (a running KDC and brokers keep working).
    again = kerberos.ensure_material(settings.STATE, "127.99", 1, topology.up_addr)
    assert again == t["kerberos"]
