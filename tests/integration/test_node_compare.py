"""node-exporter-lite beside Debian's node_exporter 1.5 on this host: every family we serve must have
node_exporter's name, type, HELP and label sets, and values within a tolerance that fits the metric.

Both run with the same 23 collectors (node_exporter: --collector.disable-defaults plus those) and
node_exporter's upstream defaults (Debian's build changes three of them, so they are passed).
Both are scraped at the same moment (two threads), twice, to check counters are close and monotonic.
Also: `promtool check metrics` on our output, and bad flags exit 2 with one line.
"""
import concurrent.futures
import contextlib
import glob
import math
import os
import re
import shutil
import subprocess
import time
import urllib.request

import pytest

from helpers import free_port, parse_exposition, stop_process

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTORS = ["cpu", "meminfo", "loadavg", "stat", "vmstat", "diskstats", "filesystem", "netdev", "uname", "os",
              "time", "pressure", "filefd", "sockstat", "netstat", "entropy",
              "arp", "conntrack", "netclass", "schedstat", "softnet", "textfile", "timex",
              "udp_queues", "thermal_zone"]
# node_exporter 1.5's upstream defaults; Debian's package patches these three.
UPSTREAM_DEFAULTS = [
    "--collector.filesystem.mount-points-exclude="
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)",
    "--collector.netdev.device-exclude=",
    "--collector.textfile.directory=",
]
# Collectors that report no data (success 0 in both exporters) on a kernel without their file.
NO_DATA_WITHOUT = {"schedstat": "/proc/schedstat", "conntrack": "/proc/sys/net/netfilter/nf_conntrack_count"}

# Families node_exporter serves (with these collectors) that we intentionally don't, and why.
NOT_SERVED = {
    "node_exporter_build_info": "ours is node_build_info{version,revision} (the shared library's, per exporter)",
}
# Families we serve that node_exporter does not.
OURS_ONLY = {"node_build_info": "see node_exporter_build_info above"}

MiB = 1 << 20
# (pattern, kind, absolute tolerance, relative tolerance); first match wins.
# kind: "const" equal; "counter" close and monotonic across our two scrapes; "gauge" close; "skip" no value check.
TOLERANCES = [
    (r"node_scrape_collector_duration_seconds", "skip", 0, 0),  # ours is just faster
    (r"node_scrape_collector_success|node_boot_time_seconds|node_os_.*|node_uname_info|node_disk_info"
     r"|node_disk_filesystem_info|node_disk_device_mapper_info|node_filesystem_(size_bytes|files|readonly|"
     r"device_error)|node_filefd_maximum|node_entropy_pool_size_bits|node_time_clocksource_.*"
     r"|node_time_zone_offset_seconds|node_netstat_Ip_Forwarding"
     r"|node_memory_(MemTotal|SwapTotal|Hugepagesize|HugePages_Total|VmallocTotal)(_bytes)?", "const", 0, 0),
    (r"node_network_(up|info|mtu_bytes|speed_bytes|flags|iface_id|iface_link|iface_link_mode|address_assign_type"
     r"|carrier|device_id|dormant|name_assign_type|net_dev_group|protocol_type|transmit_queue_length)"
     r"|node_nf_conntrack_entries_limit|node_timex_(status|sync_status|loop_time_constant|tick_seconds|pps_.*"
     r"|tai_offset_seconds)|node_textfile_.*|tf_.*", "const", 0, 0),
    (r"node_network_carrier_(up_|down_)?changes_total", "counter", 2, 0),
    (r"node_network_address_info|node_cpu_(info|flag_info|bug_info)", "const", 0, 0),
    (r"node_softirqs_total", "counter", 1e6, 0.05),
    (r"node_timex_.*", "gauge", 1.0, 0.01),  # offset, frequency and error estimates move slowly
    (r"node_arp_entries", "gauge", 5, 0),
    (r"node_nf_conntrack_entries", "gauge", 1000, 0.5),
    (r"node_nf_conntrack_stat_.*", "gauge", 1e6, 0.05),  # gauges in node_exporter, though they only grow
    (r"node_softnet_.*", "counter", 1e6, 0.05),
    (r"node_schedstat_.*", "counter", 2.0, 0.01),
    (r"node_time_seconds", "gauge", 5, 0),
    (r"node_load(1|5|15)", "gauge", 2.0, 0.5),
    (r"node_procs_(running|blocked)|node_disk_io_now", "gauge", 50, 0),
    (r"node_sockstat_.*|node_netstat_Tcp_CurrEstab", "gauge", 500, 0.5),  # other engineers' Kafka labs churn
    (r"node_udp_queues", "gauge", 4 * MiB, 0.5),  # bytes waiting in UDP sockets come and go
    (r"node_filefd_allocated", "gauge", 5000, 0.5),
    (r"node_entropy_available_bits", "gauge", 256, 0),
    (r"node_memory_.*", "gauge", 512 * MiB, 0.1),  # parallel builds move memory fast
    (r"node_filesystem_(free|avail)_bytes", "gauge", 2048 * MiB, 0),
    (r"node_filesystem_files_free", "gauge", 200000, 0),
    (r"node_cpu_.*|node_pressure_.*", "counter", 2.0, 0.01),  # seconds; scraped within ms of each other
    (r"node_network_.*_bytes_total|node_netstat_.*Octets|node_disk_.*bytes_total", "counter", 200 * MiB, 0.05),
    (r"node_vmstat_nr_.*", "gauge", 64 * MiB / 4096, 0.2),  # pages in use: gauges
    (r"node_vmstat_.*|node_disk_.*|node_network_.*|node_netstat_.*", "counter", 1e6, 0.05),
    (r"node_(context_switches|intr|forks)_total", "counter", 1e6, 0.05),
]


