"""kafka-exporter as a drop-in for danielqsj/kafka_exporter (issue 18), on the lab.

Each flag family of danielqsj's (plain, SCRAM, TLS, Kerberos, OAUTHBEARER, web TLS) is given as a systemd unit
file's ExecStart= and Environment= lines, the way users' units carry them, parsed the way systemd splits them;
every exporter serves the same families, with the same values at the same moment, as the PLAINTEXT one.
Kerberos runs against the lab's MIT KDC (realm LAB.TEST) and the upstream SASL_PLAINTEXT listener (GSSAPI);
OAUTHBEARER against lab/oidc.py, a real client-credentials endpoint whose RS256 tokens Kafka's
OAuthBearerValidatorCallbackHandler checks against its JWKS (nothing unsecured). Tokens live 20 s: the endpoint's
counter shows the exporter fetching new ones while it keeps scraping. A stale keytab and a wrong realm give
kafka_up 0 and one log line naming the cause; no secret reaches the log (debug), /metrics or ps; kcat shows the
listener refuses no credentials, a stale keytab and an unsigned token."""
import json
import os
import shlex
import signal
import ssl
import subprocess
import time
import urllib.request
import uuid

import pytest

from helpers import parse, value, wait_for
from test_kafka_secure import COMPARED, cmdline, families, scrape_all
from test_kafka_support import Exporter, exporter_bin

TIMEOUT = 4.0  # --scrape.timeout
SLACK = 1.0


@pytest.fixture(scope="module")
def info(lab):
    i = lab.info
    assert i.get("kerberos") and i.get("oauth"), "lab env --json lacks \"kerberos\"/\"oauth\": no SASL_PLAINTEXT listener"
    return {"krb": i["kerberos"], "oauth": i["oauth"], "sec": i["secure"]}


@pytest.fixture(scope="module")
def data(lab):
    """A topic with 2 partitions and a group lagging on one, upstream."""
    run = uuid.uuid4().hex[:6]
    topic, group = f"it-compat-{run}", f"it-compat-{run}-g"
    lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--create", "--topic", topic, "--partitions", "2",
             "--replication-factor", str(lab.brokers), timeout=180)
    for p, n in ((0, 6), (1, 3)):
        lab.kcat("-b", lab.upstream, "-P", "-t", topic, "-p", str(p), "-X", "acks=all",
                 input="".join(f"r{i}\n" for i in range(n)))
    lab.kcat("-b", lab.upstream, "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-q", topic, timeout=60)
    lab.kcat("-b", lab.upstream, "-P", "-t", topic, "-p", "0", "-X", "acks=all", input="s1\ns2\n")
    yield {"topic": topic, "group": group}
    lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--delete", "--topic", topic, check=False)


