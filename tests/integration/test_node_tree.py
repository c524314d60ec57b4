"""node-exporter-lite beside Debian's node_exporter 1.5 on fake proc/sys/root/udev trees (tests/node/tree):
every collector honours --path.procfs, --path.sysfs, --path.rootfs and --path.udev.data, and every sample
equals node_exporter's exactly, with node_exporter 1.5's flags for our collectors.

The tree's numbers are unlike any real host's (SENTINELS checks the host has other values), so a collector
that reads the host instead of the tree fails here. Mount points under the fake rootfs are symlinks to /sys
and /proc, whose statfs numbers are fixed, so filesystem values are exact too. netdev runs in procfs mode
(--no-collector.netdev.netlink): netlink is the running kernel's, not a file of the tree, in node_exporter
as here; netlink mode is compared on the host in test_node_compare.py. Not from the tree, and compared
only by name, type, HELP and labels: the clock (node_time_seconds), adjtimex (node_timex_*), uname.

Bad trees: an empty or missing tree gives success 0 and no samples for every collector that reads it;
garbage or truncated files give success 0 (or, for attributes that are free text, the text), no crash.
"""
import os
import shutil
import subprocess

import pytest

from helpers import free_port, parse_exposition
from test_node_compare import (COLLECTORS, UPSTREAM_DEFAULTS, Server, get, lite_binary, node_exporter_and_lite,
                               scrape_both, strip_runtime)

TREE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node", "tree")
ALL = [f"--collector.{c}" for c in COLLECTORS]
NOT_FROM_TREE = {"node_time_seconds", "node_scrape_collector_duration_seconds"}
NOT_FROM_TREE_PREFIX = ("node_timex_",)


def tree_flags(root):
    return [f"--path.procfs={root}/proc", f"--path.sysfs={root}/sys", f"--path.rootfs={root}/root",
            f"--path.udev.data={root}/udev", f"--collector.textfile.directory={root}/textfile"]


# node_exporter 1.5's flags for our collectors, in sets that together use every one of them.
FLAG_SETS = {
    "defaults": [],
    "optional-families": ["--collector.cpu.info", "--collector.cpu.info.flags-include=^(sse.*|fake_flag)$",
                          "--collector.cpu.info.bugs-include=.", "--collector.stat.softirq",
                          "--collector.netdev.address-info"],
    "cpu-info-alone": ["--collector.cpu.info", "--no-collector.cpu.guest"],
    "filters": ["--collector.netdev.enable-detailed-metrics", "--collector.vmstat.fields=^nr_.*",
                "--collector.netstat.fields=.*", "--collector.diskstats.device-exclude=",
                "--collector.diskstats.device-include=^(sda|dm-0)$", "--collector.netdev.device-include=^eth",
                "--collector.filesystem.fs-types-exclude=^proc$", "--collector.arp.device-include=eth0",
                "--collector.netclass.ignored-devices=^fake", "--collector.netclass.ignore-invalid-speed",
                "--collector.filesystem.mount-timeout=2s"],
    "excludes": ["--collector.diskstats.device-exclude=^(sd|dm-).*", "--collector.netdev.device-exclude=^fake",
                 "--collector.filesystem.mount-points-exclude=^/data$", "--collector.arp.device-exclude=eth0"],
    "deprecated-spellings": ["--collector.diskstats.ignored-devices=^nvme.*",
                             "--collector.filesystem.ignored-mount-points=^/srv/.*",
                             "--collector.filesystem.ignored-fs-types=^ext4$"],
}


def scrape_tree(flags, root=TREE):
    common = [*UPSTREAM_DEFAULTS[:2], *tree_flags(root), "--no-collector.netdev.netlink", *flags]
    if "--collector.filesystem.mount-points-exclude=^/data$" in flags or \
            "--collector.filesystem.ignored-mount-points=^/srv/.*" in flags:
        common.remove(UPSTREAM_DEFAULTS[0])
    if "--collector.netdev.device-exclude=^fake" in flags:
        common.remove("--collector.netdev.device-exclude=")
    with node_exporter_and_lite(["--collector.disable-defaults", *ALL, *common], common) as (ne, lite):
        ne_text, lite_text = scrape_both(ne, lite)
    return strip_runtime(parse_exposition(ne_text)), strip_runtime(parse_exposition(lite_text))


