"""kafka-exporter against the lab's secured upstream listeners (lab/labkit/secure.py): SASL_SSL with PLAIN and
SCRAM-SHA-512, and SSL with a required client certificate. Each reports what the PLAINTEXT listener reports, at the
same scrape moment; a wrong password, a wrong mechanism, an untrusted CA and a missing client certificate give
kafka_up 0 within the scrape timeout, one log line naming the cause, no crash, a clean exit on SIGTERM; a rotated
--sasl.password-file recovers without a restart. The password and the client key never show in logs (debug),
/metrics or ps. kcat, with the same credentials, shows the listeners really enforce them.

Kafka 4.x (the kraft profile): librdkafka before 2.6.1 (Debian has 2.0.2) cannot SCRAM-authenticate to it at all
(librdkafka#4895): there the SCRAM exporter must say so in its log instead of reporting data."""
import os
import subprocess
import threading
import time
import uuid

import pytest

from helpers import value, wait_for
from test_kafka_support import Exporter

TIMEOUT = 4.0  # --scrape.timeout
SLACK = 0.7    # HTTP and rendering on a busy 2-core machine
# Families that must be equal whichever listener the exporter reads (kafka_broker_info differs: its
# address label is the listener's).
COMPARED = ["kafka_brokers", "kafka_topic_partitions", "kafka_topic_partition_current_offset",
            "kafka_topic_partition_oldest_offset", "kafka_topic_partition_leader", "kafka_topic_partition_replicas",
            "kafka_topic_partition_in_sync_replica", "kafka_topic_partition_leader_is_preferred",
            "kafka_topic_partition_under_replicated_partition", "kafka_consumergroup_current_offset",
            "kafka_consumergroup_lag", "kafka_consumergroup_current_offset_sum", "kafka_consumergroup_lag_sum",
            "kafka_consumergroup_members"]


@pytest.fixture(scope="module")
def sec(lab):
    info = lab.info.get("secure")
    assert info, "lab env --json has no \"secure\" section: the lab's secured listeners are missing"
    with open(info["ssl"]["key"]) as f:
        key_pem = f.read()
    return dict(info, key_pem=key_pem)


def sasl_flags(sec, mechanism, password=None, password_file=None, ca=None):
    s = sec["sasl_ssl"]
    out = [f"--kafka.server={s['bootstrap']}", "--sasl.enabled", f"--sasl.mechanism={mechanism}",
           f"--sasl.username={s['username']}", "--tls.enabled", f"--tls.ca-file={ca or s['ca']}"]
    out.append(f"--sasl.password-file={password_file}" if password_file else f"--sasl.password={password}")
    return out


def ssl_flags(sec, cert=True, ca=None):
    s = sec["ssl"]
    out = [f"--kafka.server={s['bootstrap']}", "--tls.enabled", f"--tls.ca-file={ca or s['ca']}"]
    if cert:
        out += [f"--tls.cert-file={s['cert']}", f"--tls.key-file={s['key']}"]
    return out


def kcat_x(sec, kind, mechanism="SCRAM-SHA-512", password=None, cert=True):
    if kind == "sasl_ssl":
        s = sec["sasl_ssl"]
        x = {"security.protocol": "SASL_SSL", "sasl.mechanisms": mechanism, "sasl.username": s["username"],
             "sasl.password": password or s["password"], "ssl.ca.location": s["ca"]}
    else:
        s = sec["ssl"]
        x = {"security.protocol": "SSL", "ssl.ca.location": s["ca"]}
        if cert:
            x.update({"ssl.certificate.location": s["cert"], "ssl.key.location": s["key"]})
    args = ["-b", s["bootstrap"]]
    for k, v in x.items():
        args += ["-X", f"{k}={v}"]
    return args


def key_lines(sec):
    """The client key's base64 lines: none may appear anywhere the exporter writes."""
    return [ln for ln in sec["key_pem"].splitlines() if ln and not ln.startswith("-----")]


def assert_no_secret(sec, *texts, extra=()):
    for t in texts:
        assert sec["sasl_ssl"]["password"] not in t
        for ln in key_lines(sec):
            assert ln not in t
        for x in extra:
            assert x not in t


