"""Shared fixtures for the integration tests: `lab`, the real two-cluster Kafka lab (lab/lab), once per session.

How to use it (a test that does not name `lab` never starts it):

    def test_something(lab):
        lab.upstream            # "127.40.10.1:9092"        upstream bootstrap (direct listener)
        lab.downstream          # "127.40.20.1:9092"        downstream bootstrap
        lab.upstream_wan        # "127.40.30.1:19093"       upstream through the WAN proxy (what MM2 reads)
        lab.zookeeper           # "127.40.20.1:2181"        ensemble; zk_upstream / zk_downstream add /kafka3, /kafka4
        lab.connect             # "http://127.40.20.1:8083" Connect REST (MM2 connectors mm2-source, ...)
        lab.prometheus          # "http://127.40.10.1:19090"
        lab.prefix              # "127.40" (never assume it: other labs may run beside this one)
        lab.addr("kafka01")     # "127.40.10.1"; hosts kafka01..03, zk01..03 (docs/layout.md)
        lab.brokers             # brokers per cluster (1 in the default profile)
        lab.run("status", "--json")                       # lab/lab ..., CompletedProcess (text), check=True
        lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--list").stdout
        lab.kcat("-b", lab.upstream, "-L")                # kcat, CompletedProcess
        lab.produce("T", ["a", "b"])                      # lines into an upstream topic (kcat, acks=all)
        lab.status()                                      # `lab status --json` as a dict
        lab.wan("cut"); lab.wan("restore"); lab.wan("delay", "200")
        lab.stop("kafka01")                               # take a service away (names as in lab status)
        lab.ensure_healthy()                              # restore the WAN, restart what is down, wait
        lab.report("my-exporter: 12 ms per scrape")        # printed in the summary, without -s

Rules: leave the lab as you found it (restore the WAN, restart what you stopped: `lab.ensure_healthy()`
in a finally does both). Use your own topic names (anything matching `T|mirror-probe|load|lab-.*|test-.*|
it-.*` is mirrored to `src.<name>` downstream). Brokers auto-create topics (as users' do), and
librdkafka asks for that: `kcat -L -t X` or producing to X creates X with 1 partition, so create your
topics explicitly first and wait for a mirrored topic with plain `kcat -L` (all topics).
The exporters built under build/exporters/ (or the LAB_BUILD search path, see lab/lab --help) run in
the lab at their layout ports (kafka-exporter kafka01:9308 and zk01:9308, mirror-exporter zk01:9309,
node-exporter-lite <host>:19100; see docs/layout.md for the ports the lab moves); the others are skipped (lab.status()["services"][i]["skipped"]).
A test of an exporter can as well start its own binary on a port of its own against lab.upstream.
Logs: `lab.run("logs", "connect", "200").stdout`, or files under lab.state + "/logs/".

Environment: LAB_TEST_PREFIX (default: the first 127.N from 127.40 up whose lab ports are free and that
no other pytest process has reserved, so the tests' lab never clashes with a developer's lab),
LAB_TEST_STATE (default: a fresh temporary directory, removed after a clean run), LAB_TEST_PROFILE
(default "default"). LAB_TEST_USE_RUNNING=1 uses the lab already running at LAB_PREFIX/LAB_STATE and
neither starts nor stops it (fast iteration).
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

pytest_plugins = ["ci_skips"]  # in CI a skip fails the run, but for the opt-in tests listed there

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(REPO, "lab", "lab")
_report = []


def lab_report(line):
    """A line for the end-of-session summary (measurements worth seeing without -s)."""
    _report.append(line)


def pytest_terminal_summary(terminalreporter):
    if _report:
        terminalreporter.section("lab measurements")
        for line in _report:
            terminalreporter.write_line(line)


class Lab:
    def __init__(self, env, owned):
        self.env = env
        self.owned = owned
        self.state = env["LAB_STATE"]
        self.prefix = env["LAB_PREFIX"]
        self.up_seconds = None
        self.refresh()

    def refresh(self):
        info = json.loads(self.run("env", "--json").stdout)
        self.info = info
        self.env["LAB_PREFIX"] = self.prefix = info["prefix"]
        self.profile = info.get("profile")
        self.upstream = info["upstream"]
        self.downstream = info["downstream"]
        self.upstream_wan = info["upstream_wan"]
        self.zookeeper = info.get("zookeeper")
        self.zk_upstream = info.get("zookeeper_upstream")
        self.zk_downstream = info.get("zookeeper_downstream")
        self.connect = info["connect"]
        self.prometheus = info["prometheus"]
        self.brokers = info["brokers"]
        self.hosts = info["hosts"]

    def report(self, line):
        """A line for the "lab measurements" section at the end of the pytest run."""
        lab_report(line)

    def addr(self, host):
        return self.hosts[host]

    def run(self, *args, check=True, timeout=600):
        r = subprocess.run([LAB, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"lab {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r

    def tool(self, name, *args, check=True, timeout=120, input=None):
        r = subprocess.run([LAB, "tool", name, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"lab tool {name} {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r

    def kcat(self, *args, check=True, timeout=120, input=None):
        r = subprocess.run(["kcat", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"kcat {' '.join(args)} exited {r.returncode}:\n{r.stderr}")
        return r

    def produce(self, topic, lines, bootstrap=None):
        self.kcat("-b", bootstrap or self.upstream, "-P", "-t", topic, "-X", "acks=all",
                  input="".join(f"{x}\n" for x in lines))

    def status(self):
        return json.loads(self.run("status", "--json", check=False).stdout)

    def wan(self, *args):
        return json.loads(self.run("wan", *args).stdout)

    def stop(self, *names):
        """Stop services by name (as in `lab status`: kafka01, zk01, connect, wan, ...); ensure_healthy() or
        `lab up` brings them back."""
        return self.run("stop", *names)

    def pids(self):
        """Pids of every process the lab runs now (services and their children)."""
        out = []
        for s in self.status().get("services", []):
            if s.get("pid"):
                out.append(s["pid"])
        return out

    def ensure_healthy(self, timeout=180):
        """Back to the state tests expect: WAN up without delay, every service running and healthy."""
        try:
            self.wan("restore")
        except AssertionError:
            pass
        self.run("up", self.profile or "default", timeout=timeout)
        deadline = time.time() + timeout
        while time.time() < deadline:
            st = self.status()
            if st.get("healthy"):
                return st
            time.sleep(1)
        raise AssertionError(f"lab not healthy after {timeout}s:\n{json.dumps(self.status(), indent=1)}")


@pytest.fixture(scope="session")
def lab():
    for exe in ("java", "kcat"):
        if not shutil.which(exe):
            pytest.skip(f"the lab needs {exe}")
    if os.environ.get("LAB_TEST_USE_RUNNING") == "1":
        env = dict(os.environ)
        env.setdefault("LAB_PREFIX", "127.0")
        env.setdefault("LAB_STATE", os.path.join(REPO, ".lab"))
        yield Lab(env, owned=False)
        return
    state = os.environ.get("LAB_TEST_STATE") or tempfile.mkdtemp(prefix="lab-test-")
    env = dict(os.environ, LAB_PREFIX=os.environ.get("LAB_TEST_PREFIX") or free_prefix(), LAB_STATE=state)
    profile = os.environ.get("LAB_TEST_PROFILE", "default")
    t0 = time.time()
    r = subprocess.run([LAB, "up", profile], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900)
    if r.returncode != 0:
        subprocess.run([LAB, "down"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        pytest.fail(f"lab up {profile} failed (state kept in {state}):\n{r.stdout[-4000:]}")
    lab_ = Lab(env, owned=True)
    lab_.up_seconds = time.time() - t0
    st = lab_.status()
    lab_report(f"lab up ({profile}, {env['LAB_PREFIX']}): {lab_.up_seconds:.1f}s, RSS after up "
               f"{st.get('rss_kb', 0) / 1024:.0f} MiB, not started: "
               + (", ".join(s["name"] for s in st.get("services", []) if s.get("skipped")) or "none"))
    try:
        yield lab_
    finally:
        st = lab_.status()
        pids = [s["pid"] for s in st.get("services", []) if s.get("pid")]
        lab_report(f"lab RSS at end of session: {st.get('rss_kb', 0) / 1024:.0f} MiB")
        d = subprocess.run([LAB, "down"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=300)
        alive = [p for p in pids if os.path.exists(f"/proc/{p}") and not _zombie(p)]
        assert d.returncode == 0 and not alive, f"lab down left {alive}:\n{d.stdout}"
        if not os.environ.get("LAB_TEST_STATE"):
            shutil.rmtree(state, ignore_errors=True)


_prefix_locks = []


def free_prefix(start=40):
    """A LAB_PREFIX (127.N) whose lab addresses nobody listens on, reserved for this pytest process with a
    lock file (other engineers' test sessions run beside this one and pick from the same range)."""
    import fcntl
    import socket
    for n in range(start, 250):
        prefix = f"127.{n}"
        lock = open(os.path.join(tempfile.gettempdir(), f"lab-prefix-{prefix}.lock"), "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        busy = False
        for host, port in ((f"{prefix}.10.1", 9092), (f"{prefix}.20.1", 2181), (f"{prefix}.20.1", 9092),
                           (f"{prefix}.30.1", 19093), (f"{prefix}.20.1", 8083), (f"{prefix}.10.1", 19090)):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError:
                busy = True
            finally:
                s.close()
            if busy:
                break
        if not busy:
            _prefix_locks.append(lock)  # held until this process ends
            return prefix
        lock.close()
    raise RuntimeError("no free 127.N prefix for a lab")


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True