def unit_args(unit):
    """ExecStart= and Environment= of a unit file as systemd reads them: continuation lines joined, words split
    with shell-like quoting. Returns (argv after the binary, environment)."""
    text = unit.replace("\\\n", " ")
    argv, env = None, {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("ExecStart="):
            argv = shlex.split(line[len("ExecStart="):])
        elif line.startswith("Environment="):
            for kv in shlex.split(line[len("Environment="):]):
                k, v = kv.split("=", 1)
                env[k] = v
    assert argv and argv[0].endswith("kafka_exporter"), unit
    return argv[1:], env


def units(lab, info, data, tmp):
    """One unit file per danielqsj flag family, with danielqsj's own flag spellings."""
    krb, oauth, sec = info["krb"], info["oauth"], info["sec"]
    common = (f"--topic.filter=^{data['topic']}$ --group.filter=^{data['group']}$ --scrape.timeout={TIMEOUT:g}s "
              "--log.level=debug --kafka.version=2.0.0 --refresh.metadata=30s --topic.workers=100 --verbosity=0 "
              "--no-help --no-version")
    head = "[Unit]\nDescription=Kafka exporter\n[Service]\n"
    web_dir = os.path.dirname(sec["ca"])
    return {
        "plaintext": head + f"ExecStart=/usr/local/bin/kafka_exporter --kafka.server={lab.upstream} \\\n"
        "  --web.telemetry-path=/metrics --topic.exclude=^$ --group.exclude=^$ --log.enable-sarama \\\n"
        "  --no-concurrent.enable --no-kafka.allow-auto-topic-creation --no-use.consumelag.zookeeper "
        f"--log.format=logfmt \\\n  {common}\n",
        "scram": head + f"Environment=SASL_USER_PASSWORD={sec['sasl_ssl']['password']}\n"
        f"ExecStart=/usr/local/bin/kafka_exporter --kafka.server={sec['sasl_ssl']['bootstrap']} \\\n"
        "  --sasl.enabled --sasl.mechanism=SCRAM-SHA512 --sasl.username=exporter --sasl.handshake \\\n"
        f"  --tls.enabled --tls.insecure-skip-tls-verify --tls.server-name=kafka01 \\\n  {common}\n",
        "tls": head + f"ExecStart=/usr/local/bin/kafka_exporter --kafka.server={sec['ssl']['bootstrap']} \\\n"
        f"  --tls.enabled --tls.ca-file={sec['ca']} --tls.cert-file={sec['ssl']['cert']} "
        f"--tls.key-file={sec['ssl']['key']} \\\n  {common}\n",
        "kerberos": head + f"ExecStart=/usr/local/bin/kafka_exporter --kafka.server={krb['bootstrap']} \\\n"
        "  --sasl.enabled --sasl.mechanism=gssapi --sasl.service-name=kafka \\\n"
        f"  --sasl.kerberos-config-path={krb['krb5_conf']} --sasl.realm={krb['realm']} \\\n"
        f"  --sasl.kerberos-auth-type=keytabAuth --sasl.keytab-path={krb['keytab']} --sasl.username=exporter \\\n"
        f"  --no-sasl.disable-PA-FX-FAST {common}\n",
        "kerberos-user": head + f"Environment=SASL_USER_PASSWORD={krb['password']}\n"
        f"ExecStart=/usr/local/bin/kafka_exporter --kafka.server={krb['bootstrap']} \\\n"
        f"  --sasl.enabled --sasl.mechanism=GSSAPI --sasl.kerberos-config-path={krb['krb5_conf']} \\\n"
        f"  --sasl.realm={krb['realm']} --sasl.kerberos-auth-type=userAuth --sasl.username={krb['password_username']} "
        f"\\\n  {common}\n",
        "oauthbearer": head + f"ExecStart=/usr/local/bin/kafka_exporter --kafka.server={oauth['bootstrap']} \\\n"
        f"  --sasl.enabled --sasl.mechanism=oauthbearer --sasl.oauthbearer-token-url={oauth['token_url']} \\\n"
        f"  --sasl.username={oauth['client_id']} --sasl.password={oauth['client_secret']} \\\n  {common}\n",
        "web-tls": head + f"ExecStart=/usr/local/bin/kafka_exporter --kafka.server={lab.upstream} \\\n"
        f"  --server.tls.enabled --server.tls.mutual-auth-enabled --server.tls.ca-file={sec['ca']} \\\n"
        f"  --server.tls.cert-file={web_dir}/kafka01.crt --server.tls.key-file={web_dir}/kafka01.key \\\n"
        f"  {common}\n",
    }


def secrets_of(info):
    return [info["sec"]["sasl_ssl"]["password"], info["krb"]["password"], info["oauth"]["client_secret"]]


def tls_scrape(e, sec, cert=True):
    ctx = ssl.create_default_context(cafile=sec["ca"])
    if cert:
        ctx.load_cert_chain(sec["ssl"]["cert"], sec["ssl"]["key"])
    t0 = time.time()
    with urllib.request.urlopen(f"https://{e.host}:{e.port}/metrics", context=ctx, timeout=30) as r:
        text = r.read().decode()
    return time.time() - t0, parse(text), text


def issued(oauth):
    with urllib.request.urlopen(oauth["metrics"], timeout=10) as r:
        m = parse(r.read().decode())
    return value(m, "oidc_tokens_issued_total", client_id=oauth["client_id"]) or 0


def test_every_flag_family_serves_what_plaintext_serves(lab, info, data, tmp_path):
    host = lab.addr("kafka01")
    exps, envs = {}, {}
    tokens_before = issued(info["oauth"])
    try:
        for name, unit in units(lab, info, data, tmp_path).items():
            args, env = unit_args(unit)
            envs[name] = env
            exps[name] = Exporter(host, args, env=dict(os.environ, **env))
        plain = {n: e for n, e in exps.items() if n != "web-tls"}

        def all_up():
            got = scrape_all(plain)
            got["web-tls"] = tls_scrape(exps["web-tls"], info["sec"])
            return all(value(m, "kafka_up") == 1 and value(m, "kafka_scrape_collector_success",
                                                             collector="consumergroups") == 1
                       for _, m, _ in got.values()) and got

        got = wait_for("every flag family's exporter up", all_up, 40, interval=0.5)
        ref = got["plaintext"][1]
        assert value(ref, "kafka_consumergroup_lag", consumergroup=data["group"], topic=data["topic"],
                     partition="0") == 2
        assert value(ref, "kafka_topic_partitions", topic=data["topic"]) == 2
        want = families(ref, COMPARED)
        for name, (took, m, text) in got.items():
            assert took <= TIMEOUT + SLACK, f"{name}: scrape took {took:.2f}s"
            assert families(m, COMPARED) == want, name
            assert value(m, "kafka_exporter_build_info", goos="linux") == 1, name
            for s in secrets_of(info):
                assert s not in text, name
        # Web TLS: mutual auth really asked for, plain HTTP refused.
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            tls_scrape(exps["web-tls"], info["sec"], cert=False)
        # The OAuth exporter keeps scraping while its 20 s tokens are replaced (librdkafka asks at 80%).
        t0 = time.time()
        wait_for("two more tokens fetched by the OAUTHBEARER exporter",
                 lambda: value(exps["oauthbearer"].scrape()[1], "kafka_up") == 1 and
                 issued(info["oauth"]) >= tokens_before + 3, 45, interval=1)
        refreshed = issued(info["oauth"]) - tokens_before
        for name, e in exps.items():
            ps = cmdline(e.proc.pid)
            log = e.logs()
            for s in secrets_of(info):
                assert s not in ps, name
                assert s not in log, name
        assert "--sasl.password=***" in cmdline(exps["oauthbearer"].proc.pid) or \
            "--sasl.password=" not in cmdline(exps["oauthbearer"].proc.pid)
        lab.report(f"kafka-exporter danielqsj flag families: {', '.join(got)} agree on {len(COMPARED)} families; "
                   f"OAUTHBEARER tokens fetched {refreshed:g} (incl. the first) in {time.time() - t0 + 5:.0f}s")
    finally:
        for e in exps.values():
            e.stop()


@pytest.mark.parametrize("case", ["stale-keytab", "wrong-realm"])
def test_kerberos_failures_name_the_cause(lab, info, case):
    krb = info["krb"]
    keytab = krb["wrong_keytab"] if case == "stale-keytab" else krb["keytab"]
    realm = "WRONG.TEST" if case == "wrong-realm" else krb["realm"]
    e = Exporter(lab.addr("kafka01"), [
        f"--kafka.server={krb['bootstrap']}", "--sasl.enabled", "--sasl.mechanism=gssapi",
        f"--sasl.kerberos-config-path={krb['krb5_conf']}", f"--sasl.realm={realm}",
        "--sasl.kerberos-auth-type=keytabAuth", f"--sasl.keytab-path={keytab}", "--sasl.username=exporter",
        f"--scrape.timeout={TIMEOUT:g}s"])
    try:
        for _ in range(3):
            took, m, _ = e.scrape()
            assert value(m, "kafka_up") == 0
            assert took <= TIMEOUT + SLACK
        errors = [ln for ln in e.logs().splitlines() if "level=error" in ln]
        assert len(errors) == 1, e.logs()
        want = "Password incorrect" if case == "stale-keytab" else "exporter@WRONG.TEST"
        assert "Kerberos login failed" in errors[0] and want in errors[0], errors[0]
        e.proc.send_signal(signal.SIGTERM)
        assert e.proc.wait(10) == 0
        lab.report(f"kafka-exporter Kerberos {case}: {errors[0].split('cause=', 1)[1][:160]}")
    finally:
        e.stop()


def test_kcat_shows_the_listener_requires_authentication(lab, info, tmp_path):
    krb, oauth = info["krb"], info["oauth"]
    env = dict(os.environ, KRB5_CONFIG=krb["krb5_conf"], KRB5CCNAME=f"FILE:{tmp_path}/ccache")

    def kcat(*x):
        args = ["kcat", "-b", krb["bootstrap"], "-L", "-m", "4"]
        for kv in x:
            args += ["-X", kv]
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)

    gss = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanisms=GSSAPI", "sasl.kerberos.service.name=kafka",
           f"sasl.kerberos.principal={krb['principal']}"]
    ok = kcat(*gss, f"sasl.kerberos.keytab={krb['keytab']}")
    assert ok.returncode == 0 and "brokers:" in ok.stdout, ok.stderr
    none = kcat()
    assert none.returncode != 0 and "SASL authentication" in none.stderr, none.stderr
    os.unlink(f"{tmp_path}/ccache")
    stale = kcat(*gss, f"sasl.kerberos.keytab={krb['wrong_keytab']}")
    assert stale.returncode != 0 and "GSSAPI" in stale.stderr, stale.stderr
    unsigned = kcat("security.protocol=SASL_PLAINTEXT", "sasl.mechanisms=OAUTHBEARER",
                    "enable.sasl.oauthbearer.unsecure.jwt=true", f"sasl.oauthbearer.config=principal={oauth['client_id']}")
    assert unsigned.returncode != 0 and "invalid_token" in unsigned.stderr, unsigned.stderr