def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode(errors="replace")


def scrape_all(exps):
    """Scrapes every exporter at once (threads), so they all see the cluster at the same moment."""
    out = {}

    def one(name, e):
        out[name] = e.scrape()

    threads = [threading.Thread(target=one, args=(n, e)) for n, e in exps.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def families(m, names):
    return {n: sorted((tuple(sorted(lab_.items())), v) for lab_, v in m.get(n, [])) for n in names}


@pytest.fixture(scope="module")
def data(lab):
    """A topic with 3 partitions and a group that lags on two of them, upstream."""
    run = uuid.uuid4().hex[:6]
    topic, group = f"it-sec-{run}", f"it-sec-{run}-g"
    lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--create", "--topic", topic, "--partitions", "3",
             "--replication-factor", str(lab.brokers), timeout=180)
    for p, n in ((0, 10), (1, 7), (2, 4)):
        lab.kcat("-b", lab.upstream, "-P", "-t", topic, "-p", str(p), "-X", "acks=all",
                 input="".join(f"r{i}\n" for i in range(n)))
    lab.kcat("-b", lab.upstream, "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-q", topic, timeout=60)
    for p, n in ((0, 5), (1, 3)):
        lab.kcat("-b", lab.upstream, "-P", "-t", topic, "-p", str(p), "-X", "acks=all",
                 input="".join(f"s{i}\n" for i in range(n)))
    yield {"topic": topic, "group": group, "lag": {0: 5, 1: 3, 2: 0}}
    lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--delete", "--topic", topic, check=False)


def kafka4(lab):
    return lab.profile == "kraft"


def test_kcat_sees_the_listeners_enforce_auth(lab, sec, data, tmp_path):
    """An independent client with the same credentials: good ones list the topic, bad ones are refused."""
    ok = lab.kcat(*kcat_x(sec, "sasl_ssl", mechanism="PLAIN"), "-L", "-m", "5", "-t", data["topic"]).stdout
    assert data["topic"] in ok and "3 partitions" in ok
    if not kafka4(lab):
        assert data["topic"] in lab.kcat(*kcat_x(sec, "sasl_ssl"), "-L", "-m", "5").stdout
    else:
        # kcat's librdkafka cannot SCRAM to Kafka 4 (librdkafka#4895); Kafka's own Java client shows the
        # listener and the user are right.
        s = sec["sasl_ssl"]
        conf = tmp_path / "scram.properties"
        conf.write_text("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                        f'username="{s["username"]}" password="{s["password"]}";\n'
                        f"ssl.truststore.type=PEM\nssl.truststore.location={s['ca']}\n")
        out = lab.tool("kafka-topics", "--bootstrap-server", s["bootstrap"], "--command-config", str(conf), "--list",
                       timeout=120).stdout
        assert data["topic"] in out
    assert data["topic"] in lab.kcat(*kcat_x(sec, "ssl"), "-L", "-m", "5").stdout
    bad = lab.kcat(*kcat_x(sec, "sasl_ssl", password="not-the-password"), "-L", "-m", "3", check=False)
    assert bad.returncode != 0 and "Authentication failed" in bad.stderr, bad.stderr
    bad = lab.kcat(*kcat_x(sec, "sasl_ssl", mechanism="PLAIN", password="not-the-password"), "-L", "-m", "3",
                   check=False)
    assert bad.returncode != 0 and "Invalid username or password" in bad.stderr, bad.stderr
    bad = lab.kcat(*kcat_x(sec, "ssl", cert=False), "-L", "-m", "3", check=False)
    assert bad.returncode != 0 and "certificate" in bad.stderr, bad.stderr


