"""Processes the lab starts: pid files (pid + start time), spawn in a session of its own, stop by process
group (TERM, then KILL), and waiting for a condition while the process lives."""
import os
import signal
import subprocess
import time

from . import settings as S
from .settings import TERM_TIMEOUT, StartFailure
from .util import write


def proc_start_time(pid):
    """Start time of a live (not zombie) process, which with the pid names it uniquely; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return None if fields[0] in ("Z", "X") else fields[19]
    except (OSError, IndexError):
        return None


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def group_pids(pgid):
    """Every live process in process group pgid (a service and its children)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return out


# ---------------------------------------------------------------- pid files


def pid_file(name):
    return os.path.join(S.STATE, "run", name + ".pid")


def log_file(name):
    return os.path.join(S.STATE, "logs", name + ".log")


def running_pid(name):
    """The pid of service `name` if the process we started is still alive (pid and start time match)."""
    try:
        with open(pid_file(name)) as f:
            pid, start = f.read().split()
        pid = int(pid)
    except (OSError, ValueError):
        return None
    return pid if proc_start_time(pid) == start else None


def orphaned_group(name):
    """The recorded pid if its leader is gone but processes of its group remain (e.g. kcat after its bash)."""
    try:
        with open(pid_file(name)) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if os.path.exists(f"/proc/{pid}") and proc_start_time(pid):
        return None  # that pid is alive but another process now: not ours
    return pid if group_pids(pid) else None


def spawn(name, cmd, env=None, cwd=None):
    os.makedirs(os.path.join(S.STATE, "run"), exist_ok=True)
    os.makedirs(os.path.join(S.STATE, "logs"), exist_ok=True)
    log = open(log_file(name), "ab")
    log.write(f"\n=== lab: starting {name} at {time.strftime('%F %T')}: {' '.join(cmd)}\n".encode())
    log.flush()
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=full_env,
                         cwd=cwd or S.STATE, start_new_session=True)
    log.close()
    start = None
    for _ in range(50):
        start = proc_start_time(p.pid)
        if start:
            break
        time.sleep(0.01)
    write(pid_file(name), f"{p.pid} {start}\n")
    return p.pid


def stop_pids(names, timeout=TERM_TIMEOUT, quiet=False):
    """TERM each service's process group, wait, then KILL what is left. Returns names that needed KILL."""
    targets = {}
    for n in names:
        pid = running_pid(n) or orphaned_group(n)
        if pid:
            targets[n] = pid
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        elif os.path.exists(pid_file(n)):
            os.unlink(pid_file(n))
    deadline = time.time() + timeout
    killed = []
    while targets and time.time() < deadline:
        for n, pid in list(targets.items()):
            if not group_pids(pid):
                del targets[n]
                os.unlink(pid_file(n))
                if not quiet:
                    print(f"  stopped {n}")
        time.sleep(0.2)
    for n, pid in targets.items():
        for p in group_pids(pid):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        killed.append(n)
        print(f"  killed {n} (pid {pid}) after {timeout}s")
        time.sleep(0.2)
        if os.path.exists(pid_file(n)):
            os.unlink(pid_file(n))
    return killed

def wait_for(what, fn, timeout, svc=None, interval=0.5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return True
        if svc and not running_pid(svc):
            raise StartFailure(svc, f"{svc} exited while starting")
        time.sleep(interval)
    raise StartFailure(svc, f"timed out after {timeout}s waiting for {what}")
