#!/usr/bin/env python3
"""The lab's notification receiver: what Alertmanager's webhook receivers (prometheus/alertmanager.yml) post to.
It records every notification, with the time it arrived and the receiver path it came in on, so a test can count
what people would have been sent.

Usage: webhook.py --listen HOST:PORT --out FILE
  POST /<receiver>   a notification (Alertmanager's webhook JSON); appended to FILE as one JSON line:
                     {"received": <unix time>, "path": "/<receiver>", "notification": {...}}
  GET /notifications all recorded so far, as a JSON list (the same objects)
  GET /-/healthy     200 "ok"
A body that is not JSON is answered 400 and recorded with "error" instead of "notification" (a test sees it).
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 4 << 20  # Alertmanager caps a webhook message well below this; anything larger is not one


class Recorder:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def add(self, entry):
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.lock, open(self.path, "a") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def all(self):
        with self.lock:
            try:
                with open(self.path) as f:
                    return [json.loads(x) for x in f if x.strip()]
            except FileNotFoundError:
                return []


def handler(recorder):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, code, body, ctype="application/json"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path == "/-/healthy":
                self.reply(200, "ok\n", "text/plain")
            elif self.path == "/notifications":
                self.reply(200, json.dumps(recorder.all()))
            else:
                self.reply(404, '{"error": "not found"}')

        def do_POST(self):  # noqa: N802
            try:
                n = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                n = -1
            if not 0 <= n <= MAX_BODY:
                self.reply(400, '{"error": "bad Content-Length"}')
                return
            raw = self.rfile.read(n)
            entry = {"received": time.time(), "path": self.path}
            try:
                entry["notification"] = json.loads(raw)
                code = 200
            except ValueError as e:
                entry["error"] = f"not JSON: {e}"
                code = 400
            recorder.add(entry)
            self.reply(code, "{}" if code == 200 else json.dumps({"error": entry["error"]}))

        def log_message(self, fmt, *args):
            sys.stderr.write("webhook: %s %s\n" % (self.address_string(), fmt % args))

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", required=True, help="HOST:PORT")
    ap.add_argument("--out", required=True, help="file the notifications are appended to (JSON lines)")
    a = ap.parse_args()
    host, _, port = a.listen.rpartition(":")
    if not host or not port.isdigit():
        print(f"webhook: --listen wants HOST:PORT, got {a.listen!r}", file=sys.stderr)
        return 2
    server = ThreadingHTTPServer((host, int(port)), handler(Recorder(a.out)))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"webhook: listening on {a.listen}, recording to {a.out}", file=sys.stderr, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