def tolerance(family):
    for pat, kind, abs_tol, rel_tol in TOLERANCES:
        if re.fullmatch(pat, family):
            return kind, abs_tol, rel_tol
    raise AssertionError(f"no tolerance rule for {family}: add one to TOLERANCES")


def test_parser_reads_escapes():
    fams = parse_exposition('# HELP a_b Help with \\\\ and \\n.\n# TYPE a_b gauge\n'
                            'a_b{x="q\\"uo\\\\te\\nnl",y=""} +Inf\na_b{x="2"} 3e3\n')
    assert fams["a_b"]["help"] == "Help with \\ and \n."
    assert fams["a_b"]["samples"][frozenset({("x", 'q"uo\\te\nnl'), ("y", "")})] == math.inf
    assert fams["a_b"]["samples"][frozenset({("x", "2")})] == 3000
    with pytest.raises(AssertionError):
        parse_exposition('a{x="1"} 1\na{x="1"} 2\n')


# ---- processes ----------------------------------------------------------------------------------------------

def lite_binary():
    env = os.environ.get("NODE_EXPORTER_LITE")
    if env:
        return env
    cands = [os.path.join(REPO, "build", "exporters", "node-exporter-lite", "node-exporter-lite")]
    cands += sorted(glob.glob(os.path.join(REPO, "build*", "exporters", "node-exporter-lite", "node-exporter-lite")),
                    key=os.path.getmtime, reverse=True)
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    pytest.skip("node-exporter-lite is not built (cmake --build build)")


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


class Server:
    """A process serving /metrics on 127.0.0.1:port; stopped (by its pid) by the fixture that made it."""

    def __init__(self, argv, port):
        self.port = port
        self.url = f"http://127.0.0.1:{port}/metrics"
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 15
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"{argv[0]} exited {self.proc.returncode}: {self.proc.stderr.read()}")
            try:
                get(self.url, timeout=2)
                return
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise AssertionError(f"{argv[0]} did not serve {self.url}")
                time.sleep(0.05)

    def stop(self):
        stop_process(self.proc)
        self.proc.stderr.close()


