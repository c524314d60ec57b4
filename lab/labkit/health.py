"""Health checks of running services, Connect's connector states, the WAN proxy's control socket."""
import json
import os
import shutil
import socket
import subprocess

from . import settings as S
from .configs import mm2_connectors
from .settings import LabError
from .util import http, port_open


def kcat_brokers(bootstrap, timeout=5):
    if not shutil.which("kcat"):
        return None
    try:
        r = subprocess.run(["kcat", "-b", bootstrap, "-L", "-J", "-m", str(timeout)], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=timeout + 5)
        return len(json.loads(r.stdout).get("brokers", [])) if r.returncode == 0 else 0
    except (subprocess.TimeoutExpired, ValueError):
        return 0


def zk_cmd(host, word, timeout=2):
    try:
        with socket.create_connection((host, 2181), timeout=timeout) as s:
            s.sendall(word.encode())
            out = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                out += b
            return out.decode(errors="replace")
    except OSError:
        return ""


def healthy(s):
    kind = s.health[0]
    if kind == "tcp":
        return port_open(s.health[1], s.health[2])
    if kind == "http":
        code, _ = http("GET", s.health[1], timeout=3)
        return code == 200
    if kind == "zk":
        out = zk_cmd(s.health[1], "srvr")
        return "Mode: standalone" in out or "Mode: leader" in out or "Mode: follower" in out
    return False


def connector_states(t):
    out = {}
    for name in mm2_connectors(t):
        code, body = http("GET", f"{t['connect']}/connectors/{name}/status", timeout=3)
        if code != 200:
            out[name] = {"state": "MISSING" if code == 404 else f"unreachable ({code})", "tasks": []}
            continue
        st = json.loads(body)
        out[name] = {"state": st["connector"]["state"], "tasks": [x["state"] for x in st.get("tasks", [])],
                     "trace": next((x.get("trace", "") for x in st.get("tasks", []) if x["state"] == "FAILED"), "")}
    return out


def wan_command(line):
    path = os.path.join(S.STATE, "run", "wan.sock")
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(path)
            s.sendall((line + "\n").encode())
            out = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        return json.loads(out.decode())
    except (OSError, ValueError) as e:
        raise LabError(f"WAN proxy not reachable at {path} ({e}); is the lab up?")
