"""Ansible: ansible-lint is clean, and exporter.yml really deploys the exporters on six Debian hosts (a debootstrap
root booted six times with systemd-nspawn, each with its own network namespace), twice: the second run changes
nothing; then every exporter answers /metrics on its hosts and its unit runs as its own user. monitoring.yml the same
way: a Prometheus per datacenter, the Alertmanager peers and VictoriaMetrics where ansible/hosts puts them."""
import fcntl
import glob
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

TOP = pathlib.Path(__file__).resolve().parents[2]
ANSIBLE = TOP / "ansible"
BUILD = pathlib.Path(os.environ.get("BUNDLE_BUILD", TOP / "build"))
HOSTS = {"kafkahosts": ["kafka01", "kafka02", "kafka03"], "zkhosts": ["zk01", "zk02", "zk03"]}
# What runs where (exporter.yml): node-exporter-lite everywhere, kafka-exporter on each cluster's first host,
# mirror-exporter on the downstream side.
EXPECTED = {h: ["node-exporter-lite"] for hs in HOSTS.values() for h in hs}
EXPECTED["kafka01"] += ["kafka-exporter"]
EXPECTED["zk01"] += ["kafka-exporter", "mirror-exporter"]
PORTS = {"node-exporter-lite": 9100, "kafka-exporter": 9308, "mirror-exporter": 9309}
FIRST_LINE = {"node-exporter-lite": "node_uname_info", "kafka-exporter": "kafka_up", "mirror-exporter": "mirror_up"}
# The exporters' shared libraries (libcurl in both flavours: the build links whichever -dev is installed) and
# Debian's prometheus (the hosts have no network to fetch it: monitoring.yml finds it installed); the rest is a
# minimal Debian with systemd, sudo and python3 for Ansible.
ROOT_PACKAGES = ("systemd,systemd-sysv,dbus,python3,procps,sudo,librdkafka1,libmicrohttpd12,libyaml-0-2,libjansson4,"
                 "libzookeeper-mt2,libproc2-0,libgnutls30,libdeflate0,libcurl3-gnutls,libcurl4,prometheus,"
                 "prometheus-alertmanager,python3-apt")
# Where monitoring.yml puts the monitoring (the groups of ansible/hosts).
MONITORING = {"prometheus_upstream": ["kafka01"], "prometheus_downstream": ["zk01"], "alertmanager": ["kafka01", "zk01"],
              "victoriametrics": ["zk02"]}


def ansible_env(tmp):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-tmp"),
               ANSIBLE_HOME=str(tmp / "ansible-home"), ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_FORKS="6", ANSIBLE_PIPELINING="1")
    env.pop("ANSIBLE_CONFIG", None)
    return env


def test_ansible_lint_clean(tmp_path):
    if not shutil.which("ansible-lint"):
        pytest.fail("ansible-lint missing: scripts/install-deps installs it from PyPI")
    r = subprocess.run(["ansible-lint", "--offline", "--profile", "production"], cwd=ANSIBLE, capture_output=True,
                       text=True, timeout=300, env=ansible_env(tmp_path))
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]


def test_every_role_variable_is_documented():
    # Each variable a role's tasks or templates use is in its defaults, with a comment above it or its group.
    for role in sorted((ANSIBLE / "roles").iterdir()):
        defaults = (role / "defaults/main.yml").read_text()
        declared = set(re.findall(r"^(\w+):", defaults, re.M))
        used = set()
        for f in role.rglob("*"):
            if f.is_file() and "defaults" not in f.parts:
                used |= set(re.findall(rf"\b({role.name}_\w+)\b", f.read_text()))
        assert used <= declared, f"{role.name}: undocumented {sorted(used - declared)}"
        lines = defaults.splitlines()
        for i, line in enumerate(lines):
            if re.match(r"^\w+:", line):
                j = i - 1
                while j >= 0 and re.match(r"^\w+:|^  ", lines[j]):
                    j -= 1
                assert j >= 0 and lines[j].startswith("#"), f"{role.name}: {line} has no comment"