def test_help_flags_and_refusals():
    """kingpin's help spellings; AWS IAM refused with the reason and what to use; no lab needed."""
    x = exporter_bin()
    for flag in ("--help-long", "--help"):
        r = subprocess.run([x, flag], capture_output=True, text=True, timeout=10)
        assert r.returncode == 0 and "--sasl.keytab-path" in r.stdout
    r = subprocess.run([x, "--help-man"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stdout.startswith(".TH kafka\\-exporter 1") and "sasl.kerberos\\-auth\\-type" in r.stdout
    r = subprocess.run([x, "--no-version", "--no-help", "--version"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "version" in r.stdout
    r = subprocess.run([x, "--kafka.server=127.0.0.1:1", "--sasl.enabled", "--sasl.mechanism=AWSIAM",
                        "--sasl.aws-region=eu-west-1", "--web.listen-address=127.0.0.1:0"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "Amazon MSK" in r.stderr and "scram-sha512" in r.stderr, r.stderr
    r = subprocess.run([x, "--kafka.server=127.0.0.1:1", "--server.tls.enabled", "--web.listen-address=127.0.0.1:0"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "--server.tls.cert-file" in r.stderr, r.stderr


PEER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    "bench/.peers/kafka_exporter")


def selection(m, groups):
    """(group, topic, partition) -> (current offset, lag) of the given groups."""
    out = {}
    for lab_, v in m.get("kafka_consumergroup_current_offset", []):
        if lab_["consumergroup"] in groups:
            out[(lab_["consumergroup"], lab_["topic"], lab_["partition"])] = [v, None]
    for lab_, v in m.get("kafka_consumergroup_lag", []):
        k = (lab_["consumergroup"], lab_["topic"], lab_["partition"])
        if k in out:
            out[k][1] = v
    return {k: tuple(v) for k, v in out.items()}


def test_no_offset_show_all_selects_as_danielqsj(lab, tmp_path):
    """danielqsj's --no-offset.show-all (kafka_exporter.go, getConsumerGroupMetrics): for each group it fetches
    offsets of the partitions in its members' assignments; a group with no assigned partition (an Empty group)
    sends an OffsetFetch with no partitions, which Kafka answers with every committed offset: Empty groups still
    show everything. --offset.show-all fetches every partition of the filtered topics. Here: group E (Empty,
    commits on A and B), group S (one member assigned topic A, old commits on B). Expected, and danielqsj's own
    output when bench/.peers/kafka_exporter is built (bench/run-kafka says how)."""
    run = uuid.uuid4().hex[:6]
    a, b, ge, gs = f"it-sa-{run}-a", f"it-sa-{run}-b", f"it-sa-{run}-e", f"it-sa-{run}-s"
    for t, parts in ((a, 2), (b, 1)):
        lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--create", "--topic", t, "--partitions",
                 str(parts), "--replication-factor", str(lab.brokers), timeout=180)
        for p in range(parts):
            lab.kcat("-b", lab.upstream, "-P", "-t", t, "-p", str(p), "-X", "acks=all", input="x\ny\nz\n")
    lab.kcat("-b", lab.upstream, "-G", ge, "-X", "auto.offset.reset=earliest", "-e", "-q", a, b, timeout=60)
    lab.kcat("-b", lab.upstream, "-G", gs, "-X", "auto.offset.reset=earliest", "-e", "-q", b, timeout=60)
    member = subprocess.Popen(["kcat", "-b", lab.upstream, "-G", gs, "-X", "auto.offset.reset=earliest",
                               "-X", "auto.commit.interval.ms=200", "-q", a], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    exps = {}
    try:
        host = lab.addr("kafka01")
        flags = [f"--kafka.server={lab.upstream}", f"--topic.filter=^it-sa-{run}-", f"--group.filter=^it-sa-{run}-"]
        wanted = {("show-all", "ours"): [], ("no-show-all", "ours"): ["--no-offset.show-all"]}
        have_peer = os.access(PEER, os.X_OK)
        if have_peer:
            wanted[("show-all", "danielqsj")] = []
            wanted[("no-show-all", "danielqsj")] = ["--no-offset.show-all"]

        def expected(show_all):
            e = {(ge, a, "0"): (3, 0), (ge, a, "1"): (3, 0), (ge, b, "0"): (3, 0),
                 (gs, a, "0"): (3, 0), (gs, a, "1"): (3, 0)}
            if show_all:
                e[(gs, b, "0")] = (3, 0)
            return e

        def start(key, extra):
            if key[1] == "ours":
                return Exporter(host, flags + extra)
            return Exporter(host, flags + extra, binary=PEER)

        for key, extra in wanted.items():
            exps[key] = start(key, extra)

        def settled():
            got = {k: selection(e.scrape()[1], {ge, gs}) for k, e in exps.items()}
            return all(v == expected(k[0] == "show-all") for k, v in got.items()) and got

        try:
            got = wait_for("both modes' selections as danielqsj's", settled, 40, interval=1)
        except AssertionError:
            got = {k: selection(e.scrape()[1], {ge, gs}) for k, e in exps.items()}
            raise AssertionError(f"selections: {json.dumps({'/'.join(k): sorted(map(str, v.items())) for k, v in got.items()}, indent=1)}")
        states = {lab_["consumergroup"]: lab_["state"] for lab_, v in
                  exps[("no-show-all", "ours")].scrape()[1].get("kafka_consumergroup_state", []) if v == 1}
        assert states == {ge: "Empty", gs: "Stable"}, states
        lab.report(f"--no-offset.show-all: Empty group {len([k for k in got[('no-show-all', 'ours')] if k[0] == ge])} "
                   f"series (all its commits), Stable group {len([k for k in got[('no-show-all', 'ours')] if k[0] == gs])}"
                   f" (assigned only; show-all {len([k for k in got[('show-all', 'ours')] if k[0] == gs])}); "
                   + ("equal to danielqsj's own binary" if have_peer else
                      "danielqsj not built (bench/.peers): compared with its source's rule"))
    finally:
        member.terminate()
        member.wait(10)
        for e in exps.values():
            e.stop()
        for t in (a, b):
            lab.tool("kafka-topics", "--bootstrap-server", lab.upstream, "--delete", "--topic", t, check=False)
