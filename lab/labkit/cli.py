"""The commands of lab/lab (each cmd_NAME(argv) returns the exit code) and main()."""
import json
import os
import re
import signal
import sys
import time

from . import kerberos, oauth, secure
from . import settings as S
from .health import connector_states, healthy, wan_command
from .java import TOOLS, ensure_libs, tool_cmd
from .load import LOAD_NAMES, cmd_load, load_state, restarts
from .processes import group_pids, log_file, pid_file, rss_kb, running_pid, spawn, stop_pids, wait_for
from .settings import PROFILES, LabError, StartFailure
from .state import read_state, services_from_state
from .topology import LAB_PORTS, hostname, topology, up_addr
from .apps import cmd_app
from .up import cmd_up, configure_mm2, fetch_components
from .util import die, tail


def cmd_status(argv):
    st = read_state()
    as_json = "--json" in argv
    if not st:
        if as_json:
            print(json.dumps({"up": False}))
        else:
            print(f"lab: nothing started in {S.STATE}")
        return 1
    svcs = services_from_state(st)
    rows, total_rss, all_ok = [], 0, True
    for s in svcs:
        pid = running_pid(s.name)
        rss = sum(rss_kb(p) for p in group_pids(pid)) if pid else 0
        total_rss += rss
        ok = bool(pid) and healthy(s) if not s.skip_reason else None
        if not s.skip_reason and not ok:
            all_ok = False
        rows.append({"name": s.name, "kind": s.kind, "host": s.host, "hostname": hostname(s.host), "ports": s.ports,
                     "pid": pid, "running": bool(pid), "healthy": ok, "rss_kb": rss, "skipped": s.skip_reason,
                     "note": s.note})
    out = {"up": any(r["running"] for r in rows), "healthy": all_ok, "profile": st["profile"], "prefix": st["prefix"],
           "state": S.STATE, "rss_kb": total_rss, "services": rows}
    conn = next((r for r in rows if r["name"] == "connect"), None)
    if conn and conn["running"]:
        out["connectors"] = connector_states(st)
        if any(c["state"] != "RUNNING" or not c["tasks"] or any(x != "RUNNING" for x in c["tasks"])
               for c in out["connectors"].values()):
            out["healthy"] = all_ok = False
    if running_pid("wan"):
        try:
            out["wan"] = wan_command("status")
        except LabError:
            pass
    states = load_state()
    out["load"] = {n: v == "running" for n, v in states.items()}
    out["load_died"] = [n for n, v in states.items() if v == "died"]  # started by `load start`, gone since
    out["load_restarts"] = {n: restarts(n)[0] for n, v in states.items() if v != "stopped"}
    if out["load_died"]:
        out["healthy"] = all_ok = False
    if as_json:
        print(json.dumps(out, indent=2))
        return 0 if all_ok else 1
    print(f"lab {st['profile']} (LAB_PREFIX={st['prefix']}, state {S.STATE}): "
          f"{'healthy' if all_ok else 'NOT healthy'}, RSS {total_rss / 1024:.0f} MiB")
    for r in rows:
        if r["skipped"]:
            state = f"not started: {r['skipped']}"
        elif not r["running"]:
            state = "DOWN"
        else:
            state = f"pid {r['pid']:<7} {'healthy' if r['healthy'] else 'UNHEALTHY'}  {r['rss_kb'] / 1024:5.0f} MiB"
        print(f"  {r['name']:22} {r['hostname']:8} {r['host']:12} {','.join(map(str, r['ports'])):18} {state}"
              + (f"  [{r['note']}]" if r['note'] and not r['skipped'] else ""))
    for name, c in out.get("connectors", {}).items():
        print(f"  connector {name:26} {c['state']:8} tasks: {' '.join(c['tasks']) or '(none)'}")
    if "wan" in out:
        w = out["wan"]
        print(f"  wan: {'CUT (' + w['cut'] + ')' if w['cut'] else 'up'}, delay {w['delay_ms']} ms, "
              f"{w['live_connections']} live connections")
    if any(out["load"].values()) or out["load_died"]:
        print("  load: " + ", ".join(f"{n}" + (f" (kcat restarted {out['load_restarts'][n]}x)"
                                                 if out["load_restarts"].get(n) else "")
                                     for n, v in out["load"].items() if v)
              + "".join(f"; {n} DIED (lab logs {n}; lab load start restarts it)" for n in out["load_died"]))
    return 0 if all_ok else 1