def test_secured_listeners_report_what_plaintext_reports(lab, sec, data, tmp_path):
    pwfile = tmp_path / "pw"
    pwfile.write_text(sec["sasl_ssl"]["password"] + "\n")
    pwfile.chmod(0o600)
    common = [f"--topic.filter=^{data['topic']}$", f"--group.filter=^{data['group']}$", f"--scrape.timeout={TIMEOUT:g}s",
              "--log.level=debug"]
    host = lab.addr("kafka01")
    specs = {
        "plaintext": [f"--kafka.server={lab.upstream}"],
        "sasl_ssl-scram": sasl_flags(sec, "scram-sha512", password_file=pwfile),
        # With danielqsj/kafka_exporter's own SASL/TLS flags too: its command lines keep working.
        "sasl_ssl-plain": sasl_flags(sec, "plain", password=sec["sasl_ssl"]["password"]) + [
            "--sasl.handshake", "--tls.server-name=kafka01", "--kafka.version=3.9.0"],
        "ssl-client-cert": ssl_flags(sec),
    }
    if kafka4(lab):
        specs["sasl_ssl-plain-file"] = sasl_flags(sec, "plain", password_file=pwfile)
    if lab.zk_upstream:
        # ZooKeeper mode: the brokers' SASL_SSL endpoints come from /brokers/ids, no bootstrap list.
        specs["zookeeper-sasl_ssl"] = [f"--zookeeper.server={lab.zk_upstream}"] + [
            f for f in sasl_flags(sec, "scram-sha512", password_file=pwfile) if not f.startswith("--kafka.server")]
    scram_refused = set()
    exps = {}
    try:
        for name, flags in specs.items():
            exps[name] = Exporter(host, flags + common)
        # The password given as a flag is gone from the process list once the flags are parsed.
        for name, e in exps.items():
            assert_no_secret(sec, cmdline(e.proc.pid))

        def all_up():
            got = scrape_all(exps)
            for name in list(got):
                logs = exps[name].logs()
                if kafka4(lab) and "scram" in name and "librdkafka 2.6.1 or later" in logs:
                    scram_refused.add(name)  # librdkafka#4895, said so in the log: not compared
                    del got[name]
            return all(value(m, "kafka_up") == 1 and value(m, "kafka_scrape_collector_success",
                                                             collector="consumergroups") == 1
                       for _, m, _ in got.values()) and got

        got = wait_for("every exporter up with its consumer groups", all_up, 30, interval=0.5)
        if scram_refused:
            lab.report("kafka-exporter secured: Kafka 4.x refuses this librdkafka's SCRAM (librdkafka#4895); "
                       f"logged with the hint by {', '.join(sorted(scram_refused))}")
        ref = got["plaintext"][1]
        for p, lag in data["lag"].items():
            assert value(ref, "kafka_consumergroup_lag", consumergroup=data["group"], topic=data["topic"],
                         partition=p) == lag
        assert value(ref, "kafka_topic_partitions", topic=data["topic"]) == 3
        want = families(ref, COMPARED)
        for name, (took, m, text) in got.items():
            assert took <= TIMEOUT + SLACK, f"{name}: scrape took {took:.2f}s"
            assert families(m, COMPARED) == want, name
            addrs = {lab_["address"] for lab_, _ in m.get("kafka_broker_info", [])}
            port = {"plaintext": "9092", "ssl-client-cert": str(sec["ssl"]["port"])}.get(
                name, str(sec["sasl_ssl"]["port"]))
            assert addrs and all(a.endswith(":" + port) for a in addrs), (name, addrs)
        lab.report(f"kafka-exporter secured: {len(got)} exporters ({', '.join(got)}) agree on "
                   f"{sum(len(v) for v in want.values())} samples; scrape ms: " +
                   ", ".join(f"{n} {t * 1000:.0f}" for n, (t, _, _) in got.items()))
        for name, e in exps.items():
            logs = e.logs()
            assert "level=debug" in logs  # debug logging was really on
            assert_no_secret(sec, logs, got[name][2] if name in got else "", cmdline(e.proc.pid))
    finally:
        for e in exps.values():
            e.stop()


