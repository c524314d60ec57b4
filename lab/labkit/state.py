"""The state file $LAB_STATE/lab.json: the topology and the services `up` planned, read by every other command."""
import json
import os
import time

from . import settings as S
from .service import Service
from .util import write


def state_path():
    return os.path.join(S.STATE, "lab.json")


def read_state():
    try:
        with open(state_path()) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save_state(t, svcs):
    st = dict(t)
    st["services"] = {s.name: {"kind": s.kind, "host": s.host, "ports": s.ports, "skipped": s.skip_reason,
                               "note": s.note, "health": s.health, "cmd": s.cmd, "env": s.env}
                       for s in svcs}
    st["started_at"] = time.time()
    write(state_path(), json.dumps(st, indent=2) + "\n")


def services_from_state(st):
    out = []
    for name, d in st["services"].items():
        s = Service(name, d["kind"], d["host"], d["ports"], d.get("cmd"), tuple(d["health"]) if d["health"] else None,
                    env=d.get("env"), note=d.get("note", ""))
        s.skip_reason = d["skipped"]
        out.append(s)
    return out