@contextlib.contextmanager
def node_exporter_and_lite(ne_flags, lite_flags):
    """Debian's node_exporter and node-exporter-lite on free ports, stopped on exit."""
    ne_bin = shutil.which("prometheus-node-exporter")
    if not ne_bin:
        pytest.skip("Debian's prometheus-node-exporter is not installed")
    p1, p2 = free_port(), free_port()
    ne = Server([ne_bin, f"--web.listen-address=127.0.0.1:{p1}", *ne_flags], p1)
    try:
        lite = Server([lite_binary(), f"--web.listen-address=127.0.0.1:{p2}", *lite_flags], p2)
    except BaseException:
        ne.stop()
        raise
    try:
        yield ne, lite
    finally:
        lite.stop()
        ne.stop()


@pytest.fixture(scope="module")
def servers():
    with node_exporter_and_lite(["--collector.disable-defaults", *[f"--collector.{c}" for c in COLLECTORS],
                                 *UPSTREAM_DEFAULTS], []) as pair:
        yield pair


def scrape_both(ne, lite):
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        a, b = pool.submit(get, ne.url), pool.submit(get, lite.url)
        return a.result(), b.result()


# ---- the comparison -----------------------------------------------------------------------------------------

def strip_runtime(fams):
    """Without the exporter's own process_* (and Go's) and its HTTP counters: two processes' figures."""
    return {k: v for k, v in fams.items() if not k.startswith(("go_", "process_", "promhttp_", "node_http_"))}


