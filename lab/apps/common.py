"""What producer-1, consumer-1 and consumer-2 share: the Avro schema of the users' messages, the topic, a
tiny /metrics server for each app's own counters, and logging.

The apps' counters are what an application would report about itself (sent, decoded, indexed, invalid);
the bundle's delivery accounting does not rely on them (docs/datapath.md)."""
import http.server
import json
import logging
import os
import signal
import sys
import threading
import time

TOPIC = os.environ.get("LAB_APP_TOPIC", "peter-avro01-kafka1")  # named as the users name theirs
MIRRORED = "src." + TOPIC  # MM2's default replication policy: <source alias>.<topic>
INVALID_SUFFIX = "-invalid"  # consumer-2's index for records it could not decode

SCHEMA = json.dumps({
    "type": "record", "name": "Message", "namespace": "peter.avro",
    "doc": "One message of producer-1; partition and seq are its upstream coordinates as producer-1 sent it.",
    "fields": [
        {"name": "partition", "type": "int"},
        {"name": "seq", "type": "long", "doc": "per-partition sequence: the upstream offset producer-1 expects"},
        {"name": "producer", "type": "string"},
        {"name": "sent_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "text", "type": "string"},
    ],
})


def doc_id(topic, partition, seq):
    """The index document id of a record: its upstream coordinates, so a re-delivery overwrites."""
    return f"{topic}-{partition}-{seq}"


def log(name):
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format=f"%(asctime)s {name} %(levelname)s %(message)s")
    for noisy in ("httpx", "opensearch", "urllib3"):  # a line per registry or index request otherwise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return logging.getLogger(name)


class Metrics:
    """Counters and gauges of one app, served as Prometheus text at http://ADDR/metrics."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.values = {}  # (name, labels tuple) -> value
        self.help = {}

    def define(self, name, kind, text):
        self.help[name] = (kind, text)

    def add(self, name, n=1, **labels):
        key = (name, tuple(sorted(labels.items())))
        with self.lock:
            self.values[key] = self.values.get(key, 0) + n

    def set(self, name, v, **labels):
        with self.lock:
            self.values[(name, tuple(sorted(labels.items())))] = v

    def get(self, name, **labels):
        with self.lock:
            return self.values.get((name, tuple(sorted(labels.items()))), 0)

    def text(self):
        out = []
        with self.lock:
            items = sorted(self.values.items())
        for name, (kind, text) in sorted(self.help.items()):
            out.append(f"# HELP {name} {text}\n# TYPE {name} {kind}\n")
            for (n, labels), v in items:
                if n != name:
                    continue
                lab = ",".join(f'{k}="{v2}"' for k, v2 in (("app", self.app),) + labels)
                out.append(f"{name}{{{lab}}} {v}\n")
        return "".join(out)

    def serve(self, addr):
        host, port = addr.rsplit(":", 1)
        metrics = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                body = metrics.text().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        srv = http.server.ThreadingHTTPServer((host, int(port)), Handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return srv


class Stop:
    """Set by SIGTERM/SIGINT: the apps finish their batch and exit cleanly."""

    def __init__(self):
        self.flag = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: self.flag.set())
        signal.signal(signal.SIGINT, lambda *a: self.flag.set())

    def __bool__(self):
        return self.flag.is_set()

    def sleep(self, s):
        self.flag.wait(s)


def now_ms():
    return int(time.time() * 1000)