# ---------------------------------------------------------------------------------------------------------------
def cache_dir():
    for base in (os.environ.get("BUNDLE_CACHE"), "/var/cache/kafka-monitoring-test", str(BUILD / "test-cache")):
        if base:
            try:
                os.makedirs(base, exist_ok=True)
                return pathlib.Path(base)
            except OSError:
                continue
    pytest.fail("no writable cache directory")


def debian_mirror():
    if os.environ.get("BUNDLE_DEBIAN_MIRROR"):
        return os.environ["BUNDLE_DEBIAN_MIRROR"]
    for f in ["/etc/apt/sources.list", *glob.glob("/etc/apt/sources.list.d/*")]:
        try:
            text = open(f).read()
        except OSError:
            continue
        m = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.M) or re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)\s+bookworm\s", text, re.M)
        if m:
            return m.group(1)
    return "http://deb.debian.org/debian"


def debian_root():
    """A bookworm root with systemd and the exporters' libraries, made once with debootstrap and kept in the cache
    (each container boots it with a throw-away overlay, so it is never modified)."""
    stamp = hashlib.sha256(ROOT_PACKAGES.encode()).hexdigest()[:12]
    root = cache_dir() / f"bookworm-root-{stamp}"
    # Two test sessions at once (two engineers) must not debootstrap into the same directory.
    with open(cache_dir() / f"bookworm-root-{stamp}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "usr/bin/python3").exists():
            make_root(root)
    return root


def make_root(root):
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    r = subprocess.run(["debootstrap", "--variant=minbase", f"--include={ROOT_PACKAGES}", "bookworm", str(tmp),
                        debian_mirror()], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    # An empty machine-id: each container boots with its own transient one.
    (tmp / "etc/machine-id").write_text("")
    # debootstrap copies this machine's name; without the file each container keeps the name nspawn gives it.
    (tmp / "etc/hostname").unlink(missing_ok=True)
    os.rename(tmp, root)
    return root


class Container:
    def __init__(self, root, name, logdir):
        self.name = name
        self.log = open(logdir / f"{name}.log", "w")
        # --volatile=overlay: writes go to a tmpfs and vanish with the container; --private-network: each host has
        # its own loopback, so every exporter listens on its default port without clashing with anything.
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--boot", "--volatile=overlay",
             "--private-network", "--console=passive", f"--machine=t{os.getpid()}-{name}", f"--hostname={name}",
             "-D", str(root)],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = None

    def init_pid(self):
        # nspawn forks an intermediate child before the container's init: trust only a child that is systemd.
        try:
            kids = open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read().split()
            for kid in kids:
                if open(f"/proc/{kid}/comm").read().strip() == "systemd":
                    return int(kid)
        except OSError:
            pass
        return None

    def wait_booted(self, deadline):
        state = ""
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"{self.name}: systemd-nspawn exited {self.proc.returncode}"
            self.pid = self.init_pid()
            if self.pid:
                r = self.run("systemctl", "is-system-running", check=False)
                state = r.stdout.strip() + r.stderr.strip()
                if r.stdout.strip() in ("running", "degraded"):
                    return
            time.sleep(0.5)
        jobs = self.run("systemctl", "list-jobs", check=False).stdout if self.pid else "no init process"
        pytest.fail(f"{self.name} did not boot ({state}):\n{jobs}")

    def run(self, *cmd, check=True, timeout=60):
        r = subprocess.run(["nsenter", "-t", str(self.pid), "-a", *cmd], capture_output=True, text=True,
                           timeout=timeout)
        if check:
            assert r.returncode == 0, f"{self.name}: {cmd}: {r.stdout}{r.stderr}"
        return r

    def stop(self):
        if self.proc.poll() is None:
            # nspawn turns SIGTERM into an orderly shutdown of the container's systemd.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.log.close()


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("needs root (systemd-nspawn, debootstrap)")
    for tool in ("systemd-nspawn", "debootstrap", "nsenter", "ansible-playbook"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} missing: scripts/install-deps installs it")
    for exe in PORTS:
        assert (BUILD / "exporters" / exe / exe).exists(), f"build the exporters first: {BUILD}/exporters/{exe}/{exe}"
    root = debian_root()
    tmp = tmp_path_factory.mktemp("ansible-hosts")
    containers = {}
    try:
        for name in EXPECTED:
            containers[name] = Container(root, name, tmp)
        deadline = time.monotonic() + 240
        for c in containers.values():
            c.wait_booted(deadline)
        yield containers, tmp
    finally:
        for c in containers.values():
            c.stop()


def write_inventory(containers, tmp):
    lines = []
    for group, names in HOSTS.items():
        lines.append(f"[{group}]")
        lines += [f"{n} ansible_nsenter_pid={containers[n].pid}" for n in names]
        lines.append(f"[{group}:vars]")
        lines.append(f"kafka_cluster={'upstream' if group == 'kafkahosts' else 'downstream'}")
    for group, names in MONITORING.items():
        lines.append(f"[{group}]")
        lines += names
    lines += ["[all:vars]", "ansible_connection=community.docker.nsenter", "ansible_python_interpreter=/usr/bin/python3"]
    inv = tmp / "hosts"
    inv.write_text("\n".join(lines) + "\n")
    return inv


def play(inv, tmp, playbook, *extra):
    r = subprocess.run(["ansible-playbook", "-i", str(inv), playbook,
                        "-e", f"node_exporter_lite_binary_src={BUILD}/exporters/node-exporter-lite/node-exporter-lite",
                        "-e", f"kafka_exporter_binary_src={BUILD}/exporters/kafka-exporter/kafka-exporter",
                        "-e", f"mirror_exporter_binary_src={BUILD}/exporters/mirror-exporter/mirror-exporter", *extra],
                       cwd=ANSIBLE, capture_output=True, text=True, timeout=600, env=ansible_env(tmp))
    recap = {m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
             for m in re.finditer(r"^(\S+)\s+:\s+(ok=.*)$", r.stdout, re.M)}
    return r, recap


def test_exporter_playbook_converges_and_serves(hosts):
    containers, tmp = hosts
    inv = write_inventory(containers, tmp)
    t0 = time.monotonic()
    first, recap1 = play(inv, tmp, "exporter.yml")
    t1 = time.monotonic()
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-3000:]
    assert set(recap1) == set(EXPECTED), recap1
    assert all(r["failed"] == 0 and r["unreachable"] == 0 and r["changed"] > 0 for r in recap1.values()), recap1

    second, recap2 = play(inv, tmp, "exporter.yml")
    t2 = time.monotonic()
    assert second.returncode == 0, second.stdout[-6000:] + second.stderr[-3000:]
    assert {h: r["changed"] for h, r in recap2.items()} == {h: 0 for h in EXPECTED}, second.stdout[-6000:]
    print(f"exporter.yml on 6 hosts: first run {t1 - t0:.0f}s, second run {t2 - t1:.0f}s")

    for name, services in EXPECTED.items():
        c = containers[name]
        for svc in services:
            c.run("systemctl", "is-active", "--quiet", svc)
            show = dict(line.split("=", 1) for line in
                        c.run("systemctl", "show", "-p", "User", "-p", "MainPID", "-p", "NoNewPrivileges",
                              "-p", "ProtectSystem", "-p", "Restart", svc).stdout.split())
            assert show["User"] == svc and show["NoNewPrivileges"] == "yes", (name, svc, show)
            assert show["ProtectSystem"] == "strict" and show["Restart"] == "on-failure", (name, svc, show)
            metrics = fetch_metrics(c, PORTS[svc])
            assert re.search(rf"^{FIRST_LINE[svc]}\b", metrics, re.M), f"{name}: {svc}: {metrics[:500]}"
            owner = c.run("ps", "-o", "user=", "-p", show["MainPID"]).stdout.strip()
            assert owner == svc, f"{name}: {svc} runs as {owner}"
            uid = c.run("id", "-u", svc).stdout.strip()
            assert int(uid) != 0
        # Nothing else of ours runs there.
        for svc in set(PORTS) - set(services):
            assert c.run("systemctl", "is-active", svc, check=False).stdout.strip() != "active", (name, svc)
        assert f'nodename="{name}"' in fetch_metrics(c, 9100)


