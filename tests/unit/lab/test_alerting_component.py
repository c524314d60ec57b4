"""labkit/alerting.py as functions: the per-datacenter Prometheus configs and the Alertmanager config rendered from
the bundle pass promtool/amtool, point at the lab's services, and scale only the waits the lab may scale."""
import os
import shutil
import subprocess

import pytest
import yaml

from labkit import alerting, configs, plan, topology
from labkit.settings import REPO
from labkit.util import write


def started(monkeypatch, tmp_path, profile="default"):
    monkeypatch.setattr(configs.S, "BUILDS", [str(tmp_path / "no-build")])
    t = topology.topology(profile)
    svcs = plan.plan(t)
    for s in svcs:
        s.skip_reason = None
    return t, svcs


def rendered(monkeypatch, tmp_path):
    t, svcs = started(monkeypatch, tmp_path)
    out = alerting.configs(t, svcs)
    conf = os.path.join(configs.S.STATE, "conf")
    for name, text in out.items():
        write(os.path.join(conf, name), text)
    return conf, out


@pytest.mark.parametrize("profile", ["default", "full", "kraft", "system"])
def test_no_two_services_share_an_address(monkeypatch, tmp_path, profile):
    _, svcs = started(monkeypatch, tmp_path, profile)
    seen = {}
    for s in svcs:
        for p in s.ports:
            assert (s.host, p) not in seen, f"{s.name} and {seen[(s.host, p)]} on {s.host}:{p}"
            seen[(s.host, p)] = s.name
    names = {s.name for s in svcs}
    assert {"prometheus-up", "prometheus-down", "alertmanager-up", "alertmanager-down", "victoriametrics",
            "alert-webhook"} <= names


def test_scaled_durations():
    assert alerting.SCALE == 6
    assert [alerting.scaled(d) for d in ("1m", "30s", "2m", "5m", "2m30s", "1s")] == \
        ["10s", "5s", "20s", "50s", "25s", "1s"]


def test_lab_rules_scale_for_but_not_where_a_window_decides(monkeypatch, tmp_path):
    _, text = alerting.lab_rules(os.path.join(REPO, "prometheus", "rules", "mirror.yml"))
    rules = {r["alert"]: r for g in yaml.safe_load(text)["groups"] for r in g["rules"] if "alert" in r}
    assert rules["MirrorProbesStalled"]["for"] == "10s" and rules["MirrorHeartbeatStale"]["for"] == "10s"
    # Range windows: the bundle's own `for` (MirrorLatencyHigh's outlasts its 5m window on purpose;
    # MirrorTopicStalled's 5m after a probe stall).
    assert rules["MirrorTopicStalled"]["for"] == "2m"
    assert rules["MirrorProbesStalled"]["keep_firing_for"] == "10s"
    assert rules["MirrorLatencyHigh"]["for"] == "10m" and rules["MirrorCheckpointsStale"]["for"] == "5m"
    with open(os.path.join(REPO, "prometheus", "rules", "mirror.yml")) as f:
        bundle = {r["alert"]: r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r}
    assert {k: r["expr"] for k, r in rules.items()} == {k: r["expr"] for k, r in bundle.items()}


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool not installed (scripts/install-deps)")
def test_datacenter_configs_check_and_reach_the_lab(monkeypatch, tmp_path):
    conf, out = rendered(monkeypatch, tmp_path)
    for name, host, dc in (("prometheus-up", "127.99.10.2", "upstream"), ("prometheus-down", "127.99.20.1",
                                                                         "downstream")):
        path = os.path.join(conf, f"{name}.yml")
        r = subprocess.run(["promtool", "check", "config", path], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        cfg = yaml.safe_load(out[f"{name}.yml"])
        assert cfg["global"]["external_labels"] == {"datacenter": dc}
        assert cfg["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == \
            ["127.99.10.1:9193", "127.99.20.1:9193"]
        assert [w["url"] for w in cfg["remote_write"]] == ["http://127.99.20.2:8428/api/v1/write"]
        jobs = {j["job_name"]: j for j in cfg["scrape_configs"]}
        assert jobs["prometheus"]["static_configs"][0]["targets"] == [f"{host}:{topology.PROMETHEUS_PORT}"]
        assert all(r.startswith(os.path.join(conf, "rules-lab")) for r in cfg["rule_files"])
        assert ("mirror-exporter" in jobs) == (dc == "downstream")


@pytest.mark.skipif(not shutil.which("amtool"), reason="amtool not installed (scripts/install-deps)")
def test_alertmanager_config_checks_and_notifies_the_recorder(monkeypatch, tmp_path):
    conf, out = rendered(monkeypatch, tmp_path)
    r = subprocess.run(["amtool", "check-config", os.path.join(conf, "alertmanager.yml")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "1 templates" in r.stdout, r.stdout + r.stderr
    cfg = yaml.safe_load(out["alertmanager.yml"])
    urls = [w["url"] for rcv in cfg["receivers"] for w in rcv["webhook_configs"]]
    assert urls == [f"http://127.99.20.3:9097/{n}" for n in ("oncall-upstream", "oncall-downstream", "tickets")]
    assert cfg["route"]["group_wait"] == "5s" and cfg["route"]["group_interval"] == "20s"
    # What the lab does not scale: repeats (a notification must not come twice) and the inhibitions.
    with open(os.path.join(REPO, "prometheus", "alertmanager.yml")) as f:
        bundle = yaml.safe_load(f)
    assert cfg["route"]["repeat_interval"] == bundle["route"]["repeat_interval"]
    assert cfg["inhibit_rules"] == bundle["inhibit_rules"]


def test_alertmanager_peers_gossip_with_each_other(monkeypatch, tmp_path):
    _, svcs = started(monkeypatch, tmp_path)
    peers = {s.name: s for s in svcs if s.kind == "alertmanager"}
    up, down = peers["alertmanager-up"], peers["alertmanager-down"]
    assert "--cluster.peer=127.99.20.1:9194" in up.cmd and "--cluster.peer=127.99.10.1:9194" in down.cmd
    assert "--cluster.advertise-address=127.99.10.1:9194" in up.cmd  # loopback is no private IP: said explicitly
