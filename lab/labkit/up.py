"""`lab up`: check, plan, write the configs, start the services in order, seed topics, configure MM2."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

from . import kerberos, oauth, secure
from . import settings as S
from .configs import cluster_id, mm2_connectors, write_configs
from .health import connector_states, healthy, kcat_brokers
from .java import ensure_libs, tool_cmd
from .load import cmd_load, load_state
from .plan import COMPONENTS, plan
from .processes import log_file, running_pid, spawn, stop_pids, wait_for
from .settings import PROFILES, T0, LabError, StartFailure
from .state import read_state, save_state
from .topology import topology, up_addr
from .util import die, http, port_free, tail, write


def cmd_up(argv):
    load = "--load" in argv  # start the load too (scripts/demo), then print where to look
    argv = [a for a in argv if a != "--load"]
    profile = argv[0] if argv else "default"
    if profile not in PROFILES or len(argv) > 1:
        die(f"unknown profile {' '.join(argv)!r}; profiles: {', '.join(PROFILES)}", 2)
    if not re.fullmatch(r"127\.(\d{1,3})", S.PREFIX) or int(S.PREFIX.split(".")[1]) > 255:
        die(f"LAB_PREFIX must look like 127.N (0 <= N <= 255), got {S.PREFIX!r}", 2)
    t0 = time.time()
    old = read_state()
    live_old = [n for n in (old or {}).get("services", {}) if running_pid(n)]
    if old and live_old and old.get("profile") != profile:
        die(f"the lab in {S.STATE} is up with profile {old.get('profile')!r}; `lab down` first", 2)
    if old and live_old and old.get("prefix") != S.PREFIX:
        die(f"the lab in {S.STATE} runs with LAB_PREFIX={old.get('prefix')}; use that or another LAB_STATE", 2)
    if not shutil.which("java"):
        die("Java is not installed (apt-get install openjdk-17-jre-headless)", 2)
    if not shutil.which("kcat"):
        die("kcat is not installed (apt-get install kcat): the lab checks its brokers and seeds topics with it", 2)
    t = topology(profile)
    flavour = t["flavour"]
    try:
        ensure_libs(flavour)
        fetch_components(t)
    except LabError as e:
        die(str(e), 2)
    fresh = not live_old
    try:
        t["secure"] = secure.ensure_material(S.STATE, S.PREFIX, t["brokers"], up_addr)
    except (OSError, RuntimeError) as e:
        die(f"test CA and certificates for the secured listeners: {e}", 2)
    try:
        t["kerberos"] = kerberos.ensure_material(S.STATE, S.PREFIX, t["brokers"], up_addr)
        t["oauth"] = oauth.ensure_material(S.STATE, S.PREFIX, up_addr)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
        die(f"Kerberos realm and OAuth keys for the SASL_PLAINTEXT listener: {e}", 2)
    if fresh:
        # A fresh lab: clean data so cluster ids and ZooKeeper registrations never go stale.
        for d in ("data", "conf", "run"):
            shutil.rmtree(os.path.join(S.STATE, d), ignore_errors=True)
        if os.path.isdir(os.path.join(S.STATE, "logs")):
            shutil.rmtree(os.path.join(S.STATE, "logs.prev"), ignore_errors=True)
            os.rename(os.path.join(S.STATE, "logs"), os.path.join(S.STATE, "logs.prev"))
    os.makedirs(S.STATE, exist_ok=True)
    try:
        svcs = plan(t)
    except LabError as e:
        die(str(e), 2)
    # Ports first: nothing starts if another process holds one of ours.
    busy = []
    for s in svcs:
        if s.skip_reason or running_pid(s.name):
            continue
        for p in s.ports:
            if not port_free(s.host, p):
                busy.append(f"{s.host}:{p} ({s.name})")
    if busy:
        die("port(s) in use by another process: " + ", ".join(busy) +
            "\n     another lab? run yours beside it with LAB_PREFIX=127.N LAB_STATE=/some/dir", 2)
    if fresh or not os.path.exists(os.path.join(S.STATE, "conf", "connect.properties")):
        try:
            write_configs(t, svcs)
        except LabError as e:
            die(str(e), 2)
    save_state(t, svcs)
    started = []
    try:
        start_all(t, svcs, started)
    except StartFailure as e:
        print(f"\nlab: FAILED to start {e.service or 'the lab'}: {e}", file=sys.stderr)
        if e.service:
            print(f"--- last lines of {log_file(e.service)}:\n{tail(log_file(e.service))}---", file=sys.stderr)
        print(f"lab: stopping what this `up` started: {', '.join(started) or 'nothing'}", file=sys.stderr)
        stop_pids(list(reversed(started)), timeout=15, quiet=True)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"\nlab: interrupted; stopping what this `up` started: {', '.join(started) or 'nothing'}",
              file=sys.stderr)
        stop_pids(list(reversed(started)), timeout=15, quiet=True)
        sys.exit(130)
    took = time.time() - t0
    # Load processes a `load start` started and that died since: `up` starts what is missing, them too.
    if load or "died" in load_state().values():
        cmd_load(["start"])
    print(f"\nlab up ({profile}) in {took:.1f}s; state and logs in {S.STATE}")
    print_where(t, svcs, load or any(v == "running" for v in load_state().values()))
    with open(os.path.join(S.STATE, "up-seconds"), "w") as f:
        f.write(f"{took:.1f}\n")


def fetch_components(t):
    """Each component's build step (e.g. Maven for the registry and the sink, Go for VictoriaMetrics): what `up`
    and `fetch` run; the data path's for the profiles that run it, a component with FETCH_ALWAYS for every one."""
    for c in COMPONENTS:
        if hasattr(c, "fetch") and (t.get("datapath") or getattr(c, "FETCH_ALWAYS", False)):
            c.fetch(t)


