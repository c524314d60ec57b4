"""The lab's Prometheus runs the bundle's configuration (prometheus/prometheus.yml, addresses of the lab): its
targets are the bundle's, labelled as the bundle labels them, and no series carries an exported_* label (what a
job without honor_labels does to kafka-exporter's own cluster label)."""
import json
import os
import urllib.parse
import urllib.request

import yaml

from helpers import wait_for

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def prom_get(lab, path, **params):
    url = f"{lab.prometheus}{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=30) as r:
        body = json.loads(r.read())
    assert body["status"] == "success", body
    return body["data"]


def expected_targets(lab):
    """{(job, lab host:port): labels} from the bundle file itself, kept where a running lab service listens
    (lab status), with no code shared with the lab's renderer."""
    with open(os.path.join(REPO, "prometheus", "prometheus.yml")) as f:
        cfg = yaml.safe_load(f)
    live = {(s["host"], p) for s in lab.status()["services"] if not s.get("skipped") for p in s["ports"]}
    moved = {int(k): v for k, v in lab.info["ports"].items()}  # the layout ports the lab serves elsewhere
    want = {}
    for job in cfg["scrape_configs"]:
        for g in job["static_configs"]:
            for target in g["targets"]:
                host, port = target.split(":")
                port = moved.get(int(port), int(port))
                if (lab.addr(host), port) in live:
                    want[(job["job_name"], f"{lab.addr(host)}:{port}")] = dict(g.get("labels", {}))
    return want


def test_lab_scrapes_the_bundle_targets_with_the_bundle_labels(lab):
    want = expected_targets(lab)
    assert ("kafka-exporter", f"{lab.addr('kafka01')}:9308") in want, "the lab runs no kafka-exporter"
    assert ("node", f"{lab.addr('kafka01')}:19100") in want, "the lab runs no node-exporter-lite"

    def all_up():
        active = prom_get(lab, "/api/v1/targets", state="active")["activeTargets"]
        return active if len(active) == len(want) and all(a["health"] == "up" for a in active) else None
    active = wait_for("every target up", all_up, 90, interval=2)
    got = {}
    for a in active:
        labels = dict(a["labels"])
        key = (labels.pop("job"), labels.pop("instance"))
        got[key] = labels
    assert got == want
    lab.report(f"lab Prometheus: {len(got)} targets, bundle's jobs and labels: "
               + ", ".join(sorted({j for j, _ in got})))


def test_no_series_carries_an_exported_label(lab):
    # Wait for a full scrape of kafka-exporter, whose own cluster label is what honor_labels keeps.
    q = 'kafka_brokers{job="kafka-exporter"}'
    res = wait_for("kafka_brokers from both kafka-exporters",
                   lambda: (r := prom_get(lab, "/api/v1/query", query=q)["result"]) and len(r) == 2 and r, 60)
    assert sorted(r["metric"]["cluster"] for r in res) == ["downstream", "upstream"]
    for r in res:
        assert r["metric"]["datacenter"] == r["metric"]["cluster"], r
    names = prom_get(lab, "/api/v1/labels")
    exported = [n for n in names if n.startswith("exported_")]
    assert not exported, exported
    n = prom_get(lab, "/api/v1/query", query="count({__name__=~'.+'})")["result"][0]["value"][1]
    lab.report(f"lab Prometheus: {n} series, label names {len(names)}, exported_*: none")