def fetch_metrics(c, port, attempts=20):
    code = ("import sys, urllib.request; "
            f"sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:{port}/metrics', timeout=10).read().decode())")
    for _ in range(attempts):
        r = c.run("python3", "-c", code, check=False)
        if r.returncode == 0:
            return r.stdout
        time.sleep(0.5)
    pytest.fail(f"{c.name}: nothing answers on :{port}/metrics: {r.stderr[-500:]}")


def test_jmx_exporter_playbook(hosts):
    # No Kafka runs in these hosts: the role installs the agent, its rules and the drop-in, and leaves the
    # (absent) broker and Connect services alone.
    containers, tmp = hosts
    inv = write_inventory(containers, tmp)
    # The test hosts reach no network: the agent comes from the lab's Maven fetch, as on a clean CI machine.
    fetched = subprocess.run([str(TOP / "lab/lab"), "fetch"], check=True, capture_output=True, text=True)
    libs = fetched.stdout.strip().splitlines()[-1]  # the folder is the last line, after any progress
    jar = pathlib.Path(libs) / "jmx_prometheus_javaagent-1.0.1.jar"
    assert jar.exists(), f"lab fetch did not bring {jar.name}"
    extra = ["-e", "jmx_exporter_restart_service=false", "-e", f"jmx_exporter_jar_src={jar}"]
    first, recap1 = play(inv, tmp, "jmx-exporter.yml", *extra)
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-3000:]
    second, recap2 = play(inv, tmp, "jmx-exporter.yml", *extra)
    assert second.returncode == 0 and {h: r["changed"] for h, r in recap2.items()} == {h: 0 for h in EXPECTED}, \
        second.stdout[-6000:]
    for name, c in containers.items():
        dropin = c.run("cat", "/etc/systemd/system/kafka.service.d/jmx-exporter.conf").stdout
        assert "-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent-1.0.1.jar=7071:" \
               "/opt/jmx-exporter/kafka-broker.yml" in dropin, (name, dropin)
        rules = c.run("cat", "/opt/jmx-exporter/kafka-broker.yml").stdout
        assert rules == (TOP / "prometheus/jmx/kafka-broker.yml").read_text()
    connect = containers["zk01"].run("cat", "/etc/systemd/system/kafka-connect.service.d/jmx-exporter.conf").stdout
    assert "=7072:/opt/jmx-exporter/kafka-connect.yml" in connect
    assert containers["zk02"].run("test", "-e", "/opt/jmx-exporter/kafka-connect.yml", check=False).returncode != 0