def cmd_down(argv):
    st = read_state()
    names = []
    if st:
        names = list(st["services"])
    # Everything with a pid file, even if the state file is gone.
    run = os.path.join(S.STATE, "run")
    if os.path.isdir(run):
        for f in os.listdir(run):
            if f.endswith(".pid") and f[:-4] not in names:
                names.append(f[:-4])
    load = [n for n in LOAD_NAMES if n in names or os.path.exists(pid_file(n))]
    rest = [n for n in names if n not in load]
    zk = [n for n in rest if n.startswith("zookeeper")]
    connect_side = [n for n in rest if n not in zk and not re.fullmatch(r"(kafka|zk)0\d", n)]
    brokers = [n for n in rest if re.fullmatch(r"(kafka|zk)0\d", n)]
    live = [n for n in names + LOAD_NAMES if running_pid(n)]
    if not live:
        print(f"lab: nothing running in {S.STATE}")
    t0 = time.time()
    # Clients first, then brokers (a broker shuts down cleanly only while ZooKeeper is there), then ZooKeeper.
    stop_pids(load + connect_side)
    stop_pids(brokers)
    stop_pids(zk)
    left = [n for n in names + LOAD_NAMES if running_pid(n)]
    if left:
        die(f"still running: {', '.join(left)}")
    if live:
        print(f"lab down in {time.time() - t0:.1f}s")
    return 0


# ---------------------------------------------------------------- wan / load / tool / env


def cmd_wan(argv):
    if not argv or argv[0] not in ("delay", "cut", "restore", "status"):
        die("usage: lab wan delay MS | cut [refuse|blackhole] | restore | status", 2)
    if argv[0] == "delay" and (len(argv) != 2 or not argv[1].isdigit()):
        die("usage: lab wan delay MS (a whole number of milliseconds, 0 to remove)", 2)
    if argv[0] == "cut" and len(argv) > 1 and argv[1] not in ("refuse", "blackhole"):
        die("usage: lab wan cut [refuse|blackhole]", 2)
    try:
        reply = wan_command(" ".join(argv))
    except LabError as e:
        die(str(e))
    if "error" in reply:
        die(reply["error"], 2)
    print(json.dumps(reply, indent=2))
    return 0


def cmd_tool(argv):
    if not argv:
        print("tools: " + " ".join(sorted(TOOLS)))
        return 0
    st = read_state()
    live = st and any(running_pid(n) for n in st.get("services", {}))
    # The running lab's Kafka, else LAB_FLAVOUR (default|kraft), else the default 3.9.
    flavour = (st.get("flavour") if live else None) or os.environ.get("LAB_FLAVOUR", "default")
    try:
        ensure_libs(flavour)
        cmd = tool_cmd(flavour, argv[0], argv[1:])
    except LabError as e:
        die(str(e), 2)
    os.execv(cmd[0], cmd)


