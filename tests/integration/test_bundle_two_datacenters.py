"""Alerting and the global view on the lab (issue 11): the per-datacenter Prometheus servers evaluate the bundle's
rules, the two Alertmanager peers (one gossip cluster) route them with the bundle's alertmanager.yml, and the lab's
recorder (lab/webhook.py, what a paging gateway would get) is the oracle: every assertion counts what it received.

- WAN cut: the lab's mirror-exporter reads and probes upstream across the WAN, as MM2 does (lab/labkit/plan.py), so
  KafkaClusterUnreachable{side="source"} ("the mirror to downstream is stalled: its source cluster is unreachable")
  reaches the on-call once, within the exporter's poll + its request timeouts + a scrape + an evaluation + `for` +
  group_wait of the cut (Alerting.source_budget); every other alert of the cause (the probes' stall, heartbeats...)
  fires too but is inhibited, none is sent; the restore is one resolved notification.
- An Alertmanager peer down when an alert fires and back while it fires: one notification, one resolution.
- The upstream datacenter lost (its Prometheus, its Alertmanager peer, the WAN): the downstream side alone still
  alerts, exactly once — the source unreachable, the mirror stalled (its stall alerts fire, muted by it) — and
  resolves once. What it saw of the upstream cluster is printed (the cross-datacenter scrape of the upstream groups
  does not cross the lab's WAN proxy, only Kafka's protocol does).
- The global view (VictoriaMetrics): every dashboard query answers for All and for each datacenter (but the panels of
  a dashboard about the other datacenter, ONE_DATACENTER), while the downstream Prometheus is stopped for a minute,
  its HA replica writing the same series: no gap, no sample twice.
- Induced real loss (probe records deleted upstream before MM2 copied them): MirrorRecordsExpired and MirrorProbeLoss
  reach the webhook.

The lab runs the rules' `for` and the routes' waits divided by LAB_ALERT_SCALE (labkit/alerting.py); the budgets
below are read from the rendered configs, so they hold for any scale. Budget: about 8 minutes, most of it the
bundle's own 60 s stall threshold and 2 min probe deadline.
"""
import datetime
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
# Dashboards about one datacenter only: with the selector on the other datacenter their panels have no data, by
# design. Every other panel must have data for each datacenter in the global view.
# {dashboard: (its datacenter, why)}
ONE_DATACENTER = {
    "mirrormaker2.json": ("downstream", "every series on it is the mirror-exporter's, Connect's or a recording of "
                          "them, and both run downstream beside MM2; the upstream end of the mirror is on Kafka "
                          "clusters and Consumer lag"),
}
# What one mirror cause may produce besides KafkaClusterUnreachable{side="source"} (the inhibitions' targets in
# alertmanager.yml; KafkaClusterUnreachable of another side or cluster counts too, see same_cause).
# The lab's mirror-exporter polls the clusters and times its requests out at the defaults of --mirror.poll-interval
# and --kafka.timeout (lab/labkit/plan.py passes neither).
POLL_INTERVAL, KAFKA_TIMEOUT = 5.0, 5.0
# How long Prometheus keeps sending an alert after it resolved (rules/alerting.go, resolvedRetention).
RESOLVED_RESENT = 15 * 60
SAME_CAUSE = {"MirrorProbesStalled", "MirrorProbeLoss", "MirrorTopicStalled", "MirrorHeartbeatStale",
              "MirrorCheckpointsStale", "MirrorLatencyHigh", "KafkaClusterUnreachable"}


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
        kafka = os.path.join(conf, "rules-lab", "alerts.yml")
        with open(kafka if os.path.exists(kafka) else os.path.join(REPO, "prometheus", "rules", "alerts.yml")) as f:
            rules = {r["alert"]: r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r}
        self.source_for = seconds(rules["KafkaClusterUnreachable"].get("for", "0s"))
        with open(os.path.join(conf, "prometheus-down.yml")) as f:
            prom = yaml.safe_load(f)
        job = next(j for j in prom["scrape_configs"] if j["job_name"] == "mirror-exporter")
        self.scrape = seconds(job.get("scrape_interval", prom["global"]["scrape_interval"]))
        self.evaluation = seconds(prom["global"]["evaluation_interval"])

    def source_budget(self):
        """The latest the KafkaClusterUnreachable{side="source"} notification may come after a cut, each step at
        its worst phase: the exporter's poll under way at the cut read the source's metadata just before it and
        waits out its two offset requests to the source (2 x --kafka.timeout), sleeps to the next poll (a poll
        interval from the last start) whose metadata request times out (--kafka.timeout): mirror_up 0; the next
        scrape sees that (a scrape interval, plus the scrape's own time: the sample counts once stored);
        the next evaluation reads it (an evaluation interval): pending; it fires at the first evaluation `for`
        later (`for` in whole evaluation ticks); Alertmanager holds a new group group_wait. But a group notified
        less than 15 minutes ago still exists (Prometheus re-sends a resolved alert that long, which keeps its
        group in Alertmanager): a new alert in it waits for the group's next tick, up to group_interval. The
        scrape's and the rule group's durations are measured on prometheus-down now. Returns (budget, terms)."""
        q = 'max_over_time(scrape_duration_seconds{job="mirror-exporter"}[2m])'
        scrape_took = max([float(r["value"][1]) for r in
                           get(f"{self.prom['downstream']}/api/v1/query?query=" + urllib.parse.quote(q))
                           ["data"]["result"]] or [0.0])
        eval_took = max([g["evaluationTime"] for g in get(f"{self.prom['downstream']}/api/v1/rules")["data"]["groups"]
                         if any(r["name"] == "KafkaClusterUnreachable" for r in g["rules"])] or [0.0])
        ticks = -(-self.source_for // self.evaluation) * self.evaluation
        group = ("group_interval", self.group_interval) if any(
            source_down(n) for n in self.notifications(time.time() - RESOLVED_RESENT - 60)) else \
            ("group_wait", self.group_wait)
        terms = [("offset requests", 2 * KAFKA_TIMEOUT), ("poll interval", POLL_INTERVAL),
                 ("metadata timeout", KAFKA_TIMEOUT), ("scrape", self.scrape), ("scrape took", scrape_took),
                 ("evaluation", self.evaluation), ("rules took", eval_took), ("for", ticks), group]
        return sum(v for _, v in terms), " + ".join(f"{k} {v:.3g}" for k, v in terms)

    def notifications(self, since=0.0):
        return [n for n in get(f"{self.webhook}/notifications") if n["received"] >= since]

    def am_alerts(self, dc="downstream"):
        return get(f"{self.am[dc]}/api/v2/alerts?active=true&inhibited=true&silenced=true")

    def peers(self, dc):
        return [p["name"] for p in get(f"{self.am[dc]}/api/v2/status")["cluster"].get("peers") or []]

    def mirror_alerts_active(self):
        return [a["labels"]["alertname"] for dc in self.am for a in self.am_alerts(dc)
                if a["labels"]["alertname"] in SAME_CAUSE]

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


def is_source_down(x):
    return x["labels"]["alertname"] == "KafkaClusterUnreachable" and x["labels"].get("side") == "source"


def source_down(n):
    return [x for x in n["notification"]["alerts"] if is_source_down(x)]


def same_cause(notes):
    return [(n["notification"]["status"], x["labels"]["alertname"]) for n in notes
            for x in n["notification"]["alerts"] if x["labels"]["alertname"] in SAME_CAUSE and not is_source_down(x)]


def held(note):
    """Seconds from the alert's firing (startsAt: Prometheus sends its FiredAt) to the webhook: Alertmanager's part."""
    fired = datetime.datetime.fromisoformat(source_down(note)[0]["startsAt"].replace("Z", "+00:00"))
    return note["received"] - fired.timestamp()


def cut_until_notified(lab, a, t0, budget):
    """Waits for the KafkaClusterUnreachable{side="source"} notification of a cut made at t0, then for the cause's
    other alerts (the mirror's stall: heartbeats, probes) to show up inhibited in a peer; returns (notification,
    seconds after t0, inhibited alert names)."""
    notes = wait_for("the mirror's source unreachable notified",
                     lambda: [n for n in a.notifications(t0) if source_down(n)], budget + 30, interval=0.5)
    took = notes[0]["received"] - t0
    # The cause's other alerts fire too (the stall's 60 s threshold and `for` after the cut) but the peers hold
    # them back. Not for long: the link must be back before the exporter's 2 min probe deadline, after which the
    # probes caught between upstream and MM2 count as lost.
    inhibited = set()
    while time.time() < t0 + a.stalled_threshold + a.stalled_for + 40 and not inhibited:
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
        n for n in a.notifications(since) if source_down(n) and n["notification"]["status"] == "resolved"],
        a.group_interval * 2 + 90, interval=0.5)
    time.sleep(a.group_interval * 2 + 15 + 2)
    notes = a.notifications(t0)
    fired = [n for n in notes if source_down(n) and n["notification"]["status"] == "firing"]
    done = [n for n in notes if source_down(n) and n["notification"]["status"] == "resolved"]
    return resolved[0]["received"] - since, fired, done, notes


