"""The lab's alerting and global view (a component, see plan.py): a Prometheus per datacenter with the bundle's
prometheus-upstream.yml / prometheus-downstream.yml, the two Alertmanager peers in one gossip cluster with the
bundle's alertmanager.yml, VictoriaMetrics (the global view both servers remote_write to) and the webhook
recorder (lab/webhook.py) the Alertmanagers notify.

Where (the bundle's hosts, docs/layout.md; Prometheus on the lab's port for 9090, topology.LAB_PORTS): prometheus-up
on kafka02 (kafka01's is the book's single server, `prometheus`, which the other tests read), prometheus-down on
zk01, alertmanager-up and
alertmanager-down on kafka01 and zk01 (:9193 web, :9194 gossip), victoriametrics on zk02:8428, alert-webhook on
zk03:9097.

Timing: the lab divides the rules' `for` and `keep_firing_for` (those without a range window, see lab_rules) and
the routes' group_wait/group_interval by LAB_ALERT_SCALE (default 6: `for: 1m` runs as 10s, group_wait 30s as 5s)
in copies under $LAB_STATE/conf, so a test sees an alert through in a minute or two; thresholds in the expressions and
repeat_interval stay the bundle's. LAB_ALERT_SCALE=1 runs the bundle's own values.
"""
import os
import re
import subprocess
import sys

import yaml

from . import settings as S
from .configs import prometheus_config
from .service import Service
from .settings import LAB_DIR, REPO
from .topology import PROMETHEUS_PORT, dn_addr, up_addr

VM_VERSION = "v1.151.0"
SCALE = max(1, int(os.environ.get("LAB_ALERT_SCALE", "6") or "6"))
AM_WEB, AM_GOSSIP, VM_PORT, WEBHOOK_PORT = 9193, 9194, 8428, 9097


def webhook_addr():
    return f"{dn_addr(3)}:{WEBHOOK_PORT}"


def victoria_metrics_bin():
    return os.path.join(LAB_DIR, "target", f"victoria-metrics-{VM_VERSION}", "victoria-metrics")


FETCH_ALWAYS = True  # every profile runs these parts


def fetch(t):
    """Builds VictoriaMetrics once (go install, about a minute; scripts/build-victoria-metrics caches it under
    lab/target as the lab caches Kafka's jars). Without Go the service is skipped (`lab status` says why)."""
    if os.access(victoria_metrics_bin(), os.X_OK) or "victoriametrics" in S.SKIP:
        return
    print("lab: building VictoriaMetrics once (scripts/build-victoria-metrics) ...", file=sys.stderr, flush=True)
    r = subprocess.run([os.path.join(REPO, "scripts", "build-victoria-metrics")], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=dict(os.environ, VM_VERSION=VM_VERSION))
    if r.returncode != 0:
        print(f"lab: warning: VictoriaMetrics not built, the global view is skipped:\n{r.stderr[-1500:]}",
              file=sys.stderr)


def prometheus_service(name, host, dc):
    conf = os.path.join(S.STATE, "conf", f"{name}.yml")
    return Service(name, "prometheus-dc", host, [PROMETHEUS_PORT],
                   ["/usr/bin/prometheus", f"--config.file={conf}",
                    f"--storage.tsdb.path={os.path.join(S.STATE, 'data', name)}",
                    f"--web.listen-address={host}:{PROMETHEUS_PORT}", "--storage.tsdb.retention.time=1d", "--web.enable-lifecycle",
                    # As ansible/roles/prometheus sets them (see its defaults), the resend delay scaled like the waits.
                    f"--rules.alert.resend-delay={scaled('20s')}", "--storage.remote.flush-deadline=10s",
                    f"--web.console.templates={os.path.join(REPO, 'prometheus', 'consoles')}",
                    f"--web.console.libraries={os.path.join(REPO, 'prometheus', 'console_libraries')}"],
                   health=("http", f"http://{host}:{PROMETHEUS_PORT}/-/ready"), note=f"datacenter {dc}")


def alertmanager_service(name, host, peer):
    return Service(name, "alertmanager", host, [AM_WEB, AM_GOSSIP],
                   ["/usr/bin/prometheus-alertmanager", f"--config.file={os.path.join(S.STATE, 'conf', 'alertmanager.yml')}",
                    f"--storage.path={os.path.join(S.STATE, 'data', name)}", f"--web.listen-address={host}:{AM_WEB}",
                    f"--cluster.listen-address={host}:{AM_GOSSIP}", f"--cluster.advertise-address={host}:{AM_GOSSIP}",
                    f"--cluster.peer={peer}:{AM_GOSSIP}", f"--web.external-url=http://{host}:{AM_WEB}",
                    # Scaled like the waits: a second peer that flushed a group waits this long, then compares with
                    # the notification log; if the first sent a newer state meanwhile, it sends its own, now stale.
                    # At 15 s against a scaled group_interval of 20 s that window was most of every interval.
                    f"--cluster.peer-timeout={scaled('15s')}"],
                   health=("http", f"http://{host}:{AM_WEB}/-/ready"), note=f"gossip peer {peer}:{AM_GOSSIP}")


