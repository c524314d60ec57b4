"""Alertmanager bundle: prometheus/alertmanager.yml passes `amtool check-config`, routes every case of
prometheus/tests/alertmanager_routes.yml to its receiver (`amtool config routes test`), mutes or not each case of
prometheus/tests/alertmanager_inhibitions.yml in a real Alertmanager (amtool cannot test inhibitions), its
templates render the cluster, topic/partition and runbook, the documented e-mail/chat examples are valid, and
broken configs are rejected with the tool's own message. The per-datacenter Prometheus configs load the rules
their data feeds."""
import datetime
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import free_port, stop_process, wait_for  # noqa: E402

TOP = pathlib.Path(__file__).resolve().parents[2]
PROM = TOP / "prometheus"
AMTOOL = shutil.which("amtool")
PROMTOOL = shutil.which("promtool")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

pytestmark = pytest.mark.skipif(AMTOOL is None or PROMTOOL is None or ALERTMANAGER is None,
                                reason="amtool/promtool/alertmanager not installed (scripts/install-deps)")


def amtool(*args, cwd=PROM):
    return subprocess.run([AMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_check_config():
    r = amtool("check-config", "alertmanager.yml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout and "3 receivers" in r.stdout and "1 templates" in r.stdout, r.stdout


ROUTES = yaml.safe_load((PROM / "tests/alertmanager_routes.yml").read_text())


@pytest.mark.parametrize("case", ROUTES, ids=[c["labels"]["alertname"] + "->" + c["receiver"] for c in ROUTES])
def test_route(case):
    labels = [f"{k}={v}" for k, v in case["labels"].items()]
    r = amtool("config", "routes", "test", "--config.file=alertmanager.yml",
               f"--verify.receivers={case['receiver']}", *labels)
    assert r.returncode == 0, f"{labels}: {r.stdout.strip()} {r.stderr.strip()}"


def test_every_receiver_and_severity_has_a_case():
    cfg = yaml.safe_load((PROM / "alertmanager.yml").read_text())
    assert {r["name"] for r in cfg["receivers"]} == {c["receiver"] for c in ROUTES}
    severities = set()
    for f in (PROM / "rules").glob("*.yml"):
        for g in yaml.safe_load(f.read_text())["groups"]:
            severities |= {r["labels"]["severity"] for r in g["rules"] if "alert" in r}
    assert severities <= {c["labels"].get("severity") for c in ROUTES}


def test_inhibitions_name_real_alerts():
    # An inhibition whose alert name no rule has silently never applies.
    names = {r["alert"] for f in (PROM / "rules").glob("*.yml") for g in yaml.safe_load(f.read_text())["groups"]
             for r in g["rules"] if "alert" in r}
    cfg = yaml.safe_load((PROM / "alertmanager.yml").read_text())
    for rule in cfg["inhibit_rules"]:
        for m in rule["source_matchers"] + rule["target_matchers"]:
            key, op, value = re.fullmatch(r'(\w+)(=~|!=|=)"(.*)"', m).groups()
            if key == "alertname" and op in ("=", "=~"):
                for n in value.split("|"):
                    assert n in names, (m, n)
    # HostDown mutes by host: both it and ExporterDown carry the label (rules/alerts.yml's label_replace).
    alerts = (PROM / "rules/alerts.yml").read_text()
    assert alerts.count('label_replace(up{job="node"}, "host"') == 2


INHIBITIONS = yaml.safe_load((PROM / "tests/alertmanager_inhibitions.yml").read_text())


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory):
    """One Alertmanager on the bundle's config (no cluster; receivers pointed at a closed port: nothing is sent)."""
    d = tmp_path_factory.mktemp("am")
    shutil.copytree(PROM / "templates", d / "templates")
    (d / "alertmanager.yml").write_text(re.sub(r"http://alert-webhook:9097", "http://127.0.0.1:9",
                                               (PROM / "alertmanager.yml").read_text()))
    url = f"127.0.0.1:{free_port()}"
    log = open(d / "log", "w")
    proc = subprocess.Popen([ALERTMANAGER, f"--config.file={d / 'alertmanager.yml'}", f"--storage.path={d}",
                             f"--web.listen-address={url}", "--cluster.listen-address="],
                            stdout=log, stderr=subprocess.STDOUT, cwd=d)
    try:
        wait_for("alertmanager ready", lambda: proc.poll() is None and _ready(f"http://{url}"), 30, interval=0.2)
        yield f"http://{url}"
    finally:
        stop_process(proc)
        log.close()


def _ready(url):
    try:
        return urllib.request.urlopen(f"{url}/-/ready", timeout=2).status == 200
    except OSError:
        return False


def post_alerts(url, labelsets, ends):
    t = datetime.datetime.now(datetime.timezone.utc)
    body = json.dumps([{"labels": ls, "startsAt": (t - datetime.timedelta(minutes=1)).isoformat(),
                        "endsAt": (t + datetime.timedelta(seconds=ends)).isoformat()} for ls in labelsets])
    req = urllib.request.Request(f"{url}/api/v2/alerts", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def inhibited_by(url, labels):
    """The target's inhibitedBy, or None while Alertmanager does not list it yet."""
    q = "&".join("filter=" + urllib.parse.quote(f'{k}="{v}"') for k, v in labels.items())
    with urllib.request.urlopen(f"{url}/api/v2/alerts?active=true&inhibited=true&{q}", timeout=10) as r:
        found = [a for a in json.loads(r.read()) if a["labels"] == labels]
    return found[0]["status"]["inhibitedBy"] if found else None


@pytest.mark.parametrize("case", INHIBITIONS, ids=[c["name"] for c in INHIBITIONS])
def test_inhibition(alertmanager, case):
    src, dst = ({k: str(v) for k, v in case[x].items()} for x in ("source", "target"))
    post_alerts(alertmanager, [src, dst], ends=3600)
    try:
        wait_for("both alerts listed", lambda: inhibited_by(alertmanager, src) is not None and
                 inhibited_by(alertmanager, dst) is not None, 10, interval=0.1)
        # The inhibitor learns sources from its own subscription to the alerts, a moment after they are listed.
        deadline = time.time() + (5 if case["inhibited"] else 1.5)
        while time.time() < deadline and not inhibited_by(alertmanager, dst):
            time.sleep(0.1)
        assert bool(inhibited_by(alertmanager, dst)) == case["inhibited"], case
    finally:
        post_alerts(alertmanager, [src, dst], ends=-1)  # resolved: no source left for the next case
        wait_for("both resolved", lambda: inhibited_by(alertmanager, src) is None and
                 inhibited_by(alertmanager, dst) is None, 10, interval=0.1)


def matches(matchers, labels):
    for m in matchers:
        key, op, value = re.fullmatch(r'(\w+)(=~|!=|=)"(.*)"', m).groups()
        got = str(labels.get(key, ""))
        if not {"=": got == value, "!=": got != value, "=~": re.fullmatch(value, got) is not None}[op]:
            return False
    return True


def test_every_inhibition_has_a_case_that_mutes():
    cfg = yaml.safe_load((PROM / "alertmanager.yml").read_text())
    muting = [c for c in INHIBITIONS if c["inhibited"]]
    for rule in cfg["inhibit_rules"]:
        assert any(matches(rule["source_matchers"], c["source"]) and matches(rule["target_matchers"], c["target"])
                   for c in muting), rule


def render(tmp_path, status):
    data = {
        "receiver": "oncall-downstream", "status": status, "externalURL": "http://zk01:9193",
        "groupLabels": {"alertname": "MirrorRecordsExpired"},
        "commonLabels": {"alertname": "MirrorRecordsExpired", "cluster": "downstream", "datacenter": "downstream",
                         "severity": "critical"},
        "commonAnnotations": {},
        "alerts": [{
            "status": status,
            "labels": {"alertname": "MirrorRecordsExpired", "cluster": "downstream", "datacenter": "downstream",
                       "severity": "critical", "topic": "orders", "partition": "3", "instance": "zk01:9309"},
            "annotations": {"summary": "About 12 records of orders/3 expired upstream before MirrorMaker 2 copied them",
                            "runbook": "Real data loss: raise retention upstream now."},
            "startsAt": "2026-12-02T19:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}],
    }
    f = tmp_path / f"{status}.json"
    f.write_text(json.dumps(data))
    out = {}
    for name in ("kafka.subject", "kafka.text"):
        r = amtool("template", "render", "--template.glob=templates/*.tmpl",
                   f'--template.text={{{{ template "{name}" . }}}}', f"--template.data={f}")
        assert r.returncode == 0, r.stderr
        out[name] = r.stdout
    return out


def test_templates_name_cluster_topic_partition_and_runbook(tmp_path):
    fired = render(tmp_path, "firing")
    assert fired["kafka.subject"].strip() == \
        "[FIRING:1] MirrorRecordsExpired cluster=downstream (seen from downstream)", fired
    text = fired["kafka.text"]
    assert text.startswith("Firing:\n- About 12 records of orders/3 expired"), text
    for part in ("cluster: downstream", "topic: orders", "partition: 3", "severity: critical",
                 "runbook: Real data loss: raise retention upstream now.", "since: 2026-12-02 19:00:00 UTC"):
        assert part in text, (part, text)
    resolved = render(tmp_path, "resolved")
    assert resolved["kafka.subject"].startswith("[RESOLVED] MirrorRecordsExpired")
    assert resolved["kafka.text"].startswith("Resolved:\n- "), resolved


def test_documented_email_and_chat_examples_are_valid(tmp_path):
    # The commented receiver at the end of alertmanager.yml, uncommented into the config, checks clean.
    text = (PROM / "alertmanager.yml").read_text()
    block = text[text.index("#  - name: oncall-downstream"):]
    example = "\n".join(line[1:] for line in block.splitlines() if line.startswith("#"))
    cfg = yaml.safe_load(text)
    cfg["receivers"] = [r for r in cfg["receivers"] if r["name"] != "oncall-downstream"] + yaml.safe_load(example)
    (tmp_path / "alertmanager-smtp.password").write_text("x\n")
    (tmp_path / "alertmanager-chat.url").write_text("https://chat.example.org/hooks/x\n")
    body = yaml.safe_dump(cfg).replace("/etc/prometheus/", f"{tmp_path}/")
    (tmp_path / "am.yml").write_text(body)
    shutil.copytree(PROM / "templates", tmp_path / "templates")
    r = amtool("check-config", str(tmp_path / "am.yml"), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    got = yaml.safe_load(example)[0]
    assert got["email_configs"][0]["text"] == got["slack_configs"][0]["text"] == '{{ template "kafka.text" . }}'


@pytest.mark.parametrize("breakage,message", [
    # A route to a receiver nobody defined, a typo in a key, a bad matcher: amtool's own words.
    (lambda c: c["route"]["routes"][0].update(receiver="pager"), 'undefined receiver "pager"'),
    (lambda c: c["route"].update(group_wiat="30s"), "field group_wiat not found"),
    (lambda c: c["inhibit_rules"][0].update(source_matchers=['alertname=~"Mirror("']), "error parsing regexp"),
])
def test_broken_config_rejected_with_amtools_message(tmp_path, breakage, message):
    cfg = yaml.safe_load((PROM / "alertmanager.yml").read_text())
    breakage(cfg)
    (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(cfg))
    shutil.copytree(PROM / "templates", tmp_path / "templates")
    r = amtool("check-config", "alertmanager.yml", cwd=tmp_path)
    assert r.returncode != 0 and message in r.stdout + r.stderr, r.stdout + r.stderr


def test_broken_prometheus_config_rejected_with_promtools_message(tmp_path):
    shutil.copytree(PROM / "rules", tmp_path / "rules")
    text = (PROM / "prometheus-downstream.yml").read_text().replace("scrape_interval: 5s", "scrape_interval: 5 s", 1)
    (tmp_path / "p.yml").write_text(text)
    r = subprocess.run([PROMTOOL, "check", "config", "p.yml"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0 and 'not a valid duration string: "5 s"' in r.stdout + r.stderr, r.stdout + r.stderr


# ---------------------------------------------------------------------------------------------------------------
DC = {"upstream": ("kafka", "prometheus-upstream.yml"), "downstream": ("zk", "prometheus-downstream.yml")}


@pytest.mark.parametrize("dc", DC)
def test_datacenter_config_checks_and_scrapes_only_its_side(dc):
    prefix, name = DC[dc]
    r = subprocess.run([PROMTOOL, "check", "config", name], cwd=PROM, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    cfg = yaml.safe_load((PROM / name).read_text())
    assert cfg["global"]["external_labels"] == {"datacenter": dc}
    peers = cfg["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert sorted(peers) == ["kafka01:9193", "zk01:9193"]
    assert [w["url"] for w in cfg["remote_write"]] == ["http://zk02:8428/api/v1/write"]
    for job in cfg["scrape_configs"]:
        for sc in job["static_configs"]:
            for t in sc["targets"]:
                # Own side only, except the one cross-datacenter job, which keeps a single metric.
                if job["job_name"] == "kafka-exporter-upstream-groups":
                    assert dc == "downstream" and job["metric_relabel_configs"][0]["regex"] == \
                        "kafka_consumergroup_current_offset"
                    continue
                assert t.startswith(prefix), (name, job["job_name"], t)
    rules = set(cfg["rule_files"])
    assert ("rules/mirror.yml" in rules) == (dc == "downstream")
    assert {"rules/alerts.yml", "rules/recording.yml"} <= rules


def test_mirror_rules_read_only_downstream_series():
    # What the upstream server loads names no mirror-exporter or Connect series (it has none of them), but
    # mirror_up in KafkaClusterUnreachable: a cluster unreachable is one alert whoever sees it.
    for f in ("rules/alerts.yml", "rules/recording.yml"):
        assert not re.search(r"\bmirror_(?!up\b)|kafka_connect", (PROM / f).read_text()), f