def close(a, b, abs_tol, rel_tol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(abs_tol, rel_tol * max(abs(a), abs(b)))


def test_families_match_node_exporter(servers):
    ne, lite = servers
    # Label sets can change between two scrapes (a socket or mount appears); retry a mismatch once.
    problems = []
    for attempt in range(3):
        ne_text, lite_text = scrape_both(ne, lite)
        theirs, ours = strip_runtime(parse_exposition(ne_text)), strip_runtime(parse_exposition(lite_text))
        time.sleep(0.3)
        ne_text2, lite_text2 = scrape_both(ne, lite)
        theirs2, ours2 = strip_runtime(parse_exposition(ne_text2)), strip_runtime(parse_exposition(lite_text2))
        problems = compare(theirs, ours, theirs2, ours2)
        if not problems:
            break
        time.sleep(0.5)
    assert not problems, "\n".join(problems[:60])


def compare(theirs, ours, theirs2, ours2):
    problems = []
    missing = set(theirs) - set(ours) - set(NOT_SERVED)
    problems += [f"{f}: node_exporter serves it, we do not (and NOT_SERVED does not say why)" for f in sorted(missing)]
    for name in sorted(ours):
        mine = ours[name]
        if name in OURS_ONLY:
            assert name not in theirs
            continue
        if name not in theirs:
            problems.append(f"{name}: served by us, not by node_exporter")
            continue
        ref = theirs[name]
        if mine["type"] != ref["type"]:
            problems.append(f"{name}: type {mine['type']}, node_exporter {ref['type']}")
        if mine["help"] != ref["help"]:
            problems.append(f"{name}: HELP {mine['help']!r}, node_exporter {ref['help']!r}")
        if set(mine["samples"]) != set(ref["samples"]):
            only_ours = [dict(k) for k in set(mine["samples"]) - set(ref["samples"])]
            only_theirs = [dict(k) for k in set(ref["samples"]) - set(mine["samples"])]
            problems.append(f"{name}: label sets differ; only ours {only_ours[:3]}, only theirs {only_theirs[:3]}")
            continue
        kind, abs_tol, rel_tol = tolerance(name)
        for key, v in mine["samples"].items():
            r = ref["samples"][key]
            if kind == "skip":
                continue
            if kind == "const" and v != r:
                problems.append(f"{name}{dict(key)}: {v} != node_exporter's {r} (a constant)")
            elif kind in ("gauge", "counter") and not close(v, r, abs_tol, rel_tol):
                problems.append(f"{name}{dict(key)}: {v} vs node_exporter's {r} (tolerance {abs_tol}, {rel_tol})")
            if kind == "counter":
                v2 = ours2.get(name, {}).get("samples", {}).get(key)
                if v2 is None or v2 < v:
                    problems.append(f"{name}{dict(key)}: counter went from {v} to {v2} between our scrapes")
    return problems


def test_every_collector_succeeds(servers):
    """Every collector succeeds, but those node_exporter also reports "no data" for on this kernel."""
    ne, lite = servers
    ne_text, lite_text = scrape_both(ne, lite)
    ok = {dict(k)["collector"]: v for k, v in
          parse_exposition(lite_text)["node_scrape_collector_success"]["samples"].items()}
    theirs = {dict(k)["collector"]: v for k, v in
              parse_exposition(ne_text)["node_scrape_collector_success"]["samples"].items()}
    want = {c: 0.0 if c in NO_DATA_WITHOUT and not os.path.exists(NO_DATA_WITHOUT[c]) else 1.0 for c in COLLECTORS}
    assert ok == want
    assert theirs == want


def test_promtool_check_metrics(servers, tmp_path):
    """No parse error; every lint finding is one node_exporter's own output has (its names are camelCase)."""
    promtool = shutil.which("promtool")
    if not promtool:
        pytest.skip("promtool is not installed")
    ne, lite = servers
    ne_text, lite_text = scrape_both(ne, lite)

    def lint(text):
        r = subprocess.run([promtool, "check", "metrics"], input=text, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        assert r.returncode in (0, 3), f"promtool failed ({r.returncode}): {r.stdout}"
        return set(line for line in r.stdout.splitlines() if line.strip())

    ours, theirs = lint(lite_text), lint(ne_text)
    assert ours <= theirs, f"lint findings node_exporter does not have: {sorted(ours - theirs)}"


def make_cpu_sysfs(root):
    """A bare-metal-like sysfs: 2 packages x 2 cores x 2 threads with throttle counters, CPUs 1-2 isolated."""
    cpu_dir = root / "devices" / "system" / "cpu"
    for cpu in range(8):
        package, core = cpu // 4, (cpu // 2) % 2
        d = cpu_dir / f"cpu{cpu}"
        (d / "topology").mkdir(parents=True)
        (d / "topology" / "physical_package_id").write_text(f"{package}\n")
        (d / "topology" / "core_id").write_text(f"{core}\n")
        (d / "thermal_throttle").mkdir()
        (d / "thermal_throttle" / "core_throttle_count").write_text(f"{100 * package + 10 * core + cpu % 2}\n")
        (d / "thermal_throttle" / "package_throttle_count").write_text(f"{1000 + package}\n")
    (cpu_dir / "cpufreq").mkdir()
    (cpu_dir / "isolated").write_text("1-2\n")


def test_cpu_throttles_and_isolated_match(tmp_path):
    """The sysfs half of the cpu collector, on a fake bare-metal sysfs (this VM has no thermal_throttle)."""
    make_cpu_sysfs(tmp_path)
    ours = compare_one_collector(tmp_path, "cpu", f"--path.sysfs={tmp_path}")
    core = {tuple(sorted(dict(k).items())): v for k, v in ours["node_cpu_core_throttles_total"]["samples"].items()}
    assert core[(("core", "1"), ("package", "1"))] == 110
    assert len(core) == 4 and len(ours["node_cpu_package_throttles_total"]["samples"]) == 2
    assert {dict(k)["cpu"] for k in ours["node_cpu_isolated"]["samples"]} == {"1", "2"}


def compare_one_collector(tmp_path, collector, *flags):
    """Both exporters with only `collector` on and the same extra flags (a fake tree, a field pattern)."""
    with node_exporter_and_lite(["--collector.disable-defaults", f"--collector.{collector}", *flags],
                                [*flags, *[f"--no-collector.{c}" for c in COLLECTORS if c != collector]]) as (ne, lite):
        ne_text, lite_text = scrape_both(ne, lite)
        ne_text2, lite_text2 = scrape_both(ne, lite)
    ours = strip_runtime(parse_exposition(lite_text))
    problems = compare(strip_runtime(parse_exposition(ne_text)), ours, strip_runtime(parse_exposition(ne_text2)),
                       strip_runtime(parse_exposition(lite_text2)))
    assert not problems, "\n".join(problems)
    return ours


def test_disk_udev_properties_match(tmp_path):
    """Hosts with udev get node_disk_info labels, filesystem, device-mapper and ATA families (this VM has no
    /run/udev/data): a fake udev database for the disks this host has."""
    disks = []
    with open("/proc/diskstats") as f:
        for line in f:
            major, minor, name = line.split()[:3]
            if not re.search(r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$", name):
                disks.append((major, minor, name))
    if not disks:
        pytest.skip("no disks in /proc/diskstats")
    for i, (major, minor, name) in enumerate(disks):
        props = [f"ID_PATH=pci-0000:00:0{i}.0", f"ID_WWN=0x5000c500a{i}", f"ID_MODEL=Disk_\"{name}\"",
                 f"ID_SERIAL_SHORT=SN{i}", "ID_REVISION=1.0", "ID_FS_TYPE=ext4", "ID_FS_USAGE=filesystem",
                 f"ID_FS_UUID=uuid-{i}", "ID_FS_VERSION=1.0", "ID_ATA=1", "ID_ATA_WRITE_CACHE=1",
                 f"ID_ATA_WRITE_CACHE_ENABLED={i % 2}", "ID_ATA_ROTATION_RATE_RPM=7200", "NOVALUE"]
        if i == 0:
            props += ["DM_NAME=vg-lv", "DM_UUID=LVM-x", "DM_VG_NAME=vg", "DM_LV_NAME=lv", "DM_LV_LAYER="]
        (tmp_path / f"b{major}:{minor}").write_text("S:disk/by-id/x\nW:1\n" + "".join(f"E:{p}\n" for p in props))
    ours = compare_one_collector(tmp_path, "diskstats", f"--path.udev.data={tmp_path}")
    for fam in ("node_disk_filesystem_info", "node_disk_device_mapper_info", "node_disk_ata_write_cache",
                "node_disk_ata_write_cache_enabled", "node_disk_ata_rotation_rate_rpm"):
        assert ours.get(fam, {}).get("samples"), f"{fam} missing"


def test_vmstat_fields_flag_matches(tmp_path):
    """A non-default --collector.vmstat.fields reads /proc/vmstat directly; same families as node_exporter."""
    ours = compare_one_collector(tmp_path, "vmstat", "--collector.vmstat.fields=^(pg|pswp|nr_free_pages).*")
    assert "node_vmstat_nr_free_pages" in ours and "node_vmstat_pgfault" in ours and len(ours) > 10


def test_netdev_netlink_detailed_and_address_info_match(tmp_path):
    """netdev over rtnetlink (the default in both) with node_exporter's raw counter names and the addresses."""
    ours = compare_one_collector(tmp_path, "netdev", "--collector.netdev.device-exclude=",
                                 "--collector.netdev.enable-detailed-metrics", "--collector.netdev.address-info")
    assert "node_network_receive_missed_errors_total" in ours and ours["node_network_address_info"]["samples"]


@pytest.mark.parametrize("flags", [["--collector.netclass.netlink"],
                                   ["--collector.netclass.netlink", "--collector.netclass_rtnl.with-stats",
                                    "--collector.netclass.ignored-devices=^ifb1$"]])
def test_netclass_netlink_matches(tmp_path, flags):
    """netclass from rtnetlink and ethtool netlink instead of sysfs (node_exporter's netclass_rtnl)."""
    ours = compare_one_collector(tmp_path, "netclass", *flags)
    assert ours["node_network_info"]["samples"] and ours["node_network_flags"]["samples"]
    if "--collector.netclass_rtnl.with-stats" in flags:
        assert ours["node_network_receive_packets_total"]["type"] == "gauge"  # gauges, as node_exporter has them


def test_netdev_netlink_legacy_names_match(tmp_path):
    ours = compare_one_collector(tmp_path, "netdev", "--collector.netdev.device-exclude=^lo$")
    assert "node_network_receive_nohandler_total" in ours  # netlink only: /proc/net/dev has no such column


def test_cpu_info_and_softirqs_match(tmp_path):
    ours = compare_one_collector(tmp_path, "cpu", "--collector.cpu.info.flags-include=^(sse|avx).*",
                                 "--collector.cpu.info.bugs-include=.")
    assert ours["node_cpu_info"]["samples"] and ours["node_cpu_flag_info"]["samples"]
    ours = compare_one_collector(tmp_path, "stat", "--collector.stat.softirq")
    assert len(ours["node_softirqs_total"]["samples"]) == 10


# ---- the collectors node_exporter 1.5 enables by default beyond the first 16 ----------------------------------

# (file name, text): each accepted or rejected by node_exporter's parser; {m} becomes a name unique to the file,
# so node_textfile_mtime_seconds (served for parsed files only) shows which files both exporters accepted.
TEXTFILE_CASES = [
    ("ok_plain", "{m} 1\n"),
    ("ok_typed", "# HELP {m} Some help with \\\\ and \\n.\n# TYPE {m} counter\n{m}{a=\"x\"} 5\n"),
    ("ok_padding", "{m}{a=\"1\"} 1\n{m}{b=\"2\"} 2\n{m} 3\n"),
    ("ok_spread", "{m}{a=\"1\"} 1\n{m}_other 2\n{m}{a=\"2\"} 3\n"),
    ("ok_blanks", "  {m}  { a = \"1\" , }  2.5e3\n\n#\n# random comment\n   "),
    ("ok_special", "{m}{a=\"p\"} +Inf\n{m}{a=\"n\"} -inf\n{m}{a=\"q\"} .5\n"),
    ("ok_escapes", "{m}{a=\"q\\\"uo\\\\te\\nnl\",b=\"\u00e9t\u00e9\"} 1\n"),
    ("ok_type_backslash", "# TYPE {m} gau\\ge\n{m} 1\n"),
    ("ok_histogram", "# TYPE {m} histogram\n{m}_bucket{le=\"0.5\",x=\"a\"} 1\n{m}_bucket{x=\"b\",le=\"1\"} 7\n"
                     "{m}_bucket{x=\"a\",le=\"1\"} 3\n{m}_bucket{x=\"a\",le=\"1\"} 4\n{m}_count{x=\"a\"} 6\n"
                     "{m}_sum{x=\"a\"} 2.5\n{m}_count{x=\"b\"} 7\n"),
    ("ok_duplicate", "{m}{a=\"1\"} 1\n{m}{a=\"1\"} 2\n"),
    ("ok_summary", "# TYPE {m} summary\n{m}{quantile=\"0.99\",x=\"a\"} 3\n{m}{x=\"a\",quantile=\"0.5\"} 1.5\n"
                   "{m}_sum{x=\"a\"} 10\n{m}_count{x=\"a\"} 4\n{m}_sum{x=\"b\",y=\"c\"} 1\n{m}_count{x=\"b\",y=\"c\"} 1\n"),
    ("bad_no_newline", "{m} 1"),
    ("bad_trailing_blank", "{m} 1 \n"),
    ("bad_timestamp", "{m} 1 1234\n"),
    ("bad_value", "{m} 1_000\n"),
    ("bad_hex", "{m} 0x10\n"),
    ("bad_nan_sign", "{m} +NaN\n"),
    ("bad_range", "{m} 1e400\n"),
    ("bad_cr", "{m} 1\r\n"),
    ("bad_label", "{m}{a=1} 1\n"),
    ("bad_dup_label", "{m}{a=\"1\",a=\"2\"} 1\n"),
    ("bad_escape", "{m}{a=\"\\t\"} 1\n"),
    ("bad_type_after", "{m} 1\n# TYPE {m} gauge\n"),
    ("bad_second_help", "# HELP {m} a\n# HELP {m} b\n{m} 1\n"),
    ("bad_type", "# TYPE {m} gauges\n{m} 1\n"),
    ("bad_name", "# HELP {m}-x help\n"),
    ("bad_le", "# TYPE {m} histogram\n{m}_bucket{le=\"x\"} 1\n"),
    ("bad_quantile", "# TYPE {m} summary\n{m}{quantile=\"x\"} 1\n"),
]


def write_textfiles(d):
    d.mkdir(exist_ok=True)
    for i, (name, text) in enumerate(TEXTFILE_CASES):
        m = f"tf_{name}"
        (d / f"{i:02d}_{name}.prom").write_text(text.replace("{m}", m))
    # One family in two files without HELP: one merged family, HELP naming both files.
    (d / "90_shared_a.prom").write_text('tf_shared{f="a"} 1\n')
    (d / "91_shared_b.prom").write_text('tf_shared{f="b"} 2\n')
    # Another HELP than an earlier file's: that family is dropped, the rest of the file kept.
    (d / "92_clash.prom").write_text('# HELP tf_shared other\ntf_shared{f="c"} 3\ntf_clash_rest 4\n')
    (d / "93_not_prom.txt").write_text("tf_ignored 1\n")


def test_textfile_matches(tmp_path):
    """The textfile collector on files node_exporter's own parser accepts and rejects (mtime shows which)."""
    d = tmp_path / "textfile"
    write_textfiles(d)
    ours = compare_one_collector(tmp_path, "textfile", f"--collector.textfile.directory={d}")
    accepted = {os.path.basename(dict(k)["file"]) for k in ours["node_textfile_mtime_seconds"]["samples"]}
    assert {n for n in accepted if "_ok_" in n} == {f"{i:02d}_{n}.prom" for i, (n, _) in enumerate(TEXTFILE_CASES)
                                                    if n.startswith("ok_")}
    assert not {n for n in accepted if "_bad_" in n}
    assert list(ours["node_textfile_scrape_error"]["samples"].values()) == [1.0]
    assert len(ours["tf_shared"]["samples"]) == 2 and "tf_clash_rest" in ours
    assert ours["tf_ok_histogram"]["type"] == "histogram"
    assert ours["tf_ok_summary"]["type"] == "summary" and len(ours["tf_ok_summary"]["samples"]) == 6


def test_textfile_missing_directory(tmp_path):
    ours = compare_one_collector(tmp_path, "textfile", f"--collector.textfile.directory={tmp_path}/nonexistent")
    assert list(ours["node_textfile_scrape_error"]["samples"].values()) == [1.0]


def test_netclass_flags_match(tmp_path):
    ours = compare_one_collector(tmp_path, "netclass", "--collector.netclass.ignored-devices=^(lo|ifb.*)$",
                                 "--collector.netclass.ignore-invalid-speed")
    assert all(dict(k)["device"] not in ("lo", "ifb0") for k in ours["node_network_up"]["samples"])


def test_arp_device_exclude_matches(tmp_path):
    compare_one_collector(tmp_path, "arp", "--collector.arp.device-exclude=^eth0$")


def make_procfs(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_schedstat_matches_on_a_fake_procfs(tmp_path):
    """This kernel may lack /proc/schedstat (CONFIG_SCHEDSTATS): a procfs tree with one."""
    fixtures = os.path.join(REPO, "tests", "unit", "node", "fixtures")
    with open(os.path.join(fixtures, "schedstat")) as f:
        make_procfs(tmp_path, {"schedstat": f.read()})
    ours = compare_one_collector(tmp_path, "schedstat", f"--path.procfs={tmp_path}")
    assert len(ours["node_schedstat_running_seconds_total"]["samples"]) == 2


def test_conntrack_without_stat_file_matches(tmp_path):
    """nf_conntrack_count and _max but no /proc/net/stat/nf_conntrack: both serve the two, success 0."""
    make_procfs(tmp_path, {"sys/net/netfilter/nf_conntrack_count": "12\n",
                           "sys/net/netfilter/nf_conntrack_max": "65536\n"})
    ours = compare_one_collector(tmp_path, "conntrack", f"--path.procfs={tmp_path}")
    assert list(ours["node_nf_conntrack_entries"]["samples"].values()) == [12.0]
    assert list(ours["node_scrape_collector_success"]["samples"].values()) == [0.0]


def test_conntrack_softnet_arp_on_a_fake_procfs(tmp_path):
    fixtures = os.path.join(REPO, "tests", "unit", "node", "fixtures")
    files = {"sys/net/netfilter/nf_conntrack_count": "12\n", "sys/net/netfilter/nf_conntrack_max": "65536\n"}
    for rel, fx in (("net/stat/nf_conntrack", "nf_conntrack_busy"), ("net/softnet_stat", "softnet_stat"),
                    ("net/arp", "arp")):
        with open(os.path.join(fixtures, fx)) as f:
            files[rel] = f.read()
    make_procfs(tmp_path, files)
    for c in ("conntrack", "softnet", "arp"):
        ours = compare_one_collector(tmp_path, c, f"--path.procfs={tmp_path}")
        assert list(ours["node_scrape_collector_success"]["samples"].values()) == [1.0]


def test_node_exporter_command_line_carries_over():
    """A node_exporter command line from a user's unit file: --collector.disable-defaults with a chosen few, and
    --no-collector.X for collectors node-exporter-lite does not have. Same flags, same families."""
    flags = ["--collector.disable-defaults", "--collector.cpu", "--collector.meminfo", "--collector.loadavg",
             "--no-collector.hwmon", "--no-collector.systemd", "--no-collector.wifi"]
    with node_exporter_and_lite([*flags, *UPSTREAM_DEFAULTS], flags) as (ne, lite):
        ne_text, lite_text = scrape_both(ne, lite)
        ne_text2, lite_text2 = scrape_both(ne, lite)
    ours = strip_runtime(parse_exposition(lite_text))
    assert {dict(k)["collector"] for k in ours["node_scrape_collector_success"]["samples"]} == {
        "cpu", "meminfo", "loadavg"}
    problems = compare(strip_runtime(parse_exposition(ne_text)), ours, strip_runtime(parse_exposition(ne_text2)),
                       strip_runtime(parse_exposition(lite_text2)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("args,needle", [
    (["--no-such-flag"], "no-such-flag"),
    (["--collector.filesystem.mount-points-exclude=(unclosed"], "mount-points-exclude"),
    (["--collector.diskstats.device-exclude=[a-"], "device-exclude"),
    (["--collector.netstat.fields=\\p{Lu}cp"], "netstat.fields"),  # Go accepts it; POSIX cannot say it
    (["--collector.netdev.device-exclude=lo", "--collector.netdev.device-include=eth"], "mutually exclusive"),
    (["--collector.nosuch"], "nosuch"),
    (["--collector.netclass.ignored-devices=(lo"], "netclass.ignored-devices"),
    (["--collector.arp.device-exclude=lo", "--collector.arp.device-include=eth"], "mutually exclusive"),
    (["--collector.systemd"], "collector \"systemd\" is not implemented here"),
    (["--collector.cpu.info.flags-include=(sse"], "cpu.info.flags-include"),
    (["--collector.netdev.netlink=maybe"], "netdev.netlink"),
])
def test_bad_flags_exit_2_with_one_line(args, needle):
    r = subprocess.run([lite_binary(), "--web.listen-address=127.0.0.1:0", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=10)
    assert r.returncode == 2, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr
