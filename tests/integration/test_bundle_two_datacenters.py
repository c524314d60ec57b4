"""Alerting and the global view on the lab (issue 11): the per-datacenter Prometheus servers evaluate the bundle's
rules, the two Alertmanager peers (one gossip cluster) route them with the bundle's alertmanager.yml, and the lab's
recorder (lab/webhook.py, what a paging gateway would get) is the oracle: every assertion counts what it received.

- WAN cut: MirrorProbesStalled reaches the on-call once, within its threshold + `for` + group_wait + a scrape and an
  evaluation; every other alert of the cause (heartbeats, topic stalls...) fires too but is inhibited, none is sent;
  the restore is one resolved notification.
- An Alertmanager peer down when an alert fires and back while it fires: one notification, one resolution.
- The upstream datacenter lost (its Prometheus, its Alertmanager peer, the WAN): the downstream side alone still
  alerts, exactly once, and resolves once.
- The global view (VictoriaMetrics): every dashboard query answers for both datacenters, also while the downstream
  Prometheus is stopped for a minute, its HA replica writing the same series: no gap, no sample twice.
- Induced real loss (probe records deleted upstream before MM2 copied them): MirrorRecordsExpired and MirrorProbeLoss
  reach the webhook.

The lab runs the rules' `for` and the routes' waits divided by LAB_ALERT_SCALE (labkit/alerting.py); the budgets
below are read from the rendered configs, so they hold for any scale. Budget: about 8 minutes, most of it the
bundle's own 60 s stall threshold and 2 min probe deadline.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

from helpers import free_port, wait_for

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_bundle_dashboards as dashboards  # noqa: E402  (the dashboards' own query checks, pointed elsewhere)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PARTS = ["alert-webhook", "victoriametrics", "alertmanager-up", "alertmanager-down",
         "prometheus-up", "prometheus-down"]
# The dashboards of the Kafka system (test_bundle_dashboards checks the same four; datapath.json needs the system profile).
DASHBOARDS = ("kafka-clusters.json", "consumer-lag.json", "mirrormaker2.json", "hosts.json")
# What one mirror cause may produce besides MirrorProbesStalled (the inhibitions' targets in alertmanager.yml).
SAME_CAUSE = {"MirrorProbeLoss", "MirrorTopicStalled", "MirrorHeartbeatStale", "MirrorCheckpointsStale",
              "MirrorLatencyHigh", "KafkaClusterUnreachable"}


def get(url, timeout=15):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def try_get(url):
    """get(), or None while nothing answers there (a server still starting)."""
    try:
        return get(url)
    except OSError:
        return None


def seconds(duration):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(duration)))


class Alerting:
    def __init__(self, lab):
        self.lab = lab
        st = {s["name"]: s for s in lab.status()["services"]}
        missing = [p for p in PARTS if p not in st or st[p]["skipped"] or not st[p]["running"]]
        assert not missing, f"lab parts not running: {missing} ({[st.get(p, {}).get('skipped') for p in missing]})"
        url = {n: f"http://{st[n]['host']}:{st[n]['ports'][0]}" for n in PARTS}
        self.webhook, self.vm = url["alert-webhook"], url["victoriametrics"]
        self.am = {"upstream": url["alertmanager-up"], "downstream": url["alertmanager-down"]}
        self.prom = {"upstream": url["prometheus-up"], "downstream": url["prometheus-down"]}
        conf = os.path.join(lab.state, "conf")
        with open(os.path.join(conf, "alertmanager.yml")) as f:
            am = yaml.safe_load(f)
        critical = next(r for r in am["route"]["routes"] if r["receiver"] == "oncall-downstream")
        self.group_wait = seconds(critical.get("group_wait", am["route"]["group_wait"]))
        self.group_interval = seconds(critical.get("group_interval", am["route"]["group_interval"]))
        mirror = os.path.join(conf, "rules-lab", "mirror.yml")  # LAB_ALERT_SCALE=1: the bundle's own file
        with open(mirror if os.path.exists(mirror) else os.path.join(REPO, "prometheus", "rules", "mirror.yml")) as f:
            rules = {r["alert"]: r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r}
        self.stalled_for = seconds(rules["MirrorProbesStalled"].get("for", "0s"))
        self.stalled_threshold = float(re.search(r">\s*(\d+)", rules["MirrorProbesStalled"]["expr"]).group(1))

    def notifications(self, since=0.0):
        return [n for n in get(f"{self.webhook}/notifications") if n["received"] >= since]

    def am_alerts(self, dc="downstream"):
        return get(f"{self.am[dc]}/api/v2/alerts?active=true&inhibited=true&silenced=true")

    def peers(self, dc):
        return [p["name"] for p in get(f"{self.am[dc]}/api/v2/status")["cluster"].get("peers") or []]

    def mirror_alerts_active(self):
        return [a["labels"]["alertname"] for dc in self.am for a in self.am_alerts(dc)
                if a["labels"]["alertname"] in SAME_CAUSE | {"MirrorProbesStalled"}]

    def quiet(self, timeout=240):
        """No mirror alert active in either peer, and no notification for one group_interval."""
        wait_for("no mirror alert active", lambda: not self.mirror_alerts_active(), timeout, interval=2)
        deadline = time.time() + timeout
        while time.time() < deadline:
            last = max([n["received"] for n in self.notifications()] or [0])
            if time.time() - last > self.group_interval + 2:
                return
            time.sleep(2)


@pytest.fixture(scope="module")
def alerting(lab):
    a = Alerting(lab)
    # Both peers see each other (gossip), both servers have loaded the bundle's rules and reach both peers.
    wait_for("the two Alertmanager peers clustered",
             lambda: len(a.peers("upstream")) == 2 and len(a.peers("downstream")) == 2, 60, interval=1)
    for dc in a.prom:
        wait_for(f"prometheus-{dc} sending to both peers",
                 lambda dc=dc: len(get(f"{a.prom[dc]}/api/v1/alertmanagers")["data"]["activeAlertmanagers"]) == 2,
                 60, interval=1)
    names = {r["name"] for g in get(f"{a.prom['downstream']}/api/v1/rules")["data"]["groups"] for r in g["rules"]}
    assert {"MirrorProbesStalled", "MirrorProbeLoss", "KafkaClusterUnreachable"} <= names, names
    wait_for("the mirror-exporter scraped downstream", lambda: get(
        f"{a.prom['downstream']}/api/v1/query?query=" + urllib.parse.quote('up{job="mirror-exporter"} == 1'))
        ["data"]["result"], 60, interval=2)
    a.quiet()
    return a


def stalled(n):
    return [x for x in n["notification"]["alerts"] if x["labels"]["alertname"] == "MirrorProbesStalled"]


def same_cause(notes):
    return [(n["notification"]["status"], x["labels"]["alertname"]) for n in notes
            for x in n["notification"]["alerts"] if x["labels"]["alertname"] in SAME_CAUSE]


def cut_until_notified(lab, a, t0, budget):
    """Waits for the MirrorProbesStalled notification of a cut made at t0, then (briefly) for the cause's other
    alerts to show up inhibited in a peer; returns (notification, seconds after t0, inhibited alert names)."""
    notes = wait_for("MirrorProbesStalled notified", lambda: [n for n in a.notifications(t0) if stalled(n)],
                     budget + 30, interval=0.5)
    took = notes[0]["received"] - t0
    # The cause's other alerts fire too (the rules see the stall) but the peers hold them back. Not for long: the
    # link must be back before the exporter's 2 min probe deadline, after which probes count as lost.
    inhibited = set()
    while time.time() < t0 + a.stalled_threshold + 40 and not inhibited:
        for dc in ("upstream", "downstream"):
            try:
                inhibited |= {x["labels"]["alertname"] for x in a.am_alerts(dc) if x["status"]["inhibitedBy"]}
            except OSError:
                pass  # a peer the test stopped
        time.sleep(1)
    return notes[0], took, inhibited


def settled(a, t0, since, what):
    """After the resolution at `since`: waits for it, then two group intervals and a peer timeout more (a second
    copy would come by then); returns (seconds to the resolved notification, firing, resolved)."""
    resolved = wait_for(f"the resolved notification of {what}", lambda: [
        n for n in a.notifications(since) if stalled(n) and n["notification"]["status"] == "resolved"],
        a.group_interval * 2 + 60, interval=0.5)
    time.sleep(a.group_interval * 2 + 15 + 2)
    notes = a.notifications(t0)
    fired = [n for n in notes if stalled(n) and n["notification"]["status"] == "firing"]
    done = [n for n in notes if stalled(n) and n["notification"]["status"] == "resolved"]
    return resolved[0]["received"] - since, fired, done, notes


def test_wan_cut_one_notification_one_resolved_rest_inhibited(lab, alerting):
    a = alerting
    budget = a.stalled_threshold + a.stalled_for + a.group_wait + 5 + 5  # + one scrape + one evaluation
    t0 = time.time()
    lab.wan("cut")
    try:
        first, took, inhibited = cut_until_notified(lab, a, t0, budget)
    finally:
        lab.wan("restore")
    t_restore = time.time()
    n = first["notification"]
    assert first["path"] == "/oncall-downstream" and n["status"] == "firing", first
    labels, summary = stalled(first)[0]["labels"], stalled(first)[0]["annotations"]["summary"]
    assert labels["cluster"] == "downstream" and labels["datacenter"] == "downstream", labels
    assert "mirror" in summary.lower() and "downstream" in summary, summary
    took_resolved, fired, done, notes = settled(a, t0, t_restore, "the WAN cut")
    lab.report(f"alerting WAN cut: MirrorProbesStalled notified once after {took:.1f} s (threshold "
               f"{a.stalled_threshold:.0f} s + for {a.stalled_for:.0f} s + group_wait {a.group_wait:.0f} s + scrape "
               f"+ evaluation = {budget:.0f} s); fired and inhibited: {', '.join(sorted(inhibited)) or 'none'}; "
               f"cut {t_restore - t0:.0f} s; resolved once {took_resolved:.1f} s after restore; {len(fired)} firing "
               f"+ {len(done)} resolved notifications, {len(same_cause(notes))} for the inhibited alerts")
    assert took <= budget, f"notified after {took:.0f} s, budget {budget:.0f} s"
    assert inhibited, "no other alert of the cause became active: the inhibitions were not exercised"
    assert len(fired) == 1 and len(done) == 1, [(x["path"], x["notification"]["status"]) for x in notes]
    assert not same_cause(notes), same_cause(notes)


def test_alertmanager_peer_down_and_back_nothing_lost_nothing_twice(lab, alerting):
    # The alert: the upstream kafka-exporter stopped (ExporterDown, a ticket). The downstream peer is down when it
    # fires, comes back while it fires (it learns the notification log from the other by gossip) and is there when
    # it resolves. (The peer's own ExporterDown is another group: datacenter downstream.)
    a = alerting
    a.quiet()
    exporter = "kafka-exporter-up"
    host = next(s for s in lab.status()["services"] if s["name"] == exporter)["host"]

    def mine(n):
        return [x for x in n["notification"]["alerts"] if x["labels"]["alertname"] == "ExporterDown"
                and x["labels"]["instance"] == f"{host}:9308"]

    t0 = time.time()
    lab.stop("alertmanager-down")
    lab.stop(exporter)
    try:
        fired = wait_for("ExporterDown notified by the remaining peer", lambda: [
            n for n in a.notifications(t0) if mine(n) and n["notification"]["status"] == "firing"], 120,
            interval=0.5)
        took = fired[0]["received"] - t0
        lab.run("restart", "alertmanager-down")
        wait_for("the peer back in the cluster", lambda: len(a.peers("downstream")) == 2, 60, interval=1)
        t_back = time.time()
        # Prometheus sends the firing alert to it again (resend delay); it must find the group notified.
        time.sleep(max(a.group_interval * 2, 20) + 15 + 2)
    finally:
        lab.run("restart", exporter)
    t_fixed = time.time()
    wait_for("the resolved notification", lambda: [
        n for n in a.notifications(t_fixed) if mine(n) and n["notification"]["status"] == "resolved"],
        a.group_interval * 2 + 60, interval=0.5)
    time.sleep(a.group_interval * 2 + 15 + 2)
    # A group's notification lists all its alerts: another exporter of the datacenter going down or up (a slow
    # scrape on a loaded machine) sends the group again, with ours in it. A duplicate is the same group in the same
    # state twice; lost would be ours never notified firing, or never resolved.
    notes = [n for n in a.notifications(t0) if mine(n)]
    states = [(n["notification"]["groupKey"], n["notification"]["status"],
               tuple(sorted((x["fingerprint"], x["status"]) for x in n["notification"]["alerts"]))) for n in notes]
    ours = [mine(n)[0]["status"] for n in notes]
    lab.report(f"alerting peer down and back: ExporterDown notified by the remaining peer after {took:.1f} s; "
               f"the other back {t_back - t0:.0f} s in, kept {t_fixed - t_back:.0f} s with the alert firing; "
               f"{len(notes)} notifications of its group, ours {ours}, {len(states) - len(set(states))} duplicates")
    assert len(states) == len(set(states)), states
    assert ours == ["firing", "resolved"], [(n["path"], n["notification"]["status"], n["notification"]["alerts"])
                                            for n in notes]


def test_upstream_datacenter_lost_downstream_still_alerts_once(lab, alerting):
    a = alerting
    a.quiet()
    # + Alertmanager's --cluster.peer-timeout (15 s): the peers notify in turn, each waiting its position in the
    # member list times that long for the one before it; the lost peer may have been first, and it stays in the
    # list until gossip declares it dead. (Measured: 86.6 s here, against 79.0 s for the same cut with both up.)
    budget = a.stalled_threshold + a.stalled_for + a.group_wait + 5 + 5 + 15
    # The datacenter's monitoring first, then the link: the budget counts from the cut (each `lab stop` is a
    # process start, seconds on a loaded machine: stopped together, the cut came last and late).
    lab.stop("prometheus-up", "alertmanager-up")
    t0 = time.time()
    lab.stop("wan")
    try:
        first, took, _ = cut_until_notified(lab, a, t0, budget)
        peers_left = len(a.peers("downstream"))
    finally:
        # The link first, then the datacenter's monitoring once the cause is over. (A peer that starts while the
        # alerts still fire was seen to notify them again from the stale state it got: see lab/README.md.)
        lab.run("restart", "wan")
    t_back = time.time()
    took_resolved, fired, done, notes = settled(a, t0, t_back, "the link's return")
    lab.run("up", lab.profile or "default")
    time.sleep(a.group_interval * 2 + 15 + 2)
    notes = a.notifications(t0)
    fired = [n for n in notes if stalled(n) and n["notification"]["status"] == "firing"]
    done = [n for n in notes if stalled(n) and n["notification"]["status"] == "resolved"]
    lab.report(f"alerting upstream datacenter lost (prometheus-up, alertmanager-up, wan stopped): "
               f"MirrorProbesStalled notified by the downstream peer after {took:.1f} s (budget {budget:.0f} s), "
               f"alone in its cluster ({peers_left} peer); link back after {t_back - t0:.0f} s, resolved "
               f"{took_resolved:.1f} s later, then the datacenter's Prometheus and peer; {len(fired)} firing + "
               f"{len(done)} resolved notifications")
    assert first["path"] == "/oncall-downstream" and peers_left == 1, (first["path"], peers_left)
    assert took <= budget, f"notified after {took:.0f} s, budget {budget:.0f} s"
    assert len(fired) == 1 and len(done) == 1, [(n["path"], n["notification"]["status"]) for n in notes]
    assert not same_cause(notes), same_cause(notes)


# ---------------------------------------------------------------------------------------------------------------
def vm_query(a, expr):
    return get(f"{a.vm}/api/v1/query?query=" + urllib.parse.quote(expr))["data"]["result"]


def dashboard_check(url, datacenter):
    """Every dashboard query of every panel against url with the datacenter variable at one value (or All):
    {dashboard: [panels without data]}; every query must run."""
    empty = {}
    for name, dash in dashboards.dashboards().items():
        if name not in DASHBOARDS:
            continue
        values = dashboards.resolve_variables(url, dash, pick_first=False)
        if datacenter != "All":
            # The user picks the datacenter; the variables chained after it follow.
            dash = json.loads(json.dumps(dash))
            for v in dash["templating"]["list"]:
                if v["name"] == "datacenter":
                    v["includeAll"], v["query"]["query"] = False, f'label_values(up{{datacenter="{datacenter}"}}, ' \
                                                                  'datacenter)'
            values = dashboards.resolve_variables(url, dash, pick_first=False)
            assert values["datacenter"] == datacenter, values
        for title, ref, expr in dashboards.queries(dash, values):
            res = dashboards.prom_get(url, "/api/v1/query", query=expr)
            assert res["status"] == "success", (name, title, expr, res)
            if not res["data"]["result"]:
                empty.setdefault(name, []).append(f"{title} [{ref}]")
    return empty


class Replica:
    """A second Prometheus for the downstream datacenter (the same rendered config: same external labels), as an
    HA pair runs it; started by the test, stopped by pid."""

    def __init__(self, lab, host):
        self.dir = tempfile.mkdtemp(prefix="prom-replica-")
        self.url = f"http://{host}:{free_port(host)}"
        cfg = os.path.join(lab.state, "conf", "prometheus-down.yml")
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            ["/usr/bin/prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={self.dir}/data",
             f"--web.listen-address={self.url[7:]}"], stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_global_view_answers_dashboards_for_both_datacenters_with_one_prometheus_stopped(lab, alerting):
    a = alerting
    was_loading = any(lab.status().get("load", {}).values())
    if not was_loading:
        lab.run("load", "start")  # lag, throughput and mirroring move, as in the dashboards' own test
    replica = Replica(lab, lab.addr("zk01"))
    stopped_at = None
    try:
        wait_for("both datacenters in the global view", lambda: {
            r["metric"].get("datacenter") for r in vm_query(a, "count by (datacenter) (up)")} >=
            {"upstream", "downstream"}, 90, interval=2)
        wait_for("the replica scraping", lambda: (try_get(f"{replica.url}/api/v1/query?query=up") or
                                                  {"data": {"result": []}})["data"]["result"], 60, interval=1)
        time.sleep(15)  # a few of its samples in the global view beside the lab server's
        lab.stop("prometheus-down")
        stopped_at = time.time()
        time.sleep(60)
        # While it is still down: the global view answers for both datacenters from the replica's writes.
        t_check = time.time()
        per_dc = {}
        for dc in ("All", "upstream", "downstream"):
            per_dc[dc] = dashboard_check(a.vm, dc)
        check_s = time.time() - t_check
        # No gap and no duplicate: the mirror-exporter's `up` over the stopped minute and 10 s before, sample by
        # sample (VictoriaMetrics shows samples once they are 30 s old: -search.latencyOffset).
        end = stopped_at + 60
        time.sleep(max(0.0, end + 31 - time.time()))
        series = get(f"{a.vm}/api/v1/query?time={end:.3f}&query=" + urllib.parse.quote(
            'up{job="mirror-exporter", datacenter="downstream"}[70s]'))["data"]["result"]
        stamps = sorted(float(t) for s in series for t, _ in s["values"])
    finally:
        replica.stop()
        lab.run("up", lab.profile or "default")
        if not was_loading:
            lab.run("load", "stop", check=False)
    gaps = [b - x for x, b in zip(stamps, stamps[1:])]
    lab.report(f"alerting global view: prometheus-down stopped {t_check - stopped_at:.0f} s, replica writing: "
               f"{len(series)} series, {len(stamps)} samples in 70 s (5 s scrapes, dedup 5 s), largest gap "
               f"{max(gaps or [0]):.1f} s; dashboards checked against VictoriaMetrics for All/upstream/downstream "
               f"in {check_s:.0f} s; panels without data: "
               + "; ".join(f"{dc}: {sum(map(len, e.values()))}" for dc, e in per_dc.items()))
    assert len(series) == 1, series  # the two servers' samples are one series
    assert 12 <= len(stamps) <= 15 and max(gaps) <= 10.5, (len(stamps), gaps)
    assert not per_dc["All"], per_dc["All"]
    # Each datacenter alone: its own side's dashboards have every panel (the mirror runs downstream only).
    for dc, own in (("upstream", ("kafka-clusters.json", "hosts.json")),
                    ("downstream", ("kafka-clusters.json", "hosts.json", "mirrormaker2.json"))):
        for name in own:
            assert name not in per_dc[dc], (dc, name, per_dc[dc][name])


# ---------------------------------------------------------------------------------------------------------------
def connector(lab, name, action):
    req = urllib.request.Request(f"{lab.connect}/connectors/{name}/{action}", method="PUT")
    urllib.request.urlopen(req, timeout=15).read()


def test_induced_loss_reaches_the_webhook(lab, alerting):
    a = alerting
    a.quiet()
    topic = "mirror-probe"
    t0 = time.time()
    connector(lab, "mm2-source", "pause")
    try:
        time.sleep(8)  # the pause reaches the task; the lab's exporter keeps probing into the paused mirror
        ends = {}
        out = lab.kcat("-b", lab.upstream, "-L", "-t", topic, "-J").stdout
        parts = [p["partition"] for p in json.loads(out)["topics"][0]["partitions"]]
        for p in parts:
            ends[p] = int(lab.kcat("-Q", "-b", lab.upstream, "-t", f"{topic}:{p}:-1").stdout.split()[-1])
        spec = os.path.join(tempfile.gettempdir(), f"alerting-delete-{os.getpid()}.json")
        with open(spec, "w") as f:
            json.dump({"version": 1, "partitions": [{"topic": topic, "partition": p, "offset": o}
                                                     for p, o in ends.items()]}, f)
        lab.tool("kafka-delete-records", "--bootstrap-server", lab.upstream, "--offset-json-file", spec)
        os.unlink(spec)
        t_delete = time.time()
    finally:
        connector(lab, "mm2-source", "resume")

    def got(name):
        return [n for n in a.notifications(t0) if n["notification"]["status"] == "firing" and any(
            x["labels"]["alertname"] == name for x in n["notification"]["alerts"])]

    expired = wait_for("MirrorRecordsExpired notified", lambda: got("MirrorRecordsExpired"), 90, interval=1)
    t_expired = expired[0]["received"] - t_delete
    # Lost probes count at the exporter's deadline (2 min): MirrorProbeLoss follows.
    loss = wait_for("MirrorProbeLoss notified", lambda: got("MirrorProbeLoss"), 240, interval=1)
    t_loss = loss[0]["received"] - t_delete
    text = json.dumps(expired[0]["notification"]["alerts"])
    lab.report(f"alerting induced loss ({', '.join(f'{topic}/{p}<{o}' for p, o in ends.items())} deleted "
               f"upstream with MM2 paused): MirrorRecordsExpired at the webhook after {t_expired:.1f} s, "
               f"MirrorProbeLoss after {t_loss:.1f} s (probe deadline 2 min)")
    assert expired[0]["path"] == "/oncall-downstream" and f'"topic": "{topic}"' in text, expired[0]
    assert loss[0]["path"] == "/oncall-downstream", loss[0]
