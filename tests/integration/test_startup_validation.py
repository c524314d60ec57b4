"""Every bad start-up value exits 2 with exactly one line on stderr, naming what is wrong (table-driven).

No broker is needed: every case fails before a connection is tried. Runs in a few seconds.
"""
import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("EXP_BUILD_DIR", os.path.join(REPO, "build"))
BIN = {
    "kafka": os.path.join(BUILD, "exporters", "kafka-exporter", "kafka-exporter"),
    "mirror": os.path.join(BUILD, "exporters", "mirror-exporter", "mirror-exporter"),
    "node": os.path.join(BUILD, "exporters", "node-exporter-lite", "node-exporter-lite"),
}
NAME = {"kafka": "kafka-exporter", "mirror": "mirror-exporter", "node": "node-exporter-lite"}
MIRROR = ["--source.kafka.server=127.0.0.1:1", "--target.kafka.server=127.0.0.1:1"]
LONG = "a" * 10000
# Well-formed hashes have $2y$, a cost 04-31 and 53 characters of ./A-Za-z0-9 after it.
GOOD_TAIL = "abcdefghijklmnopqrstuu" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234"

CASES = [
    # (exporter, args, what the line must say)
    ("kafka", ["--kafka.server="], "empty address"),
    ("kafka", ["--kafka.server=:::::"], "--kafka.server"),
    ("kafka", ["--kafka.server=broker1"], "missing port"),
    ("kafka", ["--kafka.server=broker1:99999"], "bad port"),
    ("kafka", ["--kafka.server=broker1:0"], "bad port"),
    ("kafka", ["--kafka.server=broker1:9092,"], "empty address"),
    ("kafka", ["--kafka.server=[::1:9092"], "want [ipv6]:port"),
    ("kafka", ["--kafka.server=b:9092", "--zookeeper.server=zk1"], "--zookeeper.server"),
    ("kafka", ["--version", "--bogus"], "unknown flag --bogus"),
    ("kafka", ["--kafka.server=b:9092", "--topic.filter=(" + LONG], "(10001 bytes)"),
    ("kafka", ["--kafka.server=b:9092", "--tls.enabled", "--tls.ca-file=/nonexistent/ca.pem"],
     "--tls.ca-file /nonexistent/ca.pem: No such file or directory"),
    ("kafka", ["--kafka.server=b:9092", "--tls.enabled", "--tls.ca-file={garbage}"], "ssl.ca.location"),
    ("mirror", [*MIRROR, "--replication.separator="], "--replication.separator may not be empty"),
    ("mirror", [*MIRROR, "--probe.exporter-id="], "--probe.exporter-id may not be empty"),
    ("mirror", ["--source.kafka.server=src", "--target.kafka.server=127.0.0.1:1"], "--source.kafka.server"),
    ("mirror", ["--version", "--bogus"], "unknown flag --bogus"),
    ("node", ["--version", "--bogus"], "unknown flag --bogus"),
    ("node", ["--collector.netdev.device-include=" + LONG], "pattern longer than 4096 bytes"),
    ("node", ["--collector.netdev.device-include=(" + LONG], "(10001 bytes)"),
    ("node", ["--web.max-connections=0"], "--web.max-connections"),
    ("node", ["--web.max-scrape-size=512KiB"], "--web.max-scrape-size: want 1MiB..4GiB"),
    ("kafka", ["--kafka.server=b:9092", "--web.max-scrape-size=32mb"], "want a size like 4096, 512KiB, 32MiB"),
    ("mirror", [*MIRROR, "--web.max-scrape-size=5GiB"], "--web.max-scrape-size: want 1MiB..4GiB"),
    ("node", ["--web.config.file={bcrypt:$2y$35$" + GOOD_TAIL + "}"], "cost is outside 04-31"),
    ("node", ["--web.config.file={bcrypt:$2y$03$" + GOOD_TAIL + "}"], "cost is outside 04-31"),
    ("node", ["--web.config.file={bcrypt:$2y$10$" + "!" * 22 + GOOD_TAIL[22:] + "}"], "alphabet"),
    ("node", ["--web.config.file={bcrypt:$2y$10$" + GOOD_TAIL[:-1] + "}"], "22 + 31 characters"),
    ("node", ["--web.config.file={bcrypt:$2y$10$" + GOOD_TAIL + "x}"], "22 + 31 characters"),
    ("node", ["--web.config.file={bcrypt:$2x$10$" + GOOD_TAIL + "}"], "$2a$, $2b$ or $2y$"),
    ("node", ["--web.config.file={bcrypt:$2y$1x$" + GOOD_TAIL + "}"], "two digits"),
]


def expand(arg, tmp_path):
    if "{garbage}" in arg:
        p = tmp_path / "garbage-ca.pem"
        p.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
        return arg.replace("{garbage}", str(p))
    if "{bcrypt:" in arg:
        h = arg[arg.index("{bcrypt:") + 8:-1]
        p = tmp_path / "web.yml"
        p.write_text(f'basic_auth_users:\n  alice: "{h}"\n')
        return arg[:arg.index("{bcrypt:")] + str(p)
    return arg


@pytest.mark.parametrize("exporter,args,needle", CASES, ids=[f"{e}:{' '.join(a)[:60]}" for e, a, _ in CASES])
def test_bad_startup_value_exits_2_with_one_line(tmp_path, exporter, args, needle):
    argv = [BIN[exporter], "--web.listen-address=127.0.0.1:0", *[expand(a, tmp_path) for a in args]]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
    lines = r.stderr.splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert r.stdout == "", r.stdout[:200]
    assert len(lines) == 1, lines
    assert lines[0].startswith(NAME[exporter] + ": "), lines[0]
    assert needle in lines[0], lines[0]
    assert len(lines[0]) < 400, lines[0]  # a long value is quoted short: the reason is never cut off


def test_good_values_still_start(tmp_path):
    """The checks do not reject what is fine: a bootstrap list, IPv6, a ZooKeeper chroot, a bcrypt hash."""
    web = tmp_path / "web.yml"
    web.write_text(f'basic_auth_users:\n  alice: "$2b$04${GOOD_TAIL}"\n')
    for exporter, args in (
            ("kafka", ["--kafka.server=b1:9092,b2.example.com:9093", "--kafka.server=[::1]:9092",
                       "--zookeeper.server=127.0.0.1:2181,localhost:2182/kafka"]),
            ("mirror", MIRROR),
            ("node", [f"--web.config.file={web}", "--web.max-connections=1"])):
        p = subprocess.Popen([BIN[exporter], "--web.listen-address=127.0.0.1:0", *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            line = ""
            while "msg=listening" not in line:
                line = p.stderr.readline()
                assert line, f"{exporter} exited {p.wait()}"
        finally:
            p.terminate()
            p.wait(timeout=15)
