"""mirror-exporter against a secured source cluster: the lab's upstream SASL_SSL listener (PLAIN), configured as
users configure librdkafka, with --source.kafka.option name=value. Probes are produced through it and come back
mirrored by MM2; a wrong password gives mirror_up{side="source"} 0 while the target side stays up, and the
password never shows in the log (debug), in /metrics or, once the flags are parsed, in ps."""
from test_kafka_secure import sec  # noqa: F401 (fixture)
from test_mirror_exporter import exporters, steady, wait_for  # noqa: F401 (fixture)


def sasl_options(sec, password):
    s = sec["sasl_ssl"]
    opts = {"security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "sasl.username": s["username"],
            "sasl.password": password, "ssl.ca.location": s["ca"]}
    return s["bootstrap"], [f"--source.kafka.option={k}={v}" for k, v in opts.items()]


def test_mirror_probes_through_sasl_ssl_source(lab, exporters, sec):
    bootstrap, opts = sasl_options(sec, sec["sasl_ssl"]["password"])
    e = exporters("sasl", *opts, "--log.level=debug", source=bootstrap)
    wait_for(lambda: e.value("mirror_up", side="source") == 1, 30, "source up over SASL_SSL")
    steady(e, timeout=90)
    m = e.metrics()
    assert e.total("mirror_probe_lost_total", m) == 0
    text = e.try_scrape()
    with open(f"/proc/{e.proc.pid}/cmdline", "rb") as f:
        cmdline = f.read().decode()
    log = e.stop()
    password = sec["sasl_ssl"]["password"]
    assert password not in log and password not in text
    assert password not in cmdline and "sasl.password=***" in cmdline


def test_mirror_wrong_password_source_down_target_up(lab, exporters, sec):
    wrong = "not-the-" + sec["sasl_ssl"]["password"]
    bootstrap, opts = sasl_options(sec, wrong)
    e = exporters("saslbad", *opts, "--log.level=debug", source=bootstrap)
    wait_for(lambda: e.value("mirror_up", side="target") == 1, 30, "target side up")
    # Nothing gets through the source side: it stays down, scrape after scrape.
    for _ in range(3):
        assert e.value("mirror_up", side="source") == 0
    assert e.total("mirror_probe_received_total") == 0
    text = e.try_scrape()
    log = e.stop()
    assert e.stop_seconds is not None, "did not stop on SIGTERM"
    assert wrong not in log and wrong not in text
