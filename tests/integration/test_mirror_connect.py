"""mirror-exporter's connect collector against the lab's real Kafka Connect: every MirrorMaker 2 connector and task
as Connect's REST API itself reports it (the oracle); a pause and a resume within one scrape; a task made to fail
by a bad property PUT over REST shows FAILED with its exception class, the lab's Prometheus fires
MirrorMakerTaskFailed, and the fixed config brings RUNNING and clears it. Connect made unreachable (through a TCP
forwarder the test stops) gives mirror_up{side="connect"} 0 and UNKNOWN states, never a RUNNING nobody saw; an
answer that is not JSON is counted; a Connect that accepts and never answers costs a scrape at most
--connect.timeout. Budget: about 90 s.
"""
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from helpers import free_port, wait_for
from test_mirror_exporter import exporters  # noqa: F401 (fixture)

MM2_PACKAGE = "org.apache.kafka.connect.mirror."


def rest(lab, path, method="GET", body=None):
    req = urllib.request.Request(f"{lab.connect}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        data = r.read()
        return json.loads(data) if data else None


def oracle(lab):
    """{connector: (state, {task id: state})} of the MM2 connectors, straight from Connect."""
    out = {}
    for name, v in rest(lab, "/connectors?expand=status&expand=info").items():
        if v["info"]["config"].get("connector.class", "").startswith(MM2_PACKAGE):
            out[name] = (v["status"]["connector"]["state"], {t["id"]: t["state"] for t in v["status"]["tasks"]})
    return out


def seen(e):
    """The same, as the exporter serves it: the state whose one-hot sample is 1."""
    m = e.metrics()
    out = {}
    for (name, labels), v in m.items():
        d = dict(labels)
        if name == "mirror_connect_connector_state" and v == 1:
            out.setdefault(d["connector"], [None, {}])[0] = d["state"]
    for (name, labels), v in m.items():
        d = dict(labels)
        if name == "mirror_connect_task_state" and v == 1 and d["connector"] in out:
            out[d["connector"]][1][int(d["task"])] = d["state"]
    return {k: (s, t) for k, (s, t) in out.items()}


def alerts(lab, name, connector):
    q = urllib.parse.quote(f'ALERTS{{alertname="{name}",connector="{connector}",alertstate="firing"}}')
    with urllib.request.urlopen(f"{lab.prometheus}/api/v1/query?query={q}", timeout=10) as r:
        return json.loads(r.read())["data"]["result"]


def test_connect_states_pause_and_a_failed_task(lab, exporters):
    e = exporters("connect", f"--connect.url={lab.connect}")
    wait_for("connect up", lambda: e.value("mirror_up", side="connect") == 1, 20)
    lab_mm2 = ("mm2-source", "mm2-checkpoint", "mm2-heartbeat")
    truth = wait_for("the lab's MM2 connectors RUNNING", lambda: (lambda o: o if all(
        n in o and o[n][0] == "RUNNING" and o[n][1] and all(t == "RUNNING" for t in o[n][1].values())
        for n in lab_mm2) else None)(oracle(lab)), 60)
    assert seen(e) == truth
    for name, (_, tasks) in truth.items():
        assert e.value("mirror_connect_connector_tasks", connector=name) == len(tasks)
    # Every state series is one-hot: exactly one of the seven is 1 per connector and per task.
    m = e.metrics()
    for fam in ("mirror_connect_connector_state", "mirror_connect_task_state"):
        groups = {}
        for (n, labels), v in m.items():
            if n == fam:
                key = tuple(kv for kv in labels if kv[0] != "state")
                groups.setdefault(key, []).append(v)
        assert groups and all(sorted(vs) == [0] * 6 + [1] for vs in groups.values()), groups

    # Pause and resume, as users do over REST: the next scrape after Connect says so shows it.
    rest(lab, "/connectors/mm2-heartbeat/pause", "PUT")
    try:
        wait_for("Connect reports PAUSED", lambda: oracle(lab)["mm2-heartbeat"][0] == "PAUSED", 30)
        assert seen(e)["mm2-heartbeat"][0] == "PAUSED"
    finally:
        rest(lab, "/connectors/mm2-heartbeat/resume", "PUT")
    wait_for("Connect reports RUNNING", lambda: oracle(lab)["mm2-heartbeat"][0] == "RUNNING", 30)
    assert seen(e)["mm2-heartbeat"][0] == "RUNNING"

    # A MirrorSourceConnector of the test's own with a consumer property its task rejects at start.
    pid = os.getpid()
    name, src, dst = f"it-fail-{pid}", f"itsrc{pid}", f"itdst{pid}"
    good = {"connector.class": MM2_PACKAGE + "MirrorSourceConnector", "source.cluster.alias": src,
            "target.cluster.alias": dst, "source.cluster.bootstrap.servers": lab.upstream,
            "target.cluster.bootstrap.servers": lab.downstream, "topics": "lab-seed", "tasks.max": "1",
            "replication.factor": str(lab.brokers), "offset-syncs.topic.replication.factor": str(lab.brokers),
            "sync.topic.acls.enabled": "false", "refresh.topics.interval.seconds": "5",
            "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter"}
    bad = dict(good, **{"source.consumer.auto.offset.reset": "bogus"})
    t0 = time.time()
    rest(lab, f"/connectors/{name}/config", "PUT", bad)
    try:
        wait_for("Connect reports the task FAILED", lambda: oracle(lab).get(name, (None, {}))[1].get(0) == "FAILED", 60)
        t_failed = time.time()
        trace = rest(lab, f"/connectors/{name}/status")["tasks"][0]["trace"]
        assert trace.startswith("org.apache.kafka.common.config.ConfigException"), trace[:200]
        assert seen(e)[name][1] == {0: "FAILED"}
        m = e.metrics()
        failed = [dict(labels) for (n, labels), v in m.items() if n == "mirror_connect_failed_info" and v == 1]
        assert {"connector": name, "task": "0",
                "error_class": "org.apache.kafka.common.config.ConfigException"} in failed, failed
        assert not any("bogus" in str(labels) for labels in failed)  # the message stays out of the labels
        # The lab's Prometheus scrapes the lab's own mirror-exporter (also with --connect.url).
        wait_for("MirrorMakerTaskFailed firing", lambda: alerts(lab, "MirrorMakerTaskFailed", name), 60, interval=1)
        t_alert = time.time()
        rest(lab, f"/connectors/{name}/config", "PUT", good)
        wait_for("Connect reports the task RUNNING", lambda: oracle(lab).get(name, (None, {}))[1].get(0) == "RUNNING",
                 60)
        assert seen(e)[name][1] == {0: "RUNNING"}
        wait_for("MirrorMakerTaskFailed cleared", lambda: not alerts(lab, "MirrorMakerTaskFailed", name), 60,
                 interval=1)
        t_clear = time.time()
        lab.report(f"connect: task FAILED by Connect {t_failed - t0:.1f}s after the bad PUT, in the exporter at the "
                   f"next scrape; alert firing {t_alert - t_failed:.1f}s later; cleared {t_clear - t_alert:.1f}s "
                   "after the fixed PUT")
    finally:
        try:
            rest(lab, f"/connectors/{name}", "DELETE")
        except urllib.error.HTTPError:
            pass
        wait_for("connector gone", lambda: name not in seen(e), 30)
        # Tidying only: the topics it made are the test's own names, and a slow tool must not fail the test.
        for bs, topic in ((lab.downstream, f"{src}.lab-seed"), (lab.upstream, f"mm2-offset-syncs.{dst}.internal")):
            try:
                lab.tool("kafka-topics", "--bootstrap-server", bs, "--delete", "--if-exists", "--topic", topic,
                         check=False)
            except subprocess.TimeoutExpired:
                pass


class Forwarder:
    """A TCP forwarder to Connect that the test can take away (closing every connection) and bring back."""

    def __init__(self, host, target):
        self.host, self.port, self.target = host, free_port(host), target
        self.conns = []
        self.start()

    def start(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, self.port))
        self.sock.listen(16)
        threading.Thread(target=self.accept, args=(self.sock,), daemon=True).start()

    def accept(self, sock):
        while True:
            try:
                c, _ = sock.accept()
            except OSError:
                return
            u = socket.create_connection(self.target)
            self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        close_listener(self.sock)
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self.conns = []


