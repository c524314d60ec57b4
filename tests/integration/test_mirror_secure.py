"""mirror-exporter against a secured source cluster: the lab's upstream SASL_SSL listener (PLAIN), configured as
users configure librdkafka, with --source.kafka.option name=value; and the upstream SASL_PLAINTEXT listener with
Kerberos (GSSAPI, a keytab of the lab's KDC). Probes are produced through it and come back mirrored by MM2; a wrong
password gives mirror_up{side="source"} 0 while the target side stays up, and the
password never shows in the log (debug), in /metrics or, once the flags are parsed, in ps."""
import subprocess

import pytest

from test_kafka_secure import sec  # noqa: F401 (fixture)
from helpers import wait_for
from test_mirror_exporter import exporter_bin, exporters, steady  # noqa: F401 (fixture)


def sasl_options(sec, password):
    s = sec["sasl_ssl"]
    opts = {"security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "sasl.username": s["username"],
            "sasl.password": password, "ssl.ca.location": s["ca"]}
    return s["bootstrap"], [f"--source.kafka.option={k}={v}" for k, v in opts.items()]


def test_mirror_probes_through_sasl_ssl_source(lab, exporters, sec, tmp_path):
    """The password from --source.kafka.option-file, the rest from --source.kafka.option flags."""
    bootstrap, opts = sasl_options(sec, sec["sasl_ssl"]["password"])
    password_opt = next(o for o in opts if "sasl.password=" in o)
    opts.remove(password_opt)
    option_file = tmp_path / "source.properties"
    option_file.write_text("# the source's SASL password\n" + password_opt.split("=", 1)[1] + "\n")
    e = exporters("sasl", *opts, f"--source.kafka.option-file={option_file}", "--log.level=debug",
                  source=bootstrap)
    wait_for("source up over SASL_SSL", lambda: e.value("mirror_up", side="source") == 1, 30)
    steady(e, timeout=90)
    m = e.metrics()
    assert e.total("mirror_probe_lost_total", m) == 0
    text = e.try_scrape()
    with open(f"/proc/{e.proc.pid}/cmdline", "rb") as f:
        cmdline = f.read().decode()
    log = e.stop()
    password = sec["sasl_ssl"]["password"]
    assert password not in log and password not in text
    assert password not in cmdline


def test_mirror_probes_through_kerberos_source(lab, exporters, tmp_path):
    """librdkafka's own GSSAPI settings, as users write them; KRB5_CONFIG and a ticket cache of its own in the
    environment (the unit file's Environment=), since librdkafka's kinit fills the default cache otherwise."""
    krb = lab.info["kerberos"]
    opts = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "GSSAPI", "sasl.kerberos.service.name": "kafka",
            "sasl.kerberos.principal": krb["principal"], "sasl.kerberos.keytab": krb["keytab"]}
    e = exporters("krb", *[f"--source.kafka.option={k}={v}" for k, v in opts.items()], source=krb["bootstrap"],
                  env={"KRB5_CONFIG": krb["krb5_conf"], "KRB5CCNAME": f"FILE:{tmp_path}/ccache"})
    wait_for("source up over SASL_PLAINTEXT/GSSAPI", lambda: e.value("mirror_up", side="source") == 1, 30)
    steady(e, timeout=90)
    assert e.total("mirror_probe_lost_total", e.metrics()) == 0
    e.stop()


def test_mirror_wrong_password_source_down_target_up(lab, exporters, sec):
    """The password by flag this time: hidden from ps once parsed."""
    wrong = "not-the-" + sec["sasl_ssl"]["password"]
    bootstrap, opts = sasl_options(sec, wrong)
    e = exporters("saslbad", *opts, "--log.level=debug", source=bootstrap)
    wait_for("target side up", lambda: e.value("mirror_up", side="target") == 1, 30)
    # Nothing gets through the source side: it stays down, scrape after scrape.
    for _ in range(3):
        assert e.value("mirror_up", side="source") == 0
    assert e.total("mirror_probe_received_total") == 0
    text = e.try_scrape()
    with open(f"/proc/{e.proc.pid}/cmdline", "rb") as f:
        cmdline = f.read().decode()
    log = e.stop()
    assert e.stop_seconds is not None, "did not stop on SIGTERM"
    assert wrong not in log and wrong not in text
    assert wrong not in cmdline and "sasl.password=***" in cmdline


@pytest.mark.parametrize("content,reason", [
    (None, "No such file"),
    ("security.protocol=SASL_SSL\nhunter2-alone\n", "line 2: not name=value"),
    ("no.such.password=hunter2\n", "no.such.password"),  # librdkafka refuses it: named, value not quoted
])
def test_option_file_errors_exit_2(tmp_path, content, reason):
    path = tmp_path / "opts.properties"
    if content is not None:
        path.write_text(content)
    r = subprocess.run([exporter_bin(), "--web.listen-address=127.0.0.1:0", "--source.kafka.server=127.0.0.1:1",
                        "--target.kafka.server=127.0.0.1:1", f"--source.kafka.option-file={path}"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 2, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and reason in lines[0] and "hunter2" not in lines[0], r.stderr