def http_get(c, port, path, timeout=60):
    """GET http://127.0.0.1:<port><path> inside container c, retried until it answers or timeout; the body."""
    code = ("import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("
            f"'http://127.0.0.1:{port}' + sys.argv[1], timeout=10).read().decode())")
    deadline = time.monotonic() + timeout
    while True:
        r = c.run("python3", "-c", code, path, check=False)
        if r.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert r.returncode == 0, f"{c.name}: :{port}{path}: {r.stderr[-800:]}"
    return r.stdout


def unit_props(c, unit, *props):
    out = c.run("systemctl", "show", *[a for p in props for a in ("-p", p)], unit).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def test_monitoring_playbook(hosts):
    # A Prometheus per datacenter (Debian's, with the bundle's per-datacenter config, rules and consoles), the two
    # Alertmanager peers (Debian's) with their gossip peers, VictoriaMetrics (built by scripts/build-victoria-metrics)
    # and Grafana's provisioning files (Grafana itself is not installable here), where ansible/hosts puts them.
    containers, tmp = hosts
    inv = write_inventory(containers, tmp)
    vm = subprocess.run([str(TOP / "scripts/build-victoria-metrics")], check=True, capture_output=True, text=True,
                        timeout=900).stdout.strip().splitlines()[-1]
    # The test hosts have only their loopback: Alertmanager finds no private address to advertise by itself.
    extra = ["-e", "prometheus_apt_update_cache=false", "-e", "alertmanager_apt_update_cache=false",
             "-e", "grafana_provisioning_manage_service=false", "-e", f"victoriametrics_binary_src={vm}",
             "-e", "alertmanager_cluster_advertise_address=127.0.0.1:9194"]
    t0 = time.monotonic()
    first, recap1 = play(inv, tmp, "monitoring.yml", *extra)
    t1 = time.monotonic()
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-3000:]
    assert set(recap1) == {"kafka01", "zk01", "zk02"} and all(r["changed"] > 0 for r in recap1.values()), recap1
    second, recap2 = play(inv, tmp, "monitoring.yml", *extra)
    t2 = time.monotonic()
    assert second.returncode == 0 and {h: r["changed"] for h, r in recap2.items()} == \
        {"kafka01": 0, "zk01": 0, "zk02": 0}, second.stdout[-6000:]
    print(f"monitoring.yml on 3 hosts: first run {t1 - t0:.0f}s, second run {t2 - t1:.0f}s")

    units = {"kafka01": ["prometheus", "prometheus-alertmanager"], "zk01": ["prometheus", "prometheus-alertmanager"],
             "zk02": ["victoria-metrics"], "zk03": [], "kafka02": [], "kafka03": []}
    for name, expected in units.items():
        c = containers[name]
        for unit in ("prometheus", "prometheus-alertmanager", "victoria-metrics"):
            active = c.run("systemctl", "is-active", unit, check=False).stdout.strip()
            if unit in expected:
                assert active == "active", (name, unit, active)
                show = unit_props(c, unit, "User", "NoNewPrivileges", "ProtectSystem", "Restart", "MainPID")
                assert show["User"] in ("prometheus", "victoriametrics"), (name, unit, show)
                assert show["NoNewPrivileges"] == "yes" and show["ProtectSystem"] == "strict", (name, unit, show)
                assert show["Restart"] == "on-failure", (name, unit, show)
                assert c.run("ps", "-o", "user=", "-p", show["MainPID"]).stdout.strip() == show["User"]
            elif unit != "prometheus-alertmanager" and unit != "prometheus":
                assert active != "active", (name, unit)

    # Each datacenter's server: its external label, both Alertmanager peers, the remote write, its rules.
    for name, dc in (("kafka01", "upstream"), ("zk01", "downstream")):
        c = containers[name]
        cfg = json.loads(http_get(c, 9090, "/api/v1/status/config"))["data"]["yaml"]
        assert f"datacenter: {dc}" in cfg and "http://zk02:8428/api/v1/write" in cfg, (name, cfg[:1500])
        rules = http_get(c, 9090, "/api/v1/rules")
        for alert in ("KafkaOfflinePartitions", "HostDown", "DiskAlmostFull"):
            assert f'"name":"{alert}"' in rules, (name, alert)
        assert ('"name":"MirrorProbeLoss"' in rules) == (dc == "downstream"), name
        ams = json.loads(http_get(c, 9090, "/api/v1/alertmanagers"))["data"]
        assert sorted(a["url"] for a in ams["activeAlertmanagers"]) == \
            ["http://kafka01:9193/api/v2/alerts", "http://zk01:9193/api/v2/alerts"], (name, ams)
        # Alertmanager: the bundle's routes, and the other datacenter's peer to gossip with.
        status = json.loads(http_get(c, 9193, "/api/v2/status"))
        assert "oncall-downstream" in status["config"]["original"], status
        other = "zk01" if name == "kafka01" else "kafka01"
        pid = unit_props(c, "prometheus-alertmanager", "MainPID")["MainPID"]
        argv = c.run("cat", f"/proc/{pid}/cmdline").stdout.split("\0")
        assert f"--cluster.peer={other}:9194" in argv and "--web.listen-address=:9193" in argv, argv
        assert status["cluster"]["status"] in ("ready", "settling"), status["cluster"]
    page = http_get(containers["kafka01"], 9090, "/consoles/mirrormaker2.html")
    assert '<nav class="kafka-nav' in page and "error executing template" not in page

    # VictoriaMetrics takes Prometheus' remote-write protocol's sibling, the text import, and answers PromQL with
    # HA duplicates (the same series from two servers, same timestamps) stored once.
    zk02 = containers["zk02"]
    assert http_get(zk02, 8428, "/health").strip() == "OK"
    now = int(time.time() * 1000)
    push = ("import sys, urllib.request; urllib.request.urlopen(urllib.request.Request("
            "'http://127.0.0.1:8428/api/v1/import/prometheus', data=sys.argv[1].encode()), timeout=10)")
    # Ten samples 15 s apart, sent twice (two replicas): stored and counted once each. Older than a minute: VM
    # hides the last 30 s from queries (-search.latencyOffset), which a remote write may still fill.
    body = "".join(f'ansible_probe{{datacenter="upstream"}} {i} {now - 60000 - (9 - i) * 15000}\n' for i in range(10))
    for _replica in range(2):
        zk02.run("python3", "-c", push, body)
    deadline = time.monotonic() + 60
    while True:
        http_get(zk02, 8428, "/internal/force_flush")
        out = json.loads(http_get(zk02, 8428, "/api/v1/query?query=count_over_time(ansible_probe[5m])"))
        got = out["data"]["result"]
        if (got and got[0]["value"][1] == "10") or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert got and got[0]["value"][1] == "10", out
    pid = unit_props(zk02, "victoria-metrics", "MainPID")["MainPID"]
    assert "-dedup.minScrapeInterval=5s" in zk02.run("cat", f"/proc/{pid}/cmdline").stdout.split("\0")

    c = containers["kafka01"]
    for f in ("kafka-clusters.json", "consumer-lag.json", "mirrormaker2.json", "hosts.json"):
        c.run("test", "-s", f"/var/lib/grafana/dashboards/kafka-monitoring/{f}")
    ds = c.run("cat", "/etc/grafana/provisioning/datasources/kafka-monitoring-prometheus.yml").stdout
    assert "http://zk02:8428" in ds and "http://zk01:9090" in ds, ds


