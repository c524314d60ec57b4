"""test_http.py -- the shared library's HTTP server, through tests/support/demo_exporter.c.

Shows: promtool accepts the output; 404/405/HEAD/gzip; HTTPS with a certificate made here by openssl;
bcrypt basic auth; malformed and stalled requests never stall a concurrent scrape; the scrape deadline;
the concurrent-scrape limit; bad flags and web-configs exit 2 with one line on stderr.
Every process started here is stopped by its fixture. Runs in about 20 s.
"""
import concurrent.futures
import gzip
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import warnings

import pytest

from helpers import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("EXP_BUILD_DIR", os.path.join(ROOT, "build"))
DEMO = os.path.join(BUILD, "tests", "support", "demo-exporter")


@pytest.fixture(scope="module", autouse=True)
def demo_built():
    """Brings the demo exporter up to date: tests/run only builds build/ when node-exporter-lite is missing."""
    if "EXP_BUILD_DIR" not in os.environ and os.path.exists(os.path.join(BUILD, "build.ninja")):
        subprocess.run(["cmake", "--build", BUILD, "--target", "demo-exporter"], check=True,
                       capture_output=True, timeout=600)
    assert os.access(DEMO, os.X_OK), f"{DEMO} not built (tests/run builds build/ first)"


class Exporter:
    """A running demo exporter; stop() is always called by the fixture."""

    def __init__(self, tmp_path, *args, host="127.0.0.1"):
        assert os.access(DEMO, os.X_OK), f"{DEMO} not built (tests/run builds build/ first)"
        self.port = free_port(host)
        self.host = host
        self.log_path = tmp_path / f"exporter-{self.port}.log"
        hostpart = f"[{host}]" if ":" in host else host
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [DEMO, f"--web.listen-address={hostpart}:{self.port}", *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"exporter exited: {self.log_path.read_text()}")
            if "msg=listening" in self.log_path.read_text():
                return
            time.sleep(0.02)
        raise AssertionError("exporter did not start listening")

    def conn(self, timeout=5, https=None):
        if https:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=https)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def get(self, path="/metrics", method="GET", headers=None, https=None, timeout=5):
        c = self.conn(timeout=timeout, https=https)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            c.close()

    def stop(self):
        """Stops the exporter; returns its exit code (0 after a clean SIGTERM shutdown)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def start(tmp_path):
    started = []

    def _start(*args, **kw):
        e = Exporter(tmp_path, *args, **kw)
        started.append(e)
        return e

    yield _start
    codes = [e.stop() for e in started]
    # A clean shutdown exits 0; under ASan a leak or memory error would not.
    assert codes == [0] * len(codes), [e.log_path.read_text()[-2000:] for e in started]


def test_metrics_pass_promtool_and_are_well_formed(start):
    e = start()
    status, headers, body = e.get()
    assert status == 200
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = body.decode()
    r = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    assert text.count("# TYPE demo_value gauge") == 1
    assert 'demo_value{name="plain"} 42\n' in text  # the duplicate (7) was dropped, the first kept
    assert 'demo_value{name="plain"} 7' not in text
    assert 'demo_value{name="quote\\" back\\\\slash new\\nline"} 1.5' in text
    assert 'demo_value{name="inf"} +Inf' in text
    assert 'demo_latency_seconds_bucket{path="/x",le="+Inf"} 10' in text
    assert 'demo_latency_seconds_count{path="/x"} 10' in text
    assert 'demo_scrape_collector_success{collector="failing"} 0' in text  # a failure does not fail the scrape
    assert 'demo_scrape_collector_success{collector="demo"} 1' in text
    assert 'collector="off"' not in text
    assert 'demo_build_info{version="' in text


def test_paths_methods_head_gzip_keepalive(start):
    e = start("--no-collector.failing", "--collector.off")
    assert e.get("/nope")[0] == 404
    status, headers, _ = e.get("/metrics", method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    assert e.get("/metrics", method="BREW")[0] == 405
    assert e.get("/healthz")[0:3:2] == (200, b"OK\n")
    status, headers, body = e.get("/")
    assert status == 200 and b'href="metrics"' in body and headers["content-type"].startswith("text/html")

    status, headers, body = e.get("/metrics", method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-type"].startswith("text/plain; version=0.0.4")

    status, headers, body = e.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    plain = gzip.decompress(body).decode()
    assert "# TYPE demo_value gauge" in plain and 'collector="off"' in plain
    status, headers, body = e.get("/metrics", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in headers and body.startswith(b"# HELP")

    # Two requests on one connection: HTTP/1.1 keep-alive works.
    c = e.conn()
    for _ in range(2):
        c.request("GET", "/healthz")
        r = c.getresponse()
        assert r.status == 200 and r.read() == b"OK\n"
    c.close()


def test_ipv6_listen(start):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        free_port("::1")
    except OSError:
        pytest.skip("no ::1")
    e = start(host="::1")
    assert e.get()[0] == 200


def make_cert(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(tmp_path / "server.key"), "-out", str(tmp_path / "server.crt")],
                   check=True, capture_output=True, timeout=60)


def bcrypt_hash(password):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # removed in Python 3.13; Debian 12 has 3.11
    # Cost 5 keeps the test fast; the server handles any cost.
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5))
    assert h.startswith("$2b$05$"), h
    return h


def test_https_and_basic_auth(start, tmp_path):
    make_cert(tmp_path)
    web = tmp_path / "web.yml"
    # Relative paths resolve against the YAML file's folder.
    web.write_text("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                   "  min_version: TLS12\n"
                   f"basic_auth_users:\n  alice: '{bcrypt_hash('correct horse')}'\n")
    e = start(f"--web.config.file={web}")
    ctx = ssl.create_default_context(cafile=str(tmp_path / "server.crt"))
    import base64

    def auth(user, pw):
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}

    status, _, body = e.get(https=ctx, headers=auth("alice", "correct horse"))
    assert status == 200 and b"demo_build_info" in body
    status, headers, _ = e.get(https=ctx, headers=auth("alice", "wrong"))
    assert status == 401 and headers["www-authenticate"].startswith("Basic")
    assert e.get(https=ctx, headers=auth("mallory", "correct horse"))[0] == 401
    assert e.get(https=ctx)[0] == 401
    assert e.get("/healthz", https=ctx)[0] == 401
    # Plain HTTP to the TLS port gets no HTTP answer.
    with pytest.raises((http.client.HTTPException, OSError)):
        e.get()
    log = e.log_path.read_text()
    assert "correct horse" not in log and "$2b$" not in log and "PRIVATE" not in log


def test_malformed_and_slow_clients_do_not_stall_scrapes(start):
    e = start()
    # A huge URL and huge headers are refused with 4xx, not a crash.
    assert e.get("/" + "a" * 40000)[0] == 414
    assert e.get("/metrics", headers={"X-Big": "b" * 40000})[0] in (400, 413, 431)
    # Garbage instead of HTTP: a 400 or a closed connection.
    for junk in (b"garbage\r\n\r\n", b"GET /metrics FOO/9\r\nHost: x\r\n\r\n"):
        with socket.create_connection((e.host, e.port), timeout=5) as s:
            s.sendall(junk)
            data = s.recv(100)
            assert data == b"" or data.startswith(b"HTTP/1.1 400"), data
    # Clients that send half a request (or binary junk) and stall hold only their own threads.
    stalled = []
    for i in range(10):
        s = socket.create_connection((e.host, e.port), timeout=15)
        s.sendall(b"\x00\x01\x02 junk" if i == 0 else b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        stalled.append(s)
    try:
        for _ in range(3):
            t0 = time.monotonic()
            status, _, body = e.get(timeout=3)
            assert status == 200 and b"demo_build_info" in body
            assert time.monotonic() - t0 < 1.0
        # ... and are dropped after the 10 s connection timeout.
        t0 = time.monotonic()
        assert stalled[0].recv(100) == b""
        data = stalled[1].recv(100)
        assert data == b"" or data.startswith(b"HTTP/1.1 4"), data
        assert time.monotonic() - t0 < 12
    finally:
        for s in stalled:
            s.close()
    assert e.proc.poll() is None


def test_scrape_deadline_and_concurrency_limit(start):
    e = start("--demo.slow=30s", "--scrape.timeout=1s", "--web.max-requests=1")
    t0 = time.monotonic()
    status, _, body = e.get(timeout=10)
    took = time.monotonic() - t0
    assert status == 200 and took < 2.0, took
    assert b'demo_scrape_collector_success{collector="slow"} 0' in body
    # With one scrape running, a second one at the same time gets 503.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(e.get, "/metrics", "GET", None, None, 10)
        time.sleep(0.3)
        second = e.get(timeout=10)
        assert second[0] == 503
        assert first.result()[0] == 200
    # Prometheus' own timeout header shortens the deadline.
    t0 = time.monotonic()
    status, _, _ = e.get(headers={"X-Prometheus-Scrape-Timeout-Seconds": "0.3"}, timeout=10)
    assert status == 200 and time.monotonic() - t0 < 0.9


def run_bad(*args, timeout=10):
    r = subprocess.run([DEMO, *args], capture_output=True, timeout=timeout)
    return r.returncode, r.stderr.decode(), r.stdout.decode()


@pytest.mark.parametrize("args, want", [
    (["--no-such-flag"], "unknown flag --no-such-flag"),
    (["--web.listen-address=nohost.invalid:1"], "nohost.invalid:1"),
    (["--web.listen-address=127.0.0.1"], "missing port"),
    (["--web.listen-address=127.0.0.1:70000"], "bad port"),
    (["--scrape.timeout=soon"], "--scrape.timeout"),
    (["--web.max-requests=0"], "--web.max-requests"),
    (["--log.level=loud"], "--log.level"),
    (["--collector.nope"], "unknown collector"),
    (["stray"], "unexpected argument"),
    (["--web.config.file=/nonexistent/web.yml"], "/nonexistent/web.yml"),
])
def test_bad_input_exits_2_with_one_line(args, want):
    rc, err, out = run_bad(*args, "--web.listen-address=127.0.0.1:0") if "--web.listen" not in " ".join(args) \
        else run_bad(*args)
    assert rc == 2, (rc, err)
    assert err.count("\n") == 1 and want in err, err
    assert out == ""


@pytest.mark.parametrize("yaml, want", [
    ("tls_server_config:\n  cert_file: a.crt\n  bogus: 1\n", "web.yml:3:3: tls_server_config: unknown key \"bogus\""),
    ("basic_auth_users:\n  bob: [1\n", "web.yml:3:1:"),
    ("basic_auth_users:\n  bob: not-a-hash\n", "web.yml:2:8:"),
    ("tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n", "missing.crt"),
    ("wat: 1\n", "web.yml:1:1: unknown key \"wat\""),
])
def test_bad_web_config_exits_2(tmp_path, yaml, want):
    web = tmp_path / "web.yml"
    web.write_text(yaml)
    rc, err, _ = run_bad(f"--web.config.file={web}", "--web.listen-address=127.0.0.1:0")
    assert rc == 2 and err.count("\n") == 1 and want in err, err
    assert "not-a-hash" not in err


def test_port_in_use_exits_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        rc, err, _ = run_bad(f"--web.listen-address=127.0.0.1:{port}")
    assert rc == 2 and err.count("\n") == 1 and "Address already in use" in err, err


def test_version_help_and_sigterm(start):
    rc, _, out = run_bad("--version")
    assert rc == 0 and out.startswith("demo-exporter, version ")
    rc, _, out = run_bad("--help")
    assert rc == 0 and "--web.listen-address" in out and "--[no-]collector.slow" in out
    e = start()
    e.proc.send_signal(signal.SIGTERM)
    assert e.proc.wait(timeout=5) == 0


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def test_client_certificates(start, tmp_path):
    make_cert(tmp_path)
    t = str(tmp_path)
    for name in ("ca", "other"):  # "other" signs a client the server must not trust
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
                "-keyout", f"{t}/{name}.key", "-out", f"{t}/{name}.crt")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=client-{name}",
                "-keyout", f"{t}/client-{name}.key", "-out", f"{t}/client-{name}.csr")
        openssl("x509", "-req", "-days", "1", "-in", f"{t}/client-{name}.csr", "-CA", f"{t}/{name}.crt",
                "-CAkey", f"{t}/{name}.key", "-CAcreateserial", "-out", f"{t}/client-{name}.crt")
    web = tmp_path / "web.yml"
    web.write_text("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                   "  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n")
    e = start(f"--web.config.file={web}")

    def ctx(client=None):
        c = ssl.create_default_context(cafile=f"{t}/server.crt")
        if client:
            c.load_cert_chain(f"{t}/client-{client}.crt", f"{t}/client-{client}.key")
        return c

    assert e.get(https=ctx("ca"))[0] == 200
    for bad in (None, "other"):
        try:
            status = e.get(https=ctx(bad))[0]
        except (ssl.SSLError, OSError):
            status = "refused"  # refusing in the handshake is as good as 403
        assert status in (403, "refused"), (bad, status)


def test_output_size_cap(start):
    # 700k samples would be ~40 MiB; the writer stops at the 32 MiB cap, and the scrape fails loudly:
    # a 503 with the reason (never a 200 that looks complete), once in the log.
    e = start("--demo.samples=700000", "--scrape.timeout=20s")
    status, _, body = e.get(timeout=30)
    assert status == 503
    assert body == b"scrape failed: scrape output over the cap of 33554432 bytes (--web.max-scrape-size): samples dropped\n"
    assert "over the cap" in e.log_path.read_text()
    # Under the cap, the same exporter answers in full.
    e2 = start("--demo.samples=100000", "--scrape.timeout=20s")
    status, _, body = e2.get(timeout=30)
    assert status == 200 and body.endswith(b"\n") and body.count(b"# TYPE demo_cpu_seconds_total counter") == 1
    # The cap is --web.max-scrape-size: raised, the 700k samples are answered in full.
    e3 = start("--demo.samples=700000", "--scrape.timeout=20s", "--web.max-scrape-size=64MiB")
    status, _, body = e3.get(timeout=30)
    assert status == 200 and 32 * 2**20 < len(body) < 64 * 2**20, (status, len(body))
    assert body.endswith(b"\n") and body.count(b"# TYPE demo_cpu_seconds_total counter") == 1


def test_collector_ignoring_the_deadline(start):
    # The first scrape's "hang" collector sleeps 3 s whatever the deadline: the answer still comes at
    # the 1 s deadline (503), the next scrape waits for it or gives up at its own deadline, and once
    # the collector returns, scrapes work again without a restart.
    e = start("--demo.hang=3s", "--scrape.timeout=1s")
    t0 = time.monotonic()
    assert e.get(timeout=10)[0] == 503
    assert time.monotonic() - t0 < 1.6
    t0 = time.monotonic()
    assert e.get(timeout=10)[0] == 503
    assert time.monotonic() - t0 < 1.6
    time.sleep(1.0)
    status, _, body = e.get(timeout=10)
    assert status == 200 and b'demo_scrape_collector_success{collector="hang"} 1' in body
