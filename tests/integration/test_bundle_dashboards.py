"""Grafana dashboards: valid against @grafana/schema's published Dashboard type, current with dashboards/build.py,
and every query of every panel (variables substituted) returns data from the lab's Prometheus."""
import fcntl
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from helpers import prom  # noqa: F401 -- the fixture, found by pytest under this name

TOP = pathlib.Path(__file__).resolve().parents[2]
DASH = TOP / "dashboards"
# Pinned so a new Grafana release cannot change the verdict silently.
GRAFANA_SCHEMA = "@grafana/schema@13.2.3"
SCHEMA_GENERATOR = "ts-json-schema-generator@2.4.0"
TYPES = "node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts"
DATA_TIMEOUT = float(os.environ.get("BUNDLE_DATA_TIMEOUT", "240"))


def dashboards():
    return {p.name: json.loads(p.read_text()) for p in sorted(DASH.glob("*.json"))}


def cache_dir():
    for base in (os.environ.get("BUNDLE_CACHE"), "/var/cache/kafka-monitoring-test",
                 os.path.expanduser("~/.cache/kafka-monitoring-test")):
        if not base:
            continue
        try:
            pathlib.Path(base).mkdir(parents=True, exist_ok=True)
            if os.access(base, os.W_OK):
                return pathlib.Path(base)
        except OSError:
            continue
    pytest.skip("no writable cache directory")


@pytest.fixture(scope="module")
def grafana_schema():
    """JSON Schema of Grafana's Dashboard, generated from the TypeScript types @grafana/schema publishes
    (the package ships types, not a JSON schema)."""
    if not shutil.which("npm"):
        pytest.skip("npm not installed")
    work = cache_dir() / "grafana-schema"
    out = work / "dashboard.schema.json"
    work.mkdir(parents=True, exist_ok=True)
    # Two sessions at once must not npm-install into the same directory.
    with open(work / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not out.exists():
            generate_schema(work, out)
    return json.loads(out.read_text())


def generate_schema(work, out):
    (work / "package.json").write_text('{"name": "bundle-schema", "private": true}\n')
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", GRAFANA_SCHEMA, SCHEMA_GENERATOR],
                   cwd=work, check=True, timeout=300)
    subprocess.run(["npx", "--no-install", "ts-json-schema-generator", "--path", TYPES, "--type", "Dashboard",
                    "--no-type-check", "-o", str(out) + ".tmp"], cwd=work, check=True, timeout=300)
    os.replace(str(out) + ".tmp", out)


def test_dashboards_are_generated_from_build_py():
    sys.path.insert(0, str(DASH))
    try:
        import build  # noqa: E402  (dashboards/build.py)
    finally:
        sys.path.pop(0)
    for name, text in build.render().items():
        assert (DASH / name).read_text() == text, f"dashboards/{name} is stale: run dashboards/build.py"


def test_five_dashboards_with_variables():
    d = dashboards()
    titles = {x["title"] for x in d.values()}
    assert titles == {"Kafka clusters", "Consumer lag", "MirrorMaker 2", "Hosts", "Data path to the index"}
    for name, dash in d.items():
        assert dash["schemaVersion"] >= 39
        names = [v["name"] for v in dash["templating"]["list"]]
        assert names[0] == "datasource" and "cluster" in names, name
        for p in panels(dash):
            for t in p.get("targets", []):
                assert t["datasource"]["uid"] == "${datasource}", (name, p["title"])
    assert "topic" in [v["name"] for v in d["kafka-clusters.json"]["templating"]["list"]]
    assert {"consumergroup", "topic"} <= {v["name"] for v in d["consumer-lag.json"]["templating"]["list"]}
    assert {"consumergroup", "topic"} <= {v["name"] for v in d["mirrormaker2.json"]["templating"]["list"]}
    assert "topic" in [v["name"] for v in d["datapath.json"]["templating"]["list"]]


def test_dashboards_validate_against_grafana_schema(grafana_schema):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(grafana_schema)
    for name, dash in dashboards().items():
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(dash)]
        assert not errors, f"{name}: " + "\n".join(errors[:10])
    # The schema is strict enough to catch a typo in a panel.
    broken = json.loads(json.dumps(dashboards()["hosts.json"]))
    broken["panels"][1]["gridpos"] = broken["panels"][1].pop("gridPos")
    assert list(validator.iter_errors(broken))


