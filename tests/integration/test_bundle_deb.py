"""The .deb (CPack): it holds the three exporters and their units, installs with dpkg into a throw-away Debian
host (the nspawn root of test_ansible.py), its units pass `systemd-analyze verify`, and a unit runs as its user."""
import os
import pathlib
import shutil
import subprocess
import time

import pytest

from test_ansible import BUILD, TOP, Container, debian_root, fetch_metrics

EXPORTERS = ("node-exporter-lite", "kafka-exporter", "mirror-exporter")


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    for tool in ("cmake", "cpack", "dpkg-deb", "dpkg-shlibdeps"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} missing (scripts/install-deps)")
    out = tmp_path_factory.mktemp("deb")
    r = subprocess.run(["cmake", "-S", str(TOP), "-B", str(BUILD), "-G", "Ninja"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    r = subprocess.run(["cmake", "--build", str(BUILD), "-j2"], capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    r = subprocess.run(["cpack", "-G", "DEB", "-B", str(out)], cwd=BUILD, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    debs = list(out.glob("kafka-monitoring-exporters_*.deb"))
    assert len(debs) == 1, list(out.iterdir())
    return debs[0]


def test_deb_contents(deb):
    files = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    for e in EXPORTERS:
        assert f"./usr/bin/{e}\n" in files
        assert f"./usr/lib/systemd/system/{e}.service\n" in files
        assert f"./etc/default/{e}\n" in files
    info = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True).stdout
    for dep in ("librdkafka1", "libmicrohttpd12", "libjansson4", "libdeflate0", "systemd"):
        assert dep in info, info
    control = deb.parent / "control"
    subprocess.run(["dpkg-deb", "-e", str(deb), str(control)], check=True)
    assert (control / "conffiles").read_text().split() == [f"/etc/default/{e}" for e in EXPORTERS]
    assert os.access(control / "postinst", os.X_OK)


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("needs root (systemd-nspawn)")
    c = Container(debian_root(), "debtest01", tmp_path_factory.mktemp("deb-host"))
    try:
        c.wait_booted(time.monotonic() + 240)
        yield c
    finally:
        c.stop()


def test_deb_installs_and_units_verify(deb, host):
    with open(deb, "rb") as f:
        r = subprocess.run(["nsenter", "-t", str(host.pid), "-a", "sh", "-c", "cat > /tmp/exporters.deb"], stdin=f,
                           capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = host.run("dpkg", "-i", "/tmp/exporters.deb", check=False, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "install ok installed" in host.run("dpkg-query", "-W", "-f=${Status}", "kafka-monitoring-exporters").stdout
    units = [f"/usr/lib/systemd/system/{e}.service" for e in EXPORTERS]
    r = host.run("systemd-analyze", "verify", *units, check=False)
    assert r.returncode == 0 and not r.stderr.strip(), r.stdout + r.stderr
    for e in EXPORTERS:
        assert host.run("id", "-u", e).stdout.strip() != "0"
        host.run("test", "-x", f"/usr/bin/{e}")
    # The unit really runs, hardened, as its own user.
    host.run("systemctl", "start", "node-exporter-lite")
    assert "node_uname_info" in fetch_metrics(host, 9100)
    pid = host.run("systemctl", "show", "-p", "MainPID", "--value", "node-exporter-lite").stdout.strip()
    assert host.run("ps", "-o", "user=", "-p", pid).stdout.strip() == "node-exporter-lite"
    # And leaves cleanly.
    r = host.run("dpkg", "-r", "kafka-monitoring-exporters", check=False, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert host.run("systemctl", "is-active", "node-exporter-lite", check=False).stdout.strip() != "active"