def rogue_ca(tmp_path):
    """A CA the brokers do not know, and a client certificate it signed (named like the lab's own)."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
    run("req", "-x509", *ec, "-keyout", "rogue.key", "-out", "rogue.crt", "-subj", "/CN=rogue-ca")
    run("req", "-x509", *ec, "-keyout", "rc.key", "-out", "rc.crt", "-subj", "/CN=exporter", "-CA", "rogue.crt",
        "-CAkey", "rogue.key", "-addext", "basicConstraints=critical,CA:FALSE")
    return str(tmp_path / "rogue.crt"), str(tmp_path / "rc.crt"), str(tmp_path / "rc.key")


def test_bad_credentials_fail_clearly_and_recover(lab, sec, tmp_path):
    rogue, rogue_cert, rogue_key = rogue_ca(tmp_path)
    wrong = "wrong-" + uuid.uuid4().hex[:10]
    pwfile = tmp_path / "pw"
    pwfile.write_text(wrong + "\n")
    s = sec["sasl_ssl"]
    cases = {
        # name: (flags, words the one "kafka unavailable" line must hold)
        "wrong password (SCRAM-SHA-512, flag)": (sasl_flags(sec, "scram-sha512", password=wrong),
                                                 ["invalid credentials", "SCRAM-SHA-512", "--sasl.username"]),
        "wrong password (PLAIN, file)": (sasl_flags(sec, "plain", password_file=pwfile),
                                         ["Invalid username or password", "--sasl.username"]),
        "wrong mechanism": (sasl_flags(sec, "scram-sha256", password=s["password"]),
                            ["Unsupported SASL mechanism", "PLAIN,SCRAM-SHA-512", "--sasl.mechanism"]),
        "untrusted CA (SASL_SSL)": (sasl_flags(sec, "scram-sha512", password=s["password"], ca=rogue),
                                    ["certificate verify failed", "--tls.ca-file"]),
        "untrusted CA (SSL)": (ssl_flags(sec, ca=rogue), ["certificate verify failed", "--tls.ca-file"]),
        "missing client certificate": (ssl_flags(sec, cert=False), ["bad certificate", "--tls.cert-file"]),
        "client certificate of another CA": (ssl_flags(sec, cert=False) + [f"--tls.cert-file={rogue_cert}",
                                                                            f"--tls.key-file={rogue_key}"],
                                             ["certificate unknown", "rejected the client certificate"]),
    }
    host = lab.addr("kafka01")
    exps = {}
    try:
        for name, (flags, _) in cases.items():
            exps[name] = Exporter(host, flags + [f"--scrape.timeout={TIMEOUT:g}s", "--log.level=debug"])
        t0 = time.time()
        first = scrape_all(exps)
        second = scrape_all(exps)
        for name, (flags, words) in cases.items():
            e = exps[name]
            for took, m, text in (first[name], second[name]):
                assert took <= TIMEOUT + SLACK, f"{name}: scrape took {took:.2f}s"
                assert value(m, "kafka_up") == 0, name
                assert_no_secret(sec, text, extra=[wrong])
            assert e.proc.poll() is None, f"{name}: exporter exited: {e.logs()}"
            logs = e.logs()
            lines = [ln for ln in logs.splitlines() if "kafka unavailable" in ln]
            assert len(lines) == 1, (name, lines)
            assert "level=error" in lines[0] and all(w in lines[0] for w in words), (name, lines[0])
            assert_no_secret(sec, logs, cmdline(e.proc.pid), extra=[wrong])
        lab.report(f"kafka-exporter secured: {len(cases)} bad configurations, two scrapes each, all kafka_up 0 "
                   f"with the cause logged once, in {time.time() - t0:.1f}s")

        # A good password written to the file: the next failed scrape reads it again, no restart.
        rotated = exps["wrong password (PLAIN, file)"]
        pwfile.write_text(s["password"] + "\n")
        t1 = time.time()
        wait_for("recovery after the password file was fixed",
                 lambda: value(rotated.scrape()[1], "kafka_up") == 1, 30, interval=0.5)
        lab.report(f"kafka-exporter secured: up again {time.time() - t1:.1f}s after the password file was fixed")
        logs = rotated.logs()
        assert "SASL password file changed: read again" in logs and "kafka reachable again" in logs
        assert_no_secret(sec, logs, extra=[wrong])

        # The others stay down and stop cleanly on SIGTERM.
        for name, e in exps.items():
            if e is rotated:
                continue
            e.proc.terminate()
            assert e.proc.wait(10) == 0, f"{name}: exit status {e.proc.returncode}: {e.logs()[-2000:]}"
    finally:
        for e in exps.values():
            e.stop()
