"""`lab load`: a steady produce/consume load on both clusters (kcat)."""
import os
import shutil

from . import settings as S
from .java import run_tool
from .processes import log_file, pid_file, running_pid, spawn, stop_pids
from .state import read_state
from .util import die


LOAD_NAMES = ["load-producer", "load-consumer-up", "load-consumer-down"]
LOAD_RATE = int(os.environ.get("LAB_LOAD_RATE", "50"))


# Each load process is kcat under a bash loop that starts it again 2 s after it exits: the downstream consumer
# starts before MM2 has created src.load (kcat -G exits on "Subscribed topic not available"), and a broker
# restart can end a kcat too. Each restart is a line in the process' log (lab logs NAME), counted by `lab status`.
RESTART_MARK = "lab: kcat exited"


def supervised(cmd):
    return ["bash", "-c", f"while :; do {cmd}; echo \"{RESTART_MARK} $? at $(date +%T); again in 2 s\" >&2; "
            "sleep 2; done"]


def load_state():
    """{name: "running" | "died" | "stopped"} of the load processes: "died" is one `load start` started and no
    `load stop` stopped (its pid file is still there, the process is gone)."""
    out = {}
    for n in LOAD_NAMES:
        out[n] = "running" if running_pid(n) else "died" if os.path.exists(pid_file(n)) else "stopped"
    return out


def restarts(name):
    """How often kcat was started again in the load process' log since its last start, and its last error line."""
    try:
        with open(log_file(name), errors="replace") as f:
            text = f.read().rsplit("=== lab: starting", 1)[-1]
    except OSError:
        return 0, ""
    lines = text.splitlines()
    errors = [x for x in lines if x.strip() and RESTART_MARK not in x and not x.startswith(" ")][-1:]
    return sum(RESTART_MARK in x for x in lines), (errors[0][:160] if errors else "")


def cmd_load(argv):
    st = read_state()
    if not argv or argv[0] not in ("start", "stop", "status"):
        die("usage: lab load start|stop|status", 2)
    if argv[0] == "stop":
        stop_pids(LOAD_NAMES)
        return 0
    if argv[0] == "status":
        states = load_state()
        for n in LOAD_NAMES:
            k, err = restarts(n)
            more = f", kcat restarted {k}x (last: {err})" if k else ""
            print(f"  {n:20} {'running pid ' + str(running_pid(n)) if states[n] == 'running' else states[n].upper()}"
                  f"{more}")
        return 0 if "died" not in states.values() else 1
    if not st or not running_pid("kafka01"):
        die("the lab is not up (lab up first)")
    if not shutil.which("kcat"):
        die("kcat is not installed (apt-get install kcat)", 2)
    # kcat: light on a 2-core machine, and the same client library the exporters use.
    per_tick = max(1, LOAD_RATE // 10)
    # The counter goes on across kcat restarts (a file: the generator is a subshell of the pipe).
    seq = os.path.join(S.STATE, "run", "load-producer.seq")
    producer = ("i=$(cat %s 2>/dev/null || echo 0); while :; do for j in $(seq %d); do i=$((i+1)); "
                "echo \"$i $(date +%%s%%3N)\"; done; echo $i > %s; sleep 0.1; done | kcat -b %s -P -t load "
                "-X linger.ms=50" % (seq, per_tick, seq, st["upstream"]))
    consumer = ("kcat -b {} -G {} -X auto.offset.reset=earliest -X topic.metadata.refresh.interval.ms=5000 -q {} "
                ">/dev/null")
    cmds = {
        "load-producer": supervised(producer),
        "load-consumer-up": supervised(consumer.format(st["upstream"], "load-upstream", "load")),
        "load-consumer-down": supervised(consumer.format(st["downstream"], "load-downstream", "src.load")),
    }
    for n, c in cmds.items():
        if running_pid(n):
            print(f"  {n} already running (pid {running_pid(n)})")
            continue
        if n == "load-producer":
            run_tool(st["flavour"], "kafka-topics", ["--bootstrap-server", st["upstream"], "--create",
                                                     "--if-not-exists", "--topic", "load", "--partitions", "3",
                                                     "--replication-factor", str(st["brokers"])], check=False)
        print(f"  {n} started (pid {spawn(n, c)})")
    print(f"  producing about {per_tick * 10} records/s to topic 'load' upstream; groups load-upstream (upstream "
          "'load') and load-downstream (downstream 'src.load', which MM2 creates within seconds)")
    return 0