def close_listener(sock):
    """shutdown() first: close() alone leaves a thread blocked in accept(), and the port accepting."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def serve_once_forever(host, handler):
    """A listening socket whose every connection goes to handler(conn) on its own thread."""
    sock = socket.socket()
    sock.bind((host, 0))
    sock.listen(16)

    def loop():
        while True:
            try:
                c, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return sock, sock.getsockname()[1]


def test_connect_unreachable_garbage_and_hung(lab, exporters):
    u = urllib.parse.urlsplit(lab.connect)
    host = lab.addr("zk01")
    fwd = Forwarder(host, (u.hostname, u.port))
    try:
        e = exporters("connect-fwd", f"--connect.url=http://{host}:{fwd.port}")
        wait_for("RUNNING through the forwarder",
                 lambda: e.value("mirror_up", side="connect") == 1 and seen(e).get("mm2-source", ("",))[0] == "RUNNING",
                 30)
        known = set(seen(e))
        fwd.stop()
        t0 = time.time()
        m = wait_for("connect down", lambda: (lambda m: m if m.get(("mirror_up", (("side", "connect"),))) == 0
                                              else None)(e.metrics()), 20)
        states = [(dict(labels), v) for (n, labels), v in m.items()
                  if n in ("mirror_connect_connector_state", "mirror_connect_task_state")]
        assert {d["connector"] for d, _ in states} == known  # the series stay ...
        assert all(v == (1 if d["state"] == "UNKNOWN" else 0) for d, v in states)  # ... and say UNKNOWN
        assert not [n for (n, _), _ in m.items() if n == "mirror_connect_task_state_age_seconds"]
        down = time.time() - t0
        fwd.start()
        wait_for("RUNNING again", lambda: seen(e).get("mm2-source", ("",))[0] == "RUNNING", 20)
        assert e.value("mirror_up", side="connect") == 1
        lab.report(f"connect: unreachable seen as mirror_up{{side=\"connect\"}} 0 with UNKNOWN states {down:.1f}s "
                   "after the forwarder stopped; back by itself at the next scrape")
    finally:
        fwd.stop()

    def garbage(c):
        c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n"
                  b"Connection: close\r\n\r\nnot json!")
        c.close()
    gs, gport = serve_once_forever(host, garbage)
    hung_conns = []
    hs, hport = serve_once_forever(host, hung_conns.append)  # accepts, reads nothing, never answers
    try:
        g = exporters("connect-garbage", f"--connect.url=http://{host}:{gport}")
        wait_for("garbage counted", lambda: (g.value("mirror_connect_invalid_responses_total") or 0) >= 2, 20)
        assert g.value("mirror_up", side="connect") == 0
        assert g.proc.poll() is None
        h = exporters("connect-hung", f"--connect.url=http://{host}:{hport}", "--connect.timeout=1s")
        t0 = time.time()
        text = h.try_scrape()
        took = time.time() - t0
        assert text is not None and 'mirror_up{side="connect"} 0' in text, text
        assert took < 2.5, f"a scrape took {took:.1f}s against a Connect that never answers"
        assert h.value("mirror_connect_request_failures_total") >= 1
        lab.report(f"connect: non-JSON answers counted, exporter alive; a hung Connect costs a scrape {took:.2f}s "
                   "with --connect.timeout=1s")
    finally:
        close_listener(gs)
        close_listener(hs)
        for c in hung_conns:
            c.close()
