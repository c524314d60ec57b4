#!/usr/bin/env python3
"""scrape_storm.py -- many concurrent scrapes against one exporter, for the TSan tier (tests/run tsan).

  scrape_storm.py [--threads N] [--scrapes M] [--mock-cluster PATH] -- EXPORTER ARGS...

With --mock-cluster, starts that mock-cluster program first (tests/support/mock_cluster.c) and puts its
bootstrap list in place of {bootstrap} in ARGS. Starts EXPORTER on a free loopback port (it gets --web.listen-address), waits for /metrics, fires N threads
of M scrapes each (plain and gzip), then SIGTERM. Fails (exit 1) if a scrape is not 200 with <ns>_build_info
in it (503 is allowed: --web.max-requests and the deadline may refuse some under a storm), if the exporter
does not exit 0, or if its stderr has a sanitizer report."""
import argparse
import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--scrapes", type=int, default=20)
    ap.add_argument("--wait", type=float, default=30, help="seconds to wait for the first good scrape")
    ap.add_argument("--mock-cluster", help="a mock-cluster binary to start; {bootstrap} in ARGS is its list")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("give the exporter command after --")
    mock = None
    if a.mock_cluster:
        mock = subprocess.Popen([a.mock_cluster, "3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        bootstrap = mock.stdout.readline().strip()
        if not bootstrap:
            print("storm: the mock cluster did not start")
            return 1
        cmd = [c.replace("{bootstrap}", bootstrap) for c in cmd]
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    name = os.path.basename(cmd[0])
    errlog = open(f"/tmp/scrape_storm.{name}.{os.getpid()}.log", "w+")
    proc = subprocess.Popen(cmd + [f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=errlog)
    failures = []
    counts = {"ok": 0, "503": 0}
    lock = threading.Lock()

    def scrape(gz):
        req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gz else {})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                body = r.read()
                if r.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                return r.status, body.decode()
        except urllib.error.HTTPError as e:
            return e.code, ""

    try:
        until = time.monotonic() + a.wait
        while True:
            try:
                status, body = scrape(False)
                if status == 200 and "_build_info{" in body:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > until:
                failures.append(f"{name}: no good scrape within {a.wait}s (exit {proc.poll()})")
                break
            time.sleep(0.2)

        def worker(k):
            for i in range(a.scrapes):
                try:
                    status, body = scrape((i + k) % 2 == 0)
                except OSError as e:
                    with lock:
                        failures.append(f"scrape failed: {e}")
                    continue
                with lock:
                    if status == 200 and "_build_info{" in body:
                        counts["ok"] += 1
                    elif status == 503:
                        counts["503"] += 1
                    else:
                        failures.append(f"status {status}, build_info {'_build_info{' in body}")

        if not failures:
            t0 = time.monotonic()
            ts = [threading.Thread(target=worker, args=(k,)) for k in range(a.threads)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        if mock:
            mock.stdin.close()
            try:
                mock.wait(timeout=30)
            except subprocess.TimeoutExpired:
                mock.kill()
    errlog.seek(0)
    err = errlog.read()
    if rc != 0:
        failures.append(f"{name} exited {rc}")
    if "Sanitizer" in err:
        failures.append(f"{name}: sanitizer report in stderr ({errlog.name})")
    if failures:
        print(f"storm {name}: FAILED: " + "; ".join(failures[:5]))
        print("\n".join(l for l in err.splitlines() if "Sanitizer" in l or "#" in l)[:4000])
        return 1
    print(f"storm {name}: {counts['ok']} scrapes 200, {counts['503']} refused with 503, "
          f"{a.threads} threads, {took:.1f}s, no sanitizer report")
    os.unlink(errlog.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