def test_exporter_playbook_from_the_deb(hosts, tmp_path):
    # The roles' other install method: the project's .deb (CPack) instead of copied binaries. Switching method on
    # running hosts moves every service to /usr/bin and restarts it; a second run changes nothing.
    containers, tmp = hosts
    r = subprocess.run(["cpack", "-G", "DEB", "-B", str(tmp_path)], cwd=BUILD, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    deb = next(tmp_path.glob("kafka-monitoring-exporters_*.deb"))
    inv = write_inventory(containers, tmp)
    extra = [a for role in ("node_exporter_lite", "kafka_exporter", "mirror_exporter")
             for a in ("-e", f"{role}_install_method=deb", "-e", f"{role}_deb_src={deb}")]
    first, _ = play(inv, tmp, "exporter.yml", *extra)
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-3000:]
    second, recap2 = play(inv, tmp, "exporter.yml", *extra)
    assert second.returncode == 0 and {h: r["changed"] for h, r in recap2.items()} == {h: 0 for h in EXPECTED}, \
        second.stdout[-6000:]
    for name, services in EXPECTED.items():
        c = containers[name]
        for svc in services:
            assert fetch_metrics(c, PORTS[svc])
            pid = c.run("systemctl", "show", "-p", "MainPID", "--value", svc).stdout.strip()
            assert c.run("readlink", f"/proc/{pid}/exe").stdout.strip() == f"/usr/bin/{svc}", (name, svc)
            assert c.run("ps", "-o", "user=", "-p", pid).stdout.strip() == svc