@pytest.mark.parametrize("name", sorted(FLAG_SETS))
def test_tree_samples_equal_node_exporter(name):
    flags = FLAG_SETS[name]
    theirs, ours = scrape_tree(flags)
    problems = []
    for fam in sorted(set(theirs) | set(ours)):
        if fam in ("node_exporter_build_info", "node_build_info"):
            continue
        t, o = theirs.get(fam), ours.get(fam)
        if t is None or o is None:
            problems.append(f"{fam}: only {'node_exporter' if t else 'ours'} serves it")
            continue
        if (t["type"], t["help"]) != (o["type"], o["help"]):
            problems.append(f"{fam}: type/HELP {o['type']} {o['help']!r}, node_exporter {t['type']} {t['help']!r}")
        if set(t["samples"]) != set(o["samples"]):
            problems.append(f"{fam}: label sets differ: only ours {[dict(k) for k in set(o['samples']) - set(t['samples'])][:3]}"
                            f", only node_exporter's {[dict(k) for k in set(t['samples']) - set(o['samples'])][:3]}")
            continue
        if fam in NOT_FROM_TREE or fam.startswith(NOT_FROM_TREE_PREFIX):
            continue
        for k, v in o["samples"].items():
            if v != t["samples"][k]:  # floats compared as floats: "1e+06" and "1000000" are equal
                problems.append(f"{fam}{dict(k)}: {v!r}, node_exporter {t['samples'][k]!r}")
    ok = {dict(k)["collector"]: v for k, v in ours["node_scrape_collector_success"]["samples"].items()}
    assert ok == {c: 1.0 for c in COLLECTORS}, ok
    assert not problems, "\n".join(problems[:40])
    if name == "optional-families":
        for fam in ("node_cpu_info", "node_cpu_flag_info", "node_cpu_bug_info", "node_softirqs_total",
                    "node_network_address_info"):
            assert ours[fam]["samples"], fam
        assert len(ours["node_cpu_flag_info"]["samples"]) == 3  # sse, sse2, fake_flag (not ssse3)
    if name == "defaults":
        # CPU 2 is missing from the tree's stat: node_exporter (procfs) and we serve it as zeros.
        assert ours["node_cpu_seconds_total"]["samples"][frozenset({("cpu", "2"), ("mode", "user")})] == 0


# One sample per collector that reads the tree: its value in the tree, which the host does not have.
SENTINELS = {
    "cpu": ("node_cpu_seconds_total", {"cpu": "0", "mode": "user"}, 6000.0),
    "stat": ("node_boot_time_seconds", {}, 1234567890.0),
    "loadavg": ("node_load1", {}, 7.77),
    "vmstat": ("node_vmstat_pgfault", {}, 66666666.0),
    "meminfo": ("node_memory_MemTotal_bytes", {}, 32768000.0 * 1024),
    "diskstats": ("node_disk_reads_completed_total", {"device": "sda"}, 11111.0),
    "filesystem": ("node_filesystem_readonly", {"device": "/dev/nvme0n1", "fstype": "xfs", "mountpoint": "/data"}, 1.0),
    "netdev": ("node_network_receive_bytes_total", {"device": "eth0"}, 123456789012.0),
    "netstat": ("node_netstat_Tcp_ActiveOpens", {}, 7777.0),
    "sockstat": ("node_sockstat_sockets_used", {}, 4242.0),
    "pressure": ("node_pressure_cpu_waiting_seconds_total", {}, 123.456789),
    "filefd": ("node_filefd_allocated", {}, 12345.0),
    "entropy": ("node_entropy_available_bits", {}, 3333.0),
    "arp": ("node_arp_entries", {"device": "fake-br0"}, 1.0),
    "conntrack": ("node_nf_conntrack_entries", {}, 321.0),
    "netclass": ("node_network_mtu_bytes", {"device": "eth0"}, 9000.0),
    "schedstat": ("node_schedstat_timeslices_total", {"cpu": "1"}, 525252.0),
    "softnet": ("node_softnet_processed_total", {"cpu": "1"}, 0xfffff),
    "os": ("node_os_version", {"id": "fakelinux", "id_like": "debian other", "name": "Fake Linux"}, 7.2),
    "textfile": ("tree_textfile_value", {"from": "tree"}, 42.0),
    "udp_queues": ("node_udp_queues", {"ip": "v4", "queue": "rx"}, 0x300),
    "time": ("node_time_clocksource_current_info", {"clocksource": "fake_tsc", "device": "0"}, 1.0),
    "thermal_zone": ("node_thermal_zone_temp", {"zone": "0", "type": "x86_pkg_temp"}, 47.123),
}
NOT_TREE_COLLECTORS = {"uname": "uname(2)", "timex": "adjtimex(2)"}


def lite_scrape(flags):
    port = free_port()
    s = Server([lite_binary(), f"--web.listen-address=127.0.0.1:{port}", *flags], port)
    try:
        return get(s.url), get(s.url)
    finally:
        s.stop()


def sample(fams, fam, labels):
    return fams.get(fam, {}).get("samples", {}).get(frozenset(labels.items()))