def test_wan_cut_one_notification_one_resolved_rest_inhibited(lab, alerting):
    a = alerting
    budget, terms = a.source_budget()
    t_call = time.time()
    try:
        # The proxy's own time of the cut (state_since), not the `lab wan` command's start: that is a process
        # start before it, seconds on a loaded machine.
        t0 = lab.wan("cut")["state_since"]
        first, took, inhibited = cut_until_notified(lab, a, t0, budget)
    finally:
        lab.wan("restore")
    t_restore = time.time()
    n = first["notification"]
    assert first["path"] == "/oncall-downstream" and n["status"] == "firing", first
    labels, summary = source_down(first)[0]["labels"], source_down(first)[0]["annotations"]["summary"]
    assert labels["cluster"] == "downstream" and labels["datacenter"] == "downstream", labels
    assert labels["job"] == "mirror-exporter", labels
    assert "mirror" in summary.lower() and "downstream" in summary and "source cluster" in summary, summary
    took_resolved, fired, done, notes = settled(a, t0, t_restore, "the WAN cut")
    lab.report(f"alerting WAN cut: KafkaClusterUnreachable{{side=source}} notified once {took:.1f} s after the cut (`lab wan cut` "
               f"took {t0 - t_call:.1f} s to make it; budget {terms} = {budget:.1f} s; fired to webhook "
               f"{held(first):.1f} s); fired and inhibited: {', '.join(sorted(inhibited)) or 'none'}; "
               f"cut {t_restore - t0:.0f} s; resolved once {took_resolved:.1f} s after restore; {len(fired)} firing "
               f"+ {len(done)} resolved notifications, {len(same_cause(notes))} for the inhibited alerts")
    assert took <= budget, f"notified after {took:.1f} s, budget {budget:.1f} s ({terms})"
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
    budget, terms = a.source_budget()
    # The datacenter's monitoring first, then the link: the budget counts from the cut, the proxy's own time of it
    # (each `lab` command is a process start, seconds on a loaded machine), and the proxy is stopped after it.
    lab.stop("prometheus-up", "alertmanager-up")
    try:
        t0 = lab.wan("cut")["state_since"]
        lab.stop("wan")
        first, took, inhibited = cut_until_notified(lab, a, t0, budget)
        peers_left = len(a.peers("downstream"))
        upstream_seen, source_min = upstream_from_downstream(a, time.time() - t0)
    finally:
        # The link first, then the datacenter's monitoring once the cause is over. (A peer that starts while the
        # alerts still fire was seen to notify them again from the stale state it got: see lab/README.md.)
        lab.run("restart", "wan")
    t_back = time.time()
    took_resolved, fired, done, notes = settled(a, t0, t_back, "the link's return")
    lab.run("up", lab.profile or "default")
    time.sleep(a.group_interval * 2 + 15 + 2)
    notes = a.notifications(t0)
    fired = [n for n in notes if source_down(n) and n["notification"]["status"] == "firing"]
    done = [n for n in notes if source_down(n) and n["notification"]["status"] == "resolved"]
    summary = source_down(first)[0]["annotations"]["summary"]
    lab.report(f"alerting upstream datacenter lost (prometheus-up, alertmanager-up, wan stopped): "
               f"KafkaClusterUnreachable{{side=source}} notified by the downstream peer {took:.1f} s after the cut "
               f"(budget {terms} = {budget:.1f} s; fired to webhook {held(first):.1f} s), alone in its cluster "
               f"({peers_left} peer): \"{summary}\"; fired and inhibited: {', '.join(sorted(inhibited)) or 'none'}; "
               f"link back after {t_back - t0:.0f} s, resolved {took_resolved:.1f} s later, then the datacenter's "
               f"Prometheus and peer; {len(fired)} firing + {len(done)} resolved notifications; the upstream side as "
               f"prometheus-down saw it during the cut: {upstream_seen}")
    assert first["path"] == "/oncall-downstream" and peers_left == 1, (first["path"], peers_left)
    assert "mirror" in summary.lower() and "source cluster" in summary, summary
    assert source_min == 0, upstream_seen
    assert took <= budget, f"notified after {took:.1f} s, budget {budget:.1f} s ({terms})"
    # The mirror's stall is seen downstream too: it fired, muted by the source's alert.
    assert inhibited & {"MirrorProbesStalled", "MirrorHeartbeatStale"}, inhibited
    assert len(fired) == 1 and len(done) == 1, [(n["path"], n["notification"]["status"]) for n in notes]
    assert not same_cause(notes), same_cause(notes)