def cmd_env(argv):
    st = read_state()
    t = st if st else topology("default")
    keys = ["profile", "prefix", "state", "upstream", "downstream", "upstream_wan", "zookeeper", "zookeeper_upstream",
            "zookeeper_downstream", "connect", "prometheus", "brokers"]
    d = {k: t.get(k) for k in keys if t.get(k) is not None}
    d["hosts"] = t["hosts"]
    d["ports"] = {str(k): v for k, v in LAB_PORTS.items()}  # layout port -> the lab's (topology.LAB_PORTS)
    if t.get("secure"):
        boot = secure.bootstraps(up_addr, t["brokers"])
        d.update(boot)
        d["secure"] = secure.env_view(t["secure"], boot)
    if t.get("kerberos"):
        boot = kerberos.bootstraps(up_addr, t["brokers"])
        d.update(boot)
        d["kerberos"] = kerberos.env_view(t["kerberos"], boot)
        d["oauth"] = oauth.env_view(t["oauth"], boot)
    if "--json" in argv:
        print(json.dumps(d, indent=2))
    else:
        for k, v in d.items():
            if k not in ("hosts", "ports", "secure", "kerberos", "oauth"):
                print(f"LAB_{k.upper()}='{v}'")
        if "secure" in d:
            sec = d["secure"]
            for k, v in (("sasl_username", sec["sasl_ssl"]["username"]), ("sasl_password", sec["sasl_ssl"]["password"]),
                         ("tls_ca", sec["ca"]), ("tls_cert", sec["ssl"]["cert"]), ("tls_key", sec["ssl"]["key"])):
                print(f"LAB_{k.upper()}='{v}'")
        for h, a in t["hosts"].items():
            print(f"LAB_HOST_{h.upper()}='{a}'")
    return 0


def cmd_logs(argv):
    st = read_state() or {"services": {}}
    names = list(st["services"]) + LOAD_NAMES
    if not argv or argv[0] not in names:
        die("usage: lab logs SERVICE [LINES] (of: " + ", ".join(names) + ")", 2)
    n = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 40
    print(f"==> {log_file(argv[0])}")
    sys.stdout.write(tail(log_file(argv[0]), n))
    return 0


def cmd_stop(argv):
    st = read_state()
    if not st or not argv or any(a not in st["services"] for a in argv):
        die("usage: lab stop SERVICE... (of: " + ", ".join((st or {}).get("services", {})) + "); "
            "`lab up` starts what is missing again", 2)
    stop_pids(argv)
    return 0


def cmd_restart(argv):
    st = read_state()
    if not st or len(argv) != 1 or argv[0] not in st["services"]:
        die("usage: lab restart SERVICE (one of: " + ", ".join((st or {}).get("services", {})) + ")", 2)
    name = argv[0]
    s = next(x for x in services_from_state(st) if x.name == name)
    if s.skip_reason:
        die(f"{name} is not part of this lab: {s.skip_reason}", 2)
    stop_pids([name])
    pid = spawn(name, s.cmd, env=s.env)
    print(f"  {name} started (pid {pid})")
    try:
        wait_for(f"{name} to be healthy", lambda: healthy(s), 120, svc=name)
        if name == "connect":
            configure_mm2(st)
    except StartFailure as e:
        die(f"{name}: {e}\n{tail(log_file(name))}")
    return 0


def cmd_fetch(argv):
    """Fetches a profile's jars from Maven Central (what `up` does first) and prints their folder."""
    profile = argv[0] if argv else "default"
    if profile not in PROFILES or len(argv) > 1:
        die(f"unknown profile {' '.join(argv)!r}; profiles: {', '.join(PROFILES)}", 2)
    try:
        print(ensure_libs(PROFILES[profile][0]))
        fetch_components(topology(profile))
    except LabError as e:
        die(str(e), 1)
    return 0


def main(doc):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `lab status | head` ends quietly
    argv = sys.argv[1:]
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(doc)
        return 0
    cmds = {"up": cmd_up, "status": cmd_status, "down": cmd_down, "wan": cmd_wan, "load": cmd_load,
            "tool": cmd_tool, "env": cmd_env, "restart": cmd_restart, "stop": cmd_stop,
            "logs": cmd_logs, "fetch": cmd_fetch, "app": cmd_app}
    if argv[0] not in cmds:
        die(f"unknown command {argv[0]!r}; see lab --help", 2)
    if argv[0] in ("up", "down", "stop", "restart"):
        # One changer at a time per state directory (two `up`s at once would both start everything).
        import fcntl
        os.makedirs(S.STATE, exist_ok=True)
        lock = open(os.path.join(S.STATE, "lab.lock"), "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            print(f"lab: waiting for another lab command on {S.STATE} to finish ...", file=sys.stderr, flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
    return cmds[argv[0]](argv[1:]) or 0