def test_tree_differs_from_host():
    """Every collector that reads the tree has a sentinel value there that this host's files do not have."""
    assert set(SENTINELS) | set(NOT_TREE_COLLECTORS) == set(COLLECTORS)
    flags = [*UPSTREAM_DEFAULTS[:2], "--no-collector.netdev.netlink"]
    tree = parse_exposition(lite_scrape([*flags, *tree_flags(TREE)])[0])
    host = parse_exposition(lite_scrape([*flags, "--collector.textfile.directory="])[0])
    for c, (fam, labels, value) in SENTINELS.items():
        assert sample(tree, fam, labels) == pytest.approx(value, rel=1e-12), (c, fam)
        assert sample(host, fam, labels) != pytest.approx(value, rel=1e-12), (c, fam, "the host has the tree's value")


def test_empty_and_missing_tree_give_no_data(tmp_path):
    """Every collector that reads a path reports success 0 and no samples; node_exporter agrees but for
    sockstat (it reports success 1 without its files) and netdev in netlink mode (not a path, in both)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    for root in (empty, tmp_path / "missing"):
        paths = [f"--path.procfs={root}", f"--path.sysfs={root}", f"--path.rootfs={root}",
                 f"--path.udev.data={root}", f"--collector.textfile.directory={root}"]
        for netdev in ("--no-collector.netdev.netlink", "--collector.netdev.netlink"):
            ours = parse_exposition(lite_scrape([*paths, netdev, "--collector.cpu.info",
                                                 "--collector.stat.softirq"])[1])
            ok = {dict(k)["collector"]: v for k, v in ours["node_scrape_collector_success"]["samples"].items()}
            # time serves the clock and its zone (no clocksource without sysfs), uname and timex make system
            # calls, textfile reports a missing directory by node_textfile_scrape_error; thermal_zone finds no
            # zone, which is no error (a VM has none), in node_exporter 1.5 too.
            not_paths = {"time", "uname", "timex", "textfile", "thermal_zone"} | ({"netdev"} if netdev == "--collector.netdev.netlink" else set())
            assert {c for c, v in ok.items() if v == 1.0} == not_paths, (root, netdev, ok)
            # An empty directory holds no textfile (no error); a missing one is an error, as in node_exporter.
            assert list(ours["node_textfile_scrape_error"]["samples"].values()) == [float(root != empty)]
            allowed = ("node_time_seconds", "node_time_zone_offset_seconds", "node_uname_info", "node_timex_",
                       "node_scrape_", "node_build_info", "node_textfile_scrape_error", "process_", "node_http_") + \
                (("node_network_",) if netdev == "--collector.netdev.netlink" else ())
            served = {f for f, v in ours.items() if v["samples"] and not f.startswith(allowed)}
            assert not served, f"host data under an empty tree: {sorted(served)}"


def bad_tree(tmp_path, how):
    root = tmp_path / how
    shutil.copytree(TREE, root, symlinks=True)
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if os.path.islink(p):
                continue
            data = open(p, "rb").read()
            with open(p, "wb") as f:
                f.write(b"garbage \x01\xff x\n1 2\n" if how == "garbage" else data[: len(data) // 2])
    return root


def test_garbage_tree_fails_collectors_without_crash(tmp_path):
    root = bad_tree(tmp_path, "garbage")
    flags = [*tree_flags(root), "--no-collector.netdev.netlink", "--collector.cpu.info", "--collector.stat.softirq"]
    first, second = lite_scrape(flags)
    ours = parse_exposition(second)
    ok = {dict(k)["collector"]: v for k, v in ours["node_scrape_collector_success"]["samples"].items()}
    # netclass attributes and clocksource names are free text: garbage is their value, as in node_exporter;
    # textfile reports the bad file by node_textfile_scrape_error.
    assert {c for c, v in ok.items() if v == 1.0} == {"time", "uname", "timex", "textfile", "netclass"}, ok
    assert list(ours["node_textfile_scrape_error"]["samples"].values()) == [1.0]


def test_truncated_tree_no_crash(tmp_path):
    """Every file cut in half: answers keep coming, and collectors whose format is broken report 0."""
    root = bad_tree(tmp_path, "truncated")
    flags = [*tree_flags(root), "--no-collector.netdev.netlink", "--collector.cpu.info", "--collector.stat.softirq"]
    first, second = lite_scrape(flags)
    ours = parse_exposition(second)
    ok = {dict(k)["collector"]: v for k, v in ours["node_scrape_collector_success"]["samples"].items()}
    assert set(ok) == set(COLLECTORS)
    # stat lost its procs_*, btime and softirq lines; netdev, diskstats and conntrack their last line mid-way.
    # (A half file can still be valid text: "3333" cut to "33" is a number; those are not asserted.)
    for c in ("stat", "cpu", "netdev", "diskstats", "conntrack"):
        assert ok[c] == 0.0, (c, ok)
