"""`lab load`: a steady produce/consume load on both clusters (kcat)."""
import os
import shutil

from .java import run_tool
from .processes import running_pid, spawn, stop_pids
from .state import read_state
from .util import die


LOAD_NAMES = ["load-producer", "load-consumer-up", "load-consumer-down"]
LOAD_RATE = int(os.environ.get("LAB_LOAD_RATE", "50"))


def cmd_load(argv):
    st = read_state()
    if not argv or argv[0] not in ("start", "stop", "status"):
        die("usage: lab load start|stop|status", 2)
    if argv[0] == "stop":
        stop_pids(LOAD_NAMES)
        return 0
    if argv[0] == "status":
        for n in LOAD_NAMES:
            print(f"  {n:20} {'running pid ' + str(running_pid(n)) if running_pid(n) else 'stopped'}")
        return 0
    if not st or not running_pid("kafka01"):
        die("the lab is not up (lab up first)")
    if not shutil.which("kcat"):
        die("kcat is not installed (apt-get install kcat)", 2)
    # kcat: light on a 2-core machine, and the same client library the exporters use.
    per_tick = max(1, LOAD_RATE // 10)
    producer = ("i=0; while :; do for j in $(seq %d); do i=$((i+1)); echo \"$i $(date +%%s%%3N)\"; done; "
                "sleep 0.1; done | kcat -b %s -P -t load -X linger.ms=50" % (per_tick, st["upstream"]))
    cmds = {
        "load-producer": ["bash", "-c", producer],
        # The mirrored topic may not exist yet: refresh metadata often so the group finds it within seconds.
        "load-consumer-up": ["kcat", "-b", st["upstream"], "-G", "load-upstream", "-X", "auto.offset.reset=earliest",
                             "-X", "topic.metadata.refresh.interval.ms=5000", "-q", "load"],
        "load-consumer-down": ["kcat", "-b", st["downstream"], "-G", "load-downstream", "-X",
                               "auto.offset.reset=earliest", "-X", "topic.metadata.refresh.interval.ms=5000", "-q",
                               "src.load"],
    }
    for n, c in cmds.items():
        if running_pid(n):
            print(f"  {n} already running (pid {running_pid(n)})")
            continue
        if n == "load-producer":
            run_tool(st["flavour"], "kafka-topics", ["--bootstrap-server", st["upstream"], "--create",
                                                     "--if-not-exists", "--topic", "load", "--partitions", "3",
                                                     "--replication-factor", str(st["brokers"])], check=False)
        if n.startswith("load-consumer"):
            c = ["bash", "-c", " ".join(c) + " > /dev/null"]
        print(f"  {n} started (pid {spawn(n, c)})")
    print(f"  producing about {per_tick * 10} records/s to topic 'load' upstream; groups load-upstream (upstream "
          "'load') and load-downstream (downstream 'src.load')")
    return 0
