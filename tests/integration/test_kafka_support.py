"""Helpers for the kafka-exporter integration tests (no tests here): start/stop and scrape the exporter."""
import os
import socket
import subprocess
import time
import urllib.request

import pytest

from helpers import free_port, parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def exporter_bin():
    for p in (os.environ.get("KAFKA_EXPORTER_BIN"), os.path.join(REPO, "build/exporters/kafka-exporter/kafka-exporter"),
              os.path.join(REPO, "build-kafka/exporters/kafka-exporter/kafka-exporter")):
        if p and os.access(p, os.X_OK):
            return p
    pytest.skip("kafka-exporter is not built")


class Exporter:
    """One kafka-exporter process; stop() (or the fixture's teardown) kills it by pid."""

    def __init__(self, host, args, env=None, binary=None):
        self.host = host
        self.port = free_port(host)
        self.url = f"http://{host}:{self.port}/metrics"
        self.log_path = f"/tmp/kafka-exporter-test-{os.getpid()}-{self.port}.log"
        self.log = open(self.log_path, "w")
        # Tests act on the cluster and look at once: collections every 0.5 s (the default, 5 s, would make
        # each fresh scrape wait up to 5 s); tests of the cadence itself pass their own.
        # (Ours only: danielqsj's kafka_exporter, binary=, collects in each scrape and refuses the flag.)
        if not binary and not any(a.startswith("--collection.interval") for a in args):
            args = [*args, "--collection.interval=500ms"]
        cmd = [binary or exporter_bin(), f"--web.listen-address={host}:{self.port}", *args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection((host, self.port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        logs = self.logs()  # before stop(), which closes and removes the log
        self.stop()
        raise AssertionError(f"{os.path.basename(cmd[0])} did not start in 10 s: {logs}")

    def scrape(self, timeout=30, fresh=True):
        """(seconds the answering request took, {name: [(labels, value)]}, raw text).

        The exporter collects on its own cadence (--collection.interval) and a scrape answers from the last
        complete collection; with fresh=True this waits (scraping again) until the answer comes from a
        collection that started after the call, so a test sees what it just did to the cluster."""
        t_call = time.time()
        while True:
            t0 = time.time()
            with urllib.request.urlopen(self.url, timeout=timeout) as r:
                text = r.read().decode()
            took = time.time() - t0
            m = parse(text)
            started = m.get("kafka_collection_timestamp_seconds")
            if not fresh or not started or started[0][1] >= t_call or time.time() - t_call > timeout:
                return took, m, text
            time.sleep(0.1)

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)


def service_pid(lab, name):
    for s in lab.status().get("services", []):
        if s["name"] == name:
            return s.get("pid")
    return None
