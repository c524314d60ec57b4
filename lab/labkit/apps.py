"""Component: the users' applications (lab/apps/, Python with confluent-kafka and opensearch-py):
producer-1 and consumer-1 upstream, consumer-2 downstream into the index; the topic they use, made on `up`;
and `lab app start|stop|status`. Only the system profile has them (t["datapath"])."""
import json
import os
import sys

from . import registry, sink
from .service import Service
from .settings import LAB_DIR, StartFailure
from .topology import dn_addr, up_addr

APPS_DIR = os.path.join(LAB_DIR, "apps")
TOPIC = os.environ.get("LAB_APP_TOPIC", "peter-avro01-kafka1")
PARTITIONS = 3
RATE = os.environ.get("LAB_APP_RATE", "10")  # producer-1's messages per second in the lab
NAMES = ("producer-1", "consumer-1", "consumer-2")
# How long a record may take from upstream to the index before the audit calls it missing.
DEADLINE = os.environ.get("LAB_AUDIT_DEADLINE", "120")
PORTS = {"producer-1": 9401, "consumer-1": 9402, "consumer-2": 9403}


def have_clients():
    try:
        import confluent_kafka.schema_registry.avro  # noqa: F401
        import opensearchpy  # noqa: F401
        return True
    except ImportError:
        return False


def app_cmd(t, name, extra=()):
    py = os.path.join(APPS_DIR, name.replace("-", "") + ".py")
    host = dn_addr(1) if name == "consumer-2" else up_addr(1)
    cmd = [sys.executable, "-u", py, "--registry", registry.ccompat(), f"--metrics={host}:{PORTS[name]}",
           "--topic", TOPIC]
    if name == "consumer-2":
        cmd += ["--bootstrap", t["downstream"], "--opensearch", sink.url()]
    else:
        cmd += ["--bootstrap", t["upstream"]]
    if name == "producer-1":
        cmd += ["--rate", RATE]
    return host, cmd + list(extra)


def services(t):
    if not t.get("datapath"):
        return []
    out = []
    for name in NAMES:
        host, cmd = app_cmd(t, name)
        s = Service(name, "app", host, [PORTS[name]], cmd, health=("http", f"http://{host}:{PORTS[name]}/metrics"),
                    stage="mm2", start_timeout=60)
        if not have_clients():
            s.skip_reason = "python packages missing: pip install 'confluent-kafka[avro,schemaregistry]' opensearch-py"
        out.append(s)
    # The bundle's index audit (exporters/index-audit): counts the index's documents per topic and partition.
    audit = os.path.join(os.path.dirname(LAB_DIR), "exporters", "index-audit", "index-audit")
    out.append(Service("index-audit", "index-audit", dn_addr(1), [9410],
                       [sys.executable, audit, f"--web.listen-address={dn_addr(1)}:9410",
                        f"--opensearch.url={sink.url()}", f"--offsets.url=http://{up_addr(1)}:9308/metrics",
                        f"--index={TOPIC}", f"--deadline={DEADLINE}"],
                       health=("http", f"http://{dn_addr(1)}:9410/metrics")))
    return out


def topics(t):
    """The users' topic upstream (MM2 mirrors it as src.<topic>, same partitions)."""
    return {TOPIC: PARTITIONS} if t.get("datapath") else {}


def cmd_app(argv):
    """lab app start|stop|status [NAME...]"""
    from .health import healthy
    from .processes import running_pid, spawn, stop_pids, wait_for
    from .state import read_state, services_from_state
    from .util import die
    st = read_state()
    if not argv or argv[0] not in ("start", "stop", "status"):
        die("usage: lab app start|stop|status [" + "|".join(NAMES) + " ...]", 2)
    if not st or not st.get("datapath"):
        die("no system lab here: `lab up system` starts the applications", 2)
    names = argv[1:] or list(NAMES)
    bad = [n for n in names if n not in NAMES]
    if bad:
        die(f"unknown app {', '.join(bad)}; apps: {', '.join(NAMES)}", 2)
    svcs = {s.name: s for s in services_from_state(st)}
    if argv[0] == "stop":
        stop_pids(names)
        return 0
    if argv[0] == "start":
        for n in names:
            if running_pid(n):
                print(f"  {n} already running (pid {running_pid(n)})")
                continue
            s = svcs[n]
            pid = spawn(n, s.cmd, env=s.env)
            print(f"  {n} started (pid {pid})")
            try:
                wait_for(f"{n} to be healthy", lambda s=s: healthy(s), 60, svc=n)
            except StartFailure as e:
                die(str(e))
        return 0
    rows = {}
    for n in names:
        s = svcs[n]
        pid = running_pid(n)
        rows[n] = {"pid": pid, "healthy": bool(pid) and healthy(s), "metrics": s.health[1]}
    print(json.dumps(rows, indent=2))
    return 0 if all(r["healthy"] for r in rows.values()) else 1
