"""scripts/install-deps and scripts/demo on a machine that already runs Debian's prometheus and
prometheus-node-exporter services (a systemd-nspawn host, booted as in test_ansible.py, with its own network):
install-deps installs a package without starting its service and without touching the running ones; the demo's lab
runs beside them (its ports never collide with theirs); after `scripts/demo down` they run on, untouched (same
pids, still enabled, still answering)."""
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import lab_report
from test_ansible import TOP, Container, debian_root

SERVICES = ("prometheus", "prometheus-node-exporter")


def service_state(c, svc):
    show = dict(line.split("=", 1) for line in c.run("systemctl", "show", "-p", "ActiveState", "-p", "MainPID",
                                                     "-p", "UnitFileState", svc).stdout.split())
    return show["ActiveState"], int(show["MainPID"]), show["UnitFileState"]


def in_net(c, *cmd, env=None, timeout=900):
    """A command of this machine (its files, its build, its Java) inside the host's network namespace. (Its
    systemctl talks to this machine's init, not the host's: the install-deps test above runs inside the host.)"""
    return subprocess.run(["nsenter", f"--net=/proc/{c.pid}/ns/net", "--", *cmd], env=env, capture_output=True,
                          text=True, timeout=timeout)


def http_code(c, url):
    code = ("import sys, urllib.request\ntry:\n    print(urllib.request.urlopen(sys.argv[1], timeout=10).status)\n"
            "except Exception as e:\n    print(getattr(e, 'code', 0))")
    return int(in_net(c, sys.executable, "-c", code, url, timeout=30).stdout.strip() or 0)


@pytest.fixture(scope="module")
def monhost(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("needs root (systemd-nspawn, debootstrap)")
    for tool in ("systemd-nspawn", "debootstrap", "nsenter", "dpkg-scanpackages", "apt-get"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} missing: scripts/install-deps installs it")
    tmp = tmp_path_factory.mktemp("demo-host")
    # Debian's node_exporter as a local APT repository: the host has no network, its APT reads only this.
    debs = tmp / "debs"
    debs.mkdir()
    r = subprocess.run(["apt-get", "download", "prometheus-node-exporter"], cwd=debs, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    pkgs = subprocess.run(["dpkg-scanpackages", "."], cwd=debs, capture_output=True, text=True, timeout=60)
    (debs / "Packages").write_text(pkgs.stdout)
    c = Container(debian_root(), "monhost", tmp)
    try:
        c.wait_booted(time.monotonic() + 240)
        root = f"/proc/{c.pid}/root"
        shutil.copytree(debs, f"{root}/srv/debs")
        for f in os.listdir(f"{root}/etc/apt/sources.list.d"):
            os.unlink(f"{root}/etc/apt/sources.list.d/{f}")
        with open(f"{root}/etc/apt/sources.list", "w") as f:
            f.write("deb [trusted=yes] file:/srv/debs ./\n")
        shutil.copy(TOP / "scripts" / "install-deps", f"{root}/usr/local/sbin/install-deps")
        yield c, tmp
    finally:
        c.stop()


def test_install_deps_installs_without_starting_or_stopping_services(monhost):
    c, _ = monhost
    assert service_state(c, "prometheus")[0] == "active", "Debian's prometheus should run from boot"
    before = service_state(c, "prometheus")
    assert not os.path.exists(f"/proc/{c.pid}/root/usr/sbin/policy-rc.d")
    r = c.run("/usr/local/sbin/install-deps", "prometheus-node-exporter", check=False, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "install ok installed" in c.run("dpkg-query", "-W", "-f=${Status}", "prometheus-node-exporter").stdout
    # Installed and enabled, as the package makes it, but not started here; the policy file is gone again.
    state, pid, enabled = service_state(c, "prometheus-node-exporter")
    assert (state, pid, enabled) == ("inactive", 0, "enabled")
    assert not os.path.exists(f"/proc/{c.pid}/root/usr/sbin/policy-rc.d")
    assert service_state(c, "prometheus") == before
    # A policy-rc.d the machine had is put back as it was (container images ship one).
    mine = "#!/bin/sh\n# the machine's own\nexit 0\n"
    with open(f"/proc/{c.pid}/root/usr/sbin/policy-rc.d", "w") as f:
        f.write(mine)
    r = c.run("sh", "-c", "apt-get remove -y -qq prometheus-node-exporter >/dev/null && "
                          "/usr/local/sbin/install-deps prometheus-node-exporter", check=False, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(f"/proc/{c.pid}/root/usr/sbin/policy-rc.d") as f:
        assert f.read() == mine
    os.unlink(f"/proc/{c.pid}/root/usr/sbin/policy-rc.d")


def test_demo_runs_beside_the_machines_prometheus_and_node_exporter(monhost):
    c, tmp = monhost
    # Debian's node_exporter as the machine's own, installed the usual way (it starts at install: no policy here).
    c.run("sh", "-c", "dpkg-query -W -f='${Status}' prometheus-node-exporter 2>/dev/null | grep -q 'ok installed' || "
                      "{ apt-get update -qq && apt-get install -y -qq prometheus-node-exporter >/dev/null; }",
          timeout=300)
    c.run("systemctl", "start", "prometheus-node-exporter")
    # Debian's services answer on every address of the host, at the ports of the users' layout.
    assert http_code(c, "http://127.0.0.1:9090/-/ready") == 200
    assert http_code(c, "http://127.0.0.1:9100/metrics") == 200
    before = {s: service_state(c, s) for s in SERVICES}
    assert all(st[0] == "active" and st[1] > 0 for st in before.values()), before

    env = dict(os.environ, LAB_PREFIX="127.0", LAB_STATE=str(tmp / "lab"))
    t0 = time.monotonic()
    demo = in_net(c, str(TOP / "scripts" / "demo"), "default", env=env)  # the smallest lab, with its load
    up_s = time.monotonic() - t0
    try:
        assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
        # The lab's Prometheus and node-exporter-lite beside Debian's, on the same addresses' other ports.
        assert http_code(c, "http://127.0.10.1:19090/-/ready") == 200
        assert http_code(c, "http://127.0.10.1:19100/metrics") == 200
        assert http_code(c, "http://127.0.10.1:9090/-/ready") == 200  # Debian's, on every address
        assert {s: service_state(c, s) for s in SERVICES} == before
    finally:
        down = in_net(c, str(TOP / "scripts" / "demo"), "down", env=env, timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    after = {s: service_state(c, s) for s in SERVICES}
    assert after == before, (before, after)
    assert http_code(c, "http://127.0.0.1:9090/-/ready") == 200
    assert http_code(c, "http://127.0.0.1:9100/metrics") == 200
    lab_report(f"scripts/demo beside Debian's prometheus and node_exporter: demo {up_s:.0f}s, both still active "
               f"with the same pids ({after['prometheus'][1]}, {after['prometheus-node-exporter'][1]}) and enabled")