def test_provisioning_files():
    import yaml
    ds = yaml.safe_load((DASH / "provisioning/datasources/prometheus.yml").read_text())
    assert ds["datasources"][0]["type"] == "prometheus" and ds["datasources"][0]["uid"] == "prometheus"
    prov = yaml.safe_load((DASH / "provisioning/dashboards/kafka-monitoring.yml").read_text())
    assert prov["providers"][0]["type"] == "file" and prov["providers"][0]["options"]["path"]


# ---------------------------------------------------------------------------------------------------------------
def panels(dash):
    for p in dash["panels"]:
        yield p
        yield from p.get("panels", [])


def prom_get(url, path, **params):
    q = urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(f"{url}{path}?{q}", timeout=30) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{path} {params}: HTTP {e.code}: {e.read().decode(errors='replace')}") from None


def label_values(url, definition):
    m = re.fullmatch(r"label_values\((?:(.+),\s*)?(\w+)\)", definition.strip())
    assert m, definition
    selector, label = m.group(1), m.group(2)
    if selector:
        res = prom_get(url, "/api/v1/series", **{"match[]": selector, "start": time.time() - 600})["data"]
        return sorted({s[label] for s in res if label in s})
    return sorted(prom_get(url, f"/api/v1/label/{label}/values")["data"])


def substitute(text, values):
    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return values.get(name, m.group(0))
    return re.sub(r"\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]", one, text)


def grafana_regex_escape(value):
    # What Grafana's Prometheus datasource does to multi-value variables: regex-escape inside a PromQL string.
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(0), value.replace("\\", "\\\\\\\\"))


def resolve_variables(url, dash, pick_first):
    """Grafana's defaults: 'All' (the variable's allValue) where offered, else the first value. With pick_first,
    the first value everywhere. Chained variables see the earlier ones substituted."""
    values = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m"}
    for v in dash["templating"]["list"]:
        if v["type"] != "query":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        found = label_values(url, substitute(q, values))
        if v.get("includeAll") and not pick_first:
            values[v["name"]] = v.get("allValue", ".*")
        else:
            assert found, f"{dash['title']}: variable {v['name']} has no values ({q})"
            values[v["name"]] = grafana_regex_escape(found[0]) if v.get("multi") or v.get("includeAll") else found[0]
    return values


def queries(dash, values, titles=None):
    for p in panels(dash):
        if titles is not None and p["title"] not in titles:
            continue
        for t in p.get("targets", []):
            yield p["title"], t["refId"], substitute(t["expr"], values)


def kraft_panels(dash):
    """Titles of the panels in a row whose title starts with "KRaft" (dashboards/build.py KRAFT_ROW): their series
    exist on KRaft clusters only, so they are checked on the kraft profile (test_kraft.py)."""
    out, inside = set(), False
    for p in dash["panels"]:
        if p["type"] == "row":
            inside = p["title"].startswith("KRaft")
        elif inside:
            out.add(p["title"])
    return out


def panels_without_data(url, dash, titles=None, timeout=DATA_TIMEOUT):
    """The queries (of the panels named in titles, or all) that return nothing, retried until timeout."""
    deadline = time.monotonic() + timeout
    while True:
        empty = []
        try:
            values = resolve_variables(url, dash, pick_first=False)
            for title, ref, expr in queries(dash, values, titles):
                res = prom_get(url, "/api/v1/query", query=expr)
                assert res["status"] == "success", (title, expr, res)
                if not res["data"]["result"]:
                    empty.append(f"{title} [{ref}]: {expr}")
        except AssertionError as e:
            empty.append(str(e))
        if not empty or time.monotonic() > deadline:
            return empty
        time.sleep(10)


@pytest.mark.parametrize("name", ["kafka-clusters.json", "consumer-lag.json", "mirrormaker2.json", "hosts.json"])
def test_every_panel_returns_data(lab, prom, name):
    dash = dashboards()[name]
    titles = None
    if lab.profile != "kraft":
        titles = {p["title"] for p in panels(dash)} - kraft_panels(dash)
    empty = panels_without_data(prom, dash, titles)
    assert not empty, f"{dash['title']}: panels without data:\n" + "\n".join(empty)


@pytest.mark.parametrize("name", ["kafka-clusters.json", "consumer-lag.json", "mirrormaker2.json", "hosts.json"])
def test_queries_valid_with_single_values(prom, name):
    # Each variable set to one concrete value (as a user picks it): every query must still parse and run.
    dash = dashboards()[name]
    values = resolve_variables(prom, dash, pick_first=True)
    for title, ref, expr in queries(dash, values):
        res = prom_get(prom, "/api/v1/query", query=expr)
        assert res["status"] == "success", (title, ref, expr)