def services(t):
    data = os.path.join(S.STATE, "data")
    return [
        Service("alert-webhook", "alert-webhook", dn_addr(3), [WEBHOOK_PORT],
                [sys.executable, os.path.join(LAB_DIR, "webhook.py"), "--listen", webhook_addr(),
                 "--out", os.path.join(data, "notifications.jsonl")],
                health=("http", f"http://{webhook_addr()}/-/healthy"), note="GET /notifications"),
        Service("victoriametrics", "victoriametrics", dn_addr(2), [VM_PORT],
                [victoria_metrics_bin(), f"-storageDataPath={os.path.join(data, 'victoriametrics')}",
                 f"-httpListenAddr={dn_addr(2)}:{VM_PORT}", "-retentionPeriod=1d", "-dedup.minScrapeInterval=5s",
                 "-loggerLevel=WARN"],
                health=("http", f"http://{dn_addr(2)}:{VM_PORT}/health"), note="global view, dedup 5s"),
        alertmanager_service("alertmanager-up", up_addr(1), dn_addr(1)),
        alertmanager_service("alertmanager-down", dn_addr(1), up_addr(1)),
        prometheus_service("prometheus-up", up_addr(2), "upstream"),
        prometheus_service("prometheus-down", dn_addr(1), "downstream"),
    ]


# ---------------------------------------------------------------------------------------------------------------
def scaled(duration):
    """A Prometheus duration ("1m", "30s", "2m30s") divided by SCALE, at least 1s."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    secs = sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", str(duration)))
    return f"{max(1, round(secs / SCALE))}s"


def lab_rules(path):
    """A copy of a bundle rule file with the `for` and `keep_firing_for` of each rule scaled, except where the
    expression has a range window: there `for` and the window work together (MirrorLatencyHigh's `for` outlasts
    its window so that a burst of late probes cannot fire it), and a shorter `for` would change what it means."""
    with open(path) as f:
        doc = yaml.safe_load(f)
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            if not re.search(r"\[\d+[smhd]\]", r["expr"]):
                for k in ("for", "keep_firing_for"):
                    if k in r:
                        r[k] = scaled(r[k])
    out = os.path.join(S.STATE, "conf", "rules-lab", os.path.basename(path))
    return out, yaml.safe_dump(doc, sort_keys=False, width=120)


def dc_prometheus_yml(t, svcs, name, bundle, host):
    cfg = yaml.safe_load(prometheus_config(t, svcs, bundle))
    files = {}
    if SCALE > 1:
        rules = []
        for r in cfg.get("rule_files", []):
            out, text = lab_rules(r)
            files[out] = text
            rules.append(out)
        cfg["rule_files"] = rules
    # The server's own job: this server, not the book's on kafka01:9090 (the renderer maps by host name).
    for job in cfg["scrape_configs"]:
        if job["job_name"] == "prometheus":
            for g in job["static_configs"]:
                g["targets"] = [f"{host}:{PROMETHEUS_PORT}"]
    head = f"# Rendered by lab/lab up from prometheus/{bundle} (labkit/alerting.py); `for` divided by {SCALE}.\n"
    return head + yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None, width=120), files


def alertmanager_yml():
    """The bundle's alertmanager.yml with the receivers pointed at the lab's recorder, templates by absolute path
    and group_wait/group_interval divided by SCALE."""
    with open(os.path.join(REPO, "prometheus", "alertmanager.yml")) as f:
        cfg = yaml.safe_load(f)
    cfg["templates"] = [os.path.join(REPO, "prometheus", p) for p in cfg.get("templates", [])]

    def route(r):
        for k in ("group_wait", "group_interval"):
            if k in r:
                r[k] = scaled(r[k])
        for sub in r.get("routes", []):
            route(sub)

    route(cfg["route"])
    for rcv in cfg["receivers"]:
        for w in rcv.get("webhook_configs", []):
            w["url"] = re.sub(r"^http://[^/]+", f"http://{webhook_addr()}", w["url"])
    head = f"# Rendered by lab/lab up from prometheus/alertmanager.yml (labkit/alerting.py); waits divided by {SCALE}.\n"
    return head + yaml.safe_dump(cfg, sort_keys=False, width=120)


def configs(t, svcs):
    out = {"alertmanager.yml": alertmanager_yml()}
    for name, bundle, host in (("prometheus-up", "prometheus-upstream.yml", up_addr(2)),
                               ("prometheus-down", "prometheus-downstream.yml", dn_addr(1))):
        text, rules = dc_prometheus_yml(t, svcs, name, bundle, host)
        out[f"{name}.yml"] = text
        for path, body in rules.items():
            out[os.path.relpath(path, os.path.join(S.STATE, "conf"))] = body
    return out