def start_all(t, svcs, started):
    flavour = t["flavour"]
    by_kind = {}
    for s in svcs:
        by_kind.setdefault(s.kind, []).append(s)

    def launch(group, wait_timeout=None):
        """Start what is not running; wait until healthy unless wait_timeout is None (then the caller waits)."""
        fresh = []
        for s in group:
            if s.skip_reason:
                print(f"  {s.name:22} skipped ({s.skip_reason})")
                continue
            if running_pid(s.name):
                print(f"  {s.name:22} already running (pid {running_pid(s.name)})")
                continue
            pid = spawn(s.name, s.cmd, env=s.env)
            started.append(s.name)
            fresh.append(s)
            print(f"  {s.name:22} started (pid {pid}) on {s.host} ports {','.join(map(str, s.ports))}"
                  f"  [{time.time() - T0:.1f}s]", flush=True)
        if wait_timeout is not None:
            wait_healthy(fresh, wait_timeout)
        return fresh

    def wait_healthy(group, timeout):
        for s in group:
            wait_for(f"{s.name} to be healthy", lambda s=s: healthy(s), timeout, svc=s.name)

    print("starting the lab:")
    extra = [s for s in svcs if s.kind not in CORE_KINDS]  # the components' services (plan.COMPONENTS)
    for s in extra:
        if s.stage == "infra":  # what the brokers need at start (KDC, token endpoint)
            launch([s], s.start_timeout)
    launch(by_kind.get("zookeeper", []), 60)
    launch(by_kind.get("wan-proxy", []), 10)
    brokers = by_kind.get("broker-upstream", []) + by_kind.get("broker-downstream", [])
    if flavour == "kraft":
        formats = {}  # KRaft log dirs are formatted first, all at once (a JVM each)
        for s in brokers:
            if running_pid(s.name) or os.path.exists(os.path.join(S.STATE, "data", s.name, "meta.properties")):
                continue
            side = "upstream" if s.kind == "broker-upstream" else "downstream"
            cfg = os.path.join(S.STATE, "conf", f"{s.name}.properties")
            formats[s.name] = subprocess.Popen(
                tool_cmd(flavour, "kafka-storage", ["format", f"--cluster-id={cluster_id(side)}", "--config", cfg]),
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, p in formats.items():
            out = p.communicate()[0]
            if p.returncode != 0:
                write(log_file(name), out)
                raise StartFailure(name, "kafka-storage format failed")
    fresh = launch(brokers, 120)
    for side in ("upstream", "downstream"):
        if any(s.kind == f"broker-{side}" for s in fresh):
            wait_for(f"all {side} brokers in the metadata", lambda side=side: kcat_brokers(t[side]) == t["brokers"],
                     120, svc=fresh[0].name)
    if fresh:
        print(f"  brokers of both clusters in the metadata  [{time.time() - T0:.1f}s]", flush=True)
    # Connect's JVM takes longest: the seeding below and the light services run meanwhile; all checked after.
    connect = launch(by_kind.get("connect", []))
    light = []
    for kind in ("node-exporter-lite", "kafka-exporter", "prometheus"):
        light += launch(by_kind.get(kind, []))
    light_extra = launch([s for s in extra if s.stage == "brokers"])
    # Topics the lab's users rely on: the mirror-exporter's probe topic, and a seed group so that the
    # checkpoint connector has a group (it runs no task until it finds one).
    if fresh:
        rf = str(t["brokers"])
        # The SCRAM user, made through the brokers as users do; a JVM beside the two below.
        scram = subprocess.Popen(tool_cmd(flavour, "kafka-configs", secure.scram_tool_args(t["secure"], t["upstream"])),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        topics = {"mirror-probe": rf, "lab-seed": rf}
        for c in COMPONENTS:
            topics.update({k: str(v) for k, v in (c.topics(t) if hasattr(c, "topics") else {}).items()})
        creators = [subprocess.Popen(tool_cmd(flavour, "kafka-topics", [
            "--bootstrap-server", t["upstream"], "--create", "--if-not-exists", "--topic", topic,
            "--partitions", parts, "--replication-factor", rf]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True) for topic, parts in topics.items()]  # in parallel: a JVM start each
        for c in creators:
            out = c.communicate()[0]
            if c.returncode != 0:
                raise StartFailure(None, f"kafka-topics --create failed:\n{out[-2000:]}")
        out = scram.communicate()[0]
        if scram.returncode != 0:
            raise StartFailure(None, f"kafka-configs (SCRAM user) failed:\n{out[-2000:]}")
        check_secure(t)
        check_sasl_plaintext(t)
        subprocess.run(["kcat", "-b", t["upstream"], "-P", "-t", "lab-seed"], input="seed\n", text=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        subprocess.run(["kcat", "-b", t["upstream"], "-G", "lab-seed", "-X", "auto.offset.reset=earliest", "-e",
                        "-q", "lab-seed"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        print(f"  topics {', '.join(topics)} and group lab-seed upstream  [{time.time() - T0:.1f}s]", flush=True)
    wait_healthy(connect, 120)
    configure_mm2(t)
    light += launch(by_kind.get("mirror-exporter", []))
    light_extra += launch([s for s in extra if s.stage == "mm2"])
    wait_healthy(light, 60)
    for s in light_extra:
        wait_healthy([s], s.start_timeout)
    for c in COMPONENTS:
        if hasattr(c, "after_start"):
            c.after_start(t, svcs)  # on every `up`, also of a running lab: idempotent


# The kinds plan() itself declares; every other kind comes from a component and starts by its stage.
CORE_KINDS = {"zookeeper", "wan-proxy", "broker-upstream", "broker-downstream", "connect", "node-exporter-lite",
              "kafka-exporter", "mirror-exporter", "prometheus"}


def check_secure(t):
    """Both secured listeners answer kcat with the lab's credentials (SCRAM credentials reach the brokers
    asynchronously: retried briefly)."""
    checks = [("sasl_ssl", "SCRAM-SHA-512"), ("sasl_ssl", "PLAIN"), ("ssl", None)]
    if t["flavour"] == "kraft":
        checks = checks[1:]  # kcat's librdkafka (< 2.6.1) fails SCRAM with Kafka 4.x: secure.SCRAM_NOTE
    for kind, mech in checks:
        args = secure.kcat_args(t["secure"], kind, t[f"upstream_{kind}"], mechanism=mech)
        wait_for(f"kcat -L on the {kind} listener ({mech or 'client certificate'})",
                 lambda a=args: subprocess.run(["kcat", *a, "-L", "-m", "5"], stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL, timeout=15).returncode == 0, 30,
                 interval=0.2)
    print(f"  secured listeners SASL_SSL :{secure.SASL_SSL_PORT} (PLAIN, SCRAM-SHA-512) and SSL "
          f":{secure.SSL_PORT} (client certificate) answer  [{time.time() - T0:.1f}s]", flush=True)


def check_sasl_plaintext(t):
    """The SASL_PLAINTEXT listener answers kcat with exporter.keytab (GSSAPI); OAUTHBEARER is checked by the tests
    (kcat's librdkafka 2.0.2 has no OIDC client: it is built without libcurl)."""
    if not t.get("kerberos"):
        return
    args = kerberos.kcat_args(t["kerberos"], t["upstream_sasl_plaintext"])
    env = dict(os.environ, **kerberos.env(S.STATE), KRB5CCNAME=f"FILE:{kerberos.kdir(S.STATE)}/kcat.ccache")
    wait_for("kcat -L on the SASL_PLAINTEXT listener (GSSAPI)",
             lambda: subprocess.run(["kcat", *args, "-L", "-m", "5"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env, timeout=15).returncode == 0, 30, interval=0.5)
    print(f"  SASL_PLAINTEXT :{kerberos.SASL_PORT} (GSSAPI with realm {kerberos.REALM}, OAUTHBEARER) answers  "
          f"[{time.time() - T0:.1f}s]", flush=True)


def configure_mm2(t):
    for name, cfg in mm2_connectors(t).items():
        code, body = http("GET", f"{t['connect']}/connectors/{name}/config", timeout=10)
        if code == 200 and all(json.loads(body).get(k) == v for k, v in cfg.items()):
            continue  # already configured: a PUT would restart it for nothing
        code, body = http("PUT", f"{t['connect']}/connectors/{name}/config", cfg, timeout=30)
        if code not in (200, 201):
            raise StartFailure("connect", f"PUT /connectors/{name}/config -> {code}: {body[:500]}")
    print("  MM2 connectors configured: " + ", ".join(mm2_connectors(t)), flush=True)

    def all_running():
        st = connector_states(t)
        for name, c in st.items():
            if c.get("trace"):
                raise StartFailure("connect", f"connector {name} task FAILED:\n{c['trace'][:1500]}")
        return all(c["state"] == "RUNNING" and c["tasks"] and all(x == "RUNNING" for x in c["tasks"])
                   for c in st.values())

    wait_for("the MM2 connectors' tasks to be RUNNING", all_running, 120, svc="connect", interval=1)
    print(f"  MM2 connectors and their tasks RUNNING  [{time.time() - T0:.1f}s]", flush=True)


def prometheus_ui(base):
    """The path prefix of Prometheus' web UI: Debian's 2.42 serves it under /classic/ (its React UI is not
    packaged; /graph, /targets, /alerts are 404 there), an upstream build at the root."""
    code, _ = http("GET", f"{base}/classic/targets", timeout=3)
    return "/classic" if code == 200 else ""


def where(t, svcs, load_running):
    """The lines `up` ends with: every address to look at, each one a URL that answers 200 (tested)."""
    live = [s for s in svcs if not s.skip_reason]
    names = {s.name for s in live}
    lines = [f"  upstream bootstrap    {t['upstream']}   (MM2 and the mirror-exporter read it over the WAN: {t['upstream_wan']})",
             f"  downstream bootstrap  {t['downstream']}"]
    if t.get("zookeeper"):
        lines.append(f"  zookeeper             {t['zookeeper_upstream']}  {t['zookeeper_downstream']}")
    lines.append(f"  connect REST          {t['connect']}/connectors?expand=status")
    if "prometheus" in names:
        ui = t["prometheus"] + prometheus_ui(t["prometheus"])
        lines.append(f"  prometheus            {ui}/targets  {ui}/graph  {ui}/alerts")
        lines.append(f"  consoles              {t['prometheus']}/consoles/index.html")
    for kind in ("kafka-exporter", "mirror-exporter", "node-exporter-lite"):
        urls = [f"http://{s.host}:{s.ports[0]}/metrics" for s in live if s.kind == kind]
        for i in range(0, len(urls), 2):  # two to a line: six hosts in the full profile
            lines.append(f"  {kind if i == 0 else '':21} {'  '.join(urls[i:i + 2])}")
    skipped = [s.name for s in svcs if s.skip_reason and s.kind != "node-exporter-lite"]
    if any(s.kind == "node-exporter-lite" and s.skip_reason for s in svcs):
        skipped.append("node-exporter-lite")
    if skipped:
        lines.append(f"  not started           {', '.join(skipped)} (see `lab status`)")
    if load_running:
        lines.append("  load                  groups load-upstream (upstream) and load-downstream (downstream); "
                     "lab/lab load status")
        lines.append("  next: lab/lab status | lab/lab wan delay 200 | lab/lab load stop | lab/lab down")
    else:
        lines.append("  next: lab/lab status | lab/lab load start | lab/lab wan delay 200 | lab/lab down")
    return lines


def print_where(t, svcs, load_running=False):
    print("\n".join(where(t, svcs, load_running)))
