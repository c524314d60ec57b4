"""The whole data path on a system lab (lab up system): Schema Registry, producer-1, MM2, consumer-2 and the index,
and the bundle's accounting of it (index-audit, rules/datapath.yml) catching what goes wrong, naming topic and
partition. The audit's deadline is 30 s here (LAB_AUDIT_DEADLINE) so that a loss is due quickly; the bundle's is
120 s. The 100,000-record run with a WAN cut is bench/run-datapath."""
import json
import os
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from conftest import LAB, Lab, _zombie, free_prefix, lab_report

TOPIC = "peter-avro01-kafka1"
DEADLINE = 30  # short for the test, long enough that a loaded 2-core machine's consumer-2 keeps within it


def http(method, url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def wait(what, fn, timeout, interval=1.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="module")
def system():
    pytest.importorskip("confluent_kafka.schema_registry.avro", reason="scripts/install-deps installs confluent-kafka")
    pytest.importorskip("opensearchpy", reason="scripts/install-deps installs opensearch-py")
    state = tempfile.mkdtemp(prefix="lab-system-")
    os.chmod(state, 0o755)  # OpenSearch runs as nobody and must reach its directory
    env = dict(os.environ, LAB_PREFIX=free_prefix(), LAB_STATE=state, LAB_AUDIT_DEADLINE=str(DEADLINE))
    t0 = time.time()
    r = subprocess.run([LAB, "up", "system"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900)
    if r.returncode != 0:
        subprocess.run([LAB, "down"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        pytest.fail(f"lab up system failed (state kept in {state}):\n{r.stdout[-4000:]}")
    lab = Lab(env, owned=True)
    lab.up_seconds = time.time() - t0
    st = lab.status()
    lab_report(f"lab up (system, {env['LAB_PREFIX']}): {lab.up_seconds:.1f}s, RSS after up {st['rss_kb'] / 1024:.0f} MiB")
    lab.os = f"http://{lab.addr('zk01')}:9200"
    lab.audit = f"http://{lab.addr('zk01')}:9410/metrics"
    try:
        yield lab
    finally:
        pids = lab.pids()
        d = subprocess.run([LAB, "down"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=300)
        alive = [p for p in pids if os.path.exists(f"/proc/{p}") and not _zombie(p)]
        assert d.returncode == 0 and not alive, f"lab down left {alive}:\n{d.stdout}"
        subprocess.run(["rm", "-rf", state])


def prom_q(lab, expr):
    _, res = http("GET", f"{lab.prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    return res["data"]["result"]


def prom_v(lab, expr):
    r = prom_q(lab, expr)
    return float(r[0]["value"][1]) if r else None


def firing(lab, name):
    _, res = http("GET", f"{lab.prometheus}/api/v1/alerts")
    return [a for a in res["data"]["alerts"] if a["labels"]["alertname"] == name and a["state"] == "firing"]


def app_metric(lab, host, port, name, **labels):
    with urllib.request.urlopen(f"http://{lab.addr(host)}:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and want in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def quiet(lab, timeout=180):
    """Steady state before inducing a loss: nothing reported missing (consumer-2 within the deadline)."""
    wait("no IndexRecordsMissing firing", lambda: not firing(lab, "IndexRecordsMissing"), timeout, 2)


def test_every_part_runs_and_is_scraped(system):
    st = wait("every service healthy", lambda: (lambda s: s if s["healthy"] else None)(system.status()), 120, 2)
    assert st["healthy"], json.dumps(st, indent=1)
    names = {s["name"] for s in st["services"] if s["running"]}
    assert {"schema-registry", "opensearch", "elasticsearch-exporter", "producer-1", "consumer-1", "consumer-2",
            "index-audit"} <= names
    up = wait("every data-path job up in Prometheus", lambda: (lambda r: r if len(r) == 6 and all(
        x["value"][1] == "1" for x in r) else None)(prom_q(
            system, 'up{job=~"schema-registry|elasticsearch|index-audit|apps"}')), 60)
    assert {x["metric"]["job"] for x in up} == {"schema-registry", "elasticsearch", "index-audit", "apps"}
    assert prom_v(system, "sum(registry_artifacts)") >= 1  # producer-1 registered its subject
    # Green once the indices consumer-2 creates are allocated (seconds; longer on a loaded machine).
    wait("the index cluster green", lambda: prom_v(system, 'max(elasticsearch_cluster_health_status{color="green"})') == 1,
         90, 2)


def test_consumer2_decodes_mirrored_records_into_the_index_once_each(system):
    # Every partition's records reach the index under their upstream coordinates, and the audit finds none missing.
    def indexed():
        _, r = http("POST", f"{system.os}/{TOPIC}/_search", {"size": 0, "aggs": {"p": {"terms": {"field": "partition"}}}})
        return r["aggregations"]["p"]["buckets"] if isinstance(r, dict) and len(
            r["aggregations"]["p"]["buckets"]) == 3 else None
    wait("documents from all three partitions", indexed, 120)
    _, doc = http("GET", f"{system.os}/{TOPIC}/_doc/{TOPIC}-1-0")
    assert doc["found"] and doc["_source"]["partition"] == 1 and doc["_source"]["seq"] == 0
    assert doc["_source"]["downstream_topic"] == "src." + TOPIC  # read from the mirrored topic
    missing = wait("the audit's due figures: three partitions, none missing", lambda: (lambda r: r if len(r) == 3 and all(
        float(m["value"][1]) == 0 for m in r) else None)(prom_q(system, f'index_audit_missing_records{{topic="{TOPIC}"}}')),
        DEADLINE + 120, 2)
    assert len(missing) == 3, missing
    # The retention risk on the dashboard's row: a caught-up consumer-2 has the topic's whole retention ahead.
    margin = wait("consumer-2's retention margin", lambda: prom_v(
        system, f'topic:datapath_consumer2_retention_margin_seconds:min{{topic="{TOPIC}"}}'), 60)
    assert margin > 3600 and not firing(system, "DatapathRetentionMarginLow"), margin
    assert prom_v(system, f'topic:datapath_consumer2_retention_margin_records:min{{topic="{TOPIC}"}}') is not None
    # The hops agree once the path is idle: upstream = mirrored = committed = indexed. (While producer-1 sends, each
    # hop is read by a different exporter at its own moment, up to a collection + a scrape apart.)
    hops = ["upstream", "mirrored", "consumer2_committed", "indexed"]
    system.run("app", "stop", "producer-1")
    try:
        figures = wait("the four hop figures equal", lambda: (lambda v: v if None not in v and len(set(v)) == 1 else None)(
            [prom_v(system, f'topic:datapath_{h}_records:sum{{topic="{TOPIC}"}}') for h in hops]), 90, 2)
        assert figures[0] > 0
    finally:
        system.run("app", "start", "producer-1")
    # No duplicates: documents == distinct (partition, seq).
    _, r = http("POST", f"{system.os}/{TOPIC}/_search", {"size": 0, "track_total_hits": True, "aggs": {
        "p": {"terms": {"field": "partition"}, "aggs": {"seqs": {"cardinality": {"field": "seq"}}}}}})
    for b in r["aggregations"]["p"]["buckets"]:
        assert abs(b["doc_count"] - b["seqs"]["value"]) <= b["doc_count"] * 0.01  # cardinality is approximate


def test_deleted_document_is_reported_with_topic_and_partition(system):
    quiet(system)
    _, r = http("POST", f"{system.os}/{TOPIC}/_search", {"size": 1, "query": {"term": {"partition": 2}},
                                                          "sort": [{"seq": "asc"}]})
    hit = r["hits"]["hits"][0]
    http("DELETE", f"{system.os}/{TOPIC}/_doc/{hit['_id']}?refresh=true")
    t0 = time.time()
    try:
        alerts = wait("IndexRecordsMissing for partition 2", lambda: firing(system, "IndexRecordsMissing"), 30, 0.5)
        took = time.time() - t0
        assert (TOPIC, "2") in [(a["labels"]["topic"], a["labels"]["partition"]) for a in alerts]
        system.report(f"datapath: a deleted document reported (topic, partition 2) {took:.1f}s after the deletion")
        assert took <= 15  # one scrape (5 s) + one evaluation (1 s), with slack for a loaded machine
    finally:
        http("PUT", f"{system.os}/{TOPIC}/_doc/{hit['_id']}?refresh=true", hit["_source"])
    wait("IndexRecordsMissing to clear", lambda: not firing(system, "IndexRecordsMissing"), 30)


def test_garbage_and_unknown_schema_ids_are_counted_and_stored_never_dropped(system):
    pid = system.status()["services"]
    pid = {s["name"]: s["pid"] for s in pid}["consumer-2"]
    before2 = app_metric(system, "zk01", 9403, "consumer_records_total", result="invalid")
    before1 = app_metric(system, "kafka01", 9402, "consumer_records_total", result="invalid")
    system.kcat("-b", system.upstream, "-P", "-t", TOPIC, "-p", "0", input="this is not avro\n")
    # Magic byte 0 and schema id 999999, which the registry does not know.
    subprocess.run(["kcat", "-b", system.upstream, "-P", "-t", TOPIC, "-p", "0"], input=b"\x00\x00\x0f\x42\x3f\x02\x04ab",
                   check=True, timeout=60)
    wait("consumer-2 to count both as invalid", lambda: app_metric(
        system, "zk01", 9403, "consumer_records_total", result="invalid") >= before2 + 2, 90)
    wait("consumer-1 to count both as invalid", lambda: app_metric(
        system, "kafka01", 9402, "consumer_records_total", result="invalid") >= before1 + 2, 90)
    http("POST", f"{system.os}/{TOPIC}-invalid/_refresh")
    _, r = http("POST", f"{system.os}/{TOPIC}-invalid/_search", {"size": 10})
    errors = sorted(h["_source"]["error"] for h in r["hits"]["hits"])
    assert any("unknown schema id" in e for e in errors) and any("undecodable" in e for e in errors), errors
    assert {s["name"]: s["pid"] for s in system.status()["services"]}["consumer-2"] == pid  # no crash, no restart
    # The audit counts each stored invalid record for its partition: nothing reported missing for them.
    time.sleep(DEADLINE + 10)
    quiet(system, 60)


def test_read_only_index_holds_commits_reports_missing_and_catches_up_without_duplicates(system):
    # A read-only index (as a full disk makes it): consumer-2 retries and commits nothing; past the deadline the audit
    # reports the records missing; writable again, they arrive, one document each.
    quiet(system)
    retries = app_metric(system, "zk01", 9403, "consumer_retries_total")
    code, _ = http("PUT", f"{system.os}/{TOPIC}/_settings", {"index.blocks.write": True})
    assert code == 200
    try:
        wait("consumer-2 retrying", lambda: app_metric(system, "zk01", 9403, "consumer_retries_total") > retries, 30)
        alerts = wait("IndexRecordsMissing while the index refuses writes", lambda: firing(
            system, "IndexRecordsMissing"), DEADLINE + 45)
        assert {a["labels"]["topic"] for a in alerts} == {TOPIC}
        lag = prom_v(system, f'topic:datapath_consumer2_lag:sum{{topic="{TOPIC}"}}')
        assert lag and lag > 0
    finally:
        http("PUT", f"{system.os}/{TOPIC}/_settings", {"index.blocks.write": None})
    quiet(system, 120)  # once writable, the records arrive and the alert clears
    http("POST", f"{system.os}/{TOPIC}/_refresh")
    _, r = http("POST", f"{system.os}/{TOPIC}/_search", {"size": 0, "aggs": {"p": {"terms": {"field": "partition"}, "aggs": {
        "max": {"max": {"field": "seq"}}, "min": {"min": {"field": "seq"}}}}}})
    for b in r["aggregations"]["p"]["buckets"]:
        # ids are (partition, seq): a partition's documents fill its seq range exactly, no gap and no duplicate.
        assert b["doc_count"] == b["max"]["value"] - b["min"]["value"] + 1, b


def test_registry_stop_fires_the_alert_and_the_flow_resumes_after_restart(system):
    decoded_before = app_metric(system, "kafka01", 9402, "consumer_records_total", result="decoded")
    invalid_before = app_metric(system, "zk01", 9403, "consumer_records_total", result="invalid")
    system.stop("schema-registry")
    try:
        wait("SchemaRegistryDown", lambda: firing(system, "SchemaRegistryDown"), 60)
        # producer-1 says it cannot send: it checks every 3 s (a 3 s timeout, no client retries)
        wait("producer_registry_up 0", lambda: app_metric(system, "kafka01", 9401, "producer_registry_up") == 0, 10)
    finally:
        system.run("up", "system")
    # It keeps firing a minute after the registry answers again (keep_firing_for, rules/registry.yml).
    wait("SchemaRegistryDown to clear", lambda: not firing(system, "SchemaRegistryDown"), 120)
    wait("producer-1 registered again", lambda: app_metric(system, "kafka01", 9401, "producer_registry_up") == 1, 60)
    wait("consumer-1 decoding new records", lambda: app_metric(
        system, "kafka01", 9402, "consumer_records_total", result="decoded") > decoded_before + 20, 60)
    assert app_metric(system, "zk01", 9403, "consumer_records_total", result="invalid") == invalid_before


def test_consumer2_stopped_and_downstream_records_deleted_is_reported(system):
    # Last: the loss it makes stays (nothing can bring the records back to the mirrored topic).
    # The bound (docs/datapath.md): the stated deadline (the audit's deadline + one collection of the upstream
    # kafka-exporter, 5 s) + one scrape (5 s) + the alert's evaluation (1 s) after the record reached upstream.
    # From the oldest deleted record's own timestamp (producer-1's CreateTime upstream) and from the deletion.
    quiet(system)
    system.run("app", "stop", "consumer-2")
    time.sleep(3)
    http("POST", f"{system.os}/{TOPIC}/_refresh")
    _, r = http("POST", f"{system.os}/{TOPIC}/_search", {"size": 0, "query": {"term": {"partition": 1}},
                                                          "aggs": {"m": {"max": {"field": "seq"}}}})
    first = int(r["aggregations"]["m"]["value"]) + 1  # the first record of partition 1 consumer-2 did not store
    spec = os.path.join(system.state, "delete-records.json")
    with open(spec, "w") as f:
        json.dump({"version": 1, "partitions": [{"topic": "src." + TOPIC, "partition": 1, "offset": -1}]}, f)
    system.tool("kafka-delete-records", "--bootstrap-server", system.downstream, "--offset-json-file", spec)
    t0 = time.time()
    out = system.kcat("-b", system.upstream, "-m", "30", "-C", "-t", TOPIC, "-p", "1", "-o", str(first), "-c", "1",
                      "-e", "-f", "%T\n").stdout.split()
    assert out, f"no record at offset {first} of {TOPIC}/1: nothing was deleted unread"
    arrived = int(out[0]) / 1000
    # kafka-exporter counts them lost to consumer-2 (committed offset below the new log start), on the dashboard's
    # retention-risk row; before consumer-2 starts again and commits past the gap.
    lost = wait("records lost to consumer-2 counted", lambda: prom_v(
        system, f'topic:datapath_consumer2_records_lost:increase15m{{topic="{TOPIC}"}} > 0'), 60)
    system.run("app", "start", "consumer-2")
    alerts = wait("IndexRecordsMissing for partition 1", lambda: [
        a for a in firing(system, "IndexRecordsMissing") if a["labels"]["partition"] == "1"], DEADLINE + 60, 0.5)
    now = time.time()
    assert alerts[0]["labels"]["topic"] == TOPIC
    stated = DEADLINE + 5
    bound = stated + 5 + 1
    system.report(f"datapath: downstream records deleted before consumer-2 read them: reported (topic, partition 1) "
                  f"{now - arrived:.1f}s after the first of them reached upstream, {now - t0:.1f}s after the deletion "
                  f"(stated deadline {stated}s, bound {bound}s); kafka-exporter counted {lost:.0f} records lost")
    assert now - arrived <= bound + 1  # + the 0.5 s polling of the alerts and the clocks' resolution