def upstream_from_downstream(a, window):
    """What the downstream server holds about the upstream cluster over the last `window` seconds: the lowest
    mirror_up{side="source"} (the mirror-exporter's metadata requests to it, across the WAN) and up of its
    cross-datacenter scrape (which in the lab does not cross the WAN proxy). Returns (text, the former or None)."""
    out, lows = [], []
    for expr in ('mirror_up{side="source"}', 'up{job="kafka-exporter-upstream-groups"}'):
        q = f"min(min_over_time({expr}[{max(10, int(window))}s]))"
        res = get(f"{a.prom['downstream']}/api/v1/query?query=" + urllib.parse.quote(q))["data"]["result"]
        lows.append(float(res[0]["value"][1]) if res else None)
        out.append(f"min {expr} {res[0]['value'][1] if res else 'absent'}")
    return ", ".join(out), lows[0]


# ---------------------------------------------------------------------------------------------------------------
def vm_query(a, expr):
    return get(f"{a.vm}/api/v1/query?query=" + urllib.parse.quote(expr))["data"]["result"]


def dashboard_check(url, datacenter, profile):
    """Every dashboard query of every panel against url with the datacenter variable at one value (or All):
    {dashboard: [panels without data]}; every query must run. The KRaft row has data on the kraft profile only
    (test_bundle_dashboards.kraft_panels; test_kraft.py checks it there)."""
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
        kraft_only = set() if profile == "kraft" else dashboards.kraft_panels(dash)
        for title, ref, expr in dashboards.queries(dash, values):
            res = dashboards.prom_get(url, "/api/v1/query", query=expr)
            assert res["status"] == "success", (name, title, expr, res)
            if not res["data"]["result"] and title not in kraft_only:
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
            per_dc[dc] = dashboard_check(a.vm, dc, lab.profile)
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
               + "; ".join(f"{dc}: {sum(map(len, e.values()))}"
                           + "".join(f" ({len(v)} of {k})" for k, v in sorted(e.items())) for dc, e in per_dc.items())
               + f" (one-datacenter dashboards: {', '.join(f'{k} {v[0]}' for k, v in ONE_DATACENTER.items())})")
    assert len(series) == 1, series  # the two servers' samples are one series
    assert 12 <= len(stamps) <= 15 and max(gaps) <= 10.5, (len(stamps), gaps)
    # Every panel has data for All and for each datacenter, but a dashboard of the other datacenter (ONE_DATACENTER).
    missing = {dc: {name: panels for name, panels in empty.items()
                    if dc == "All" or ONE_DATACENTER.get(name, (dc,))[0] == dc}
               for dc, empty in per_dc.items()}
    assert not any(missing.values()), missing


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
