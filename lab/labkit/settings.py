"""The lab's settings, read once from the environment (LAB_PREFIX, LAB_STATE, ...; see `lab --help`), and
its two exceptions. Other modules read the variable ones as `settings.PREFIX` etc. (never copy them at import):
unit tests set them."""
import os
import time

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # lab/
REPO = os.path.dirname(LAB_DIR)
PREFIX = os.environ.get("LAB_PREFIX", "127.0")
STATE = os.path.abspath(os.environ.get("LAB_STATE", os.path.join(REPO, ".lab")))
# Where the exporters are built: a colon-separated list, searched in order (e.g. "build:build-kafka").
BUILDS = [os.path.join(REPO, d) for d in os.environ.get("LAB_BUILD", "build").split(":") if d]
SKIP = {s for s in os.environ.get("LAB_SKIP", "").split(",") if s}

PROFILES = {
    # name: (kafka flavour = maven profile, zookeeper nodes, brokers per cluster)
    "default": ("default", 1, 1),
    "full": ("default", 3, 3),
    "kraft": ("kraft", 0, 1),
    # The users' whole system (issue 10): default plus Schema Registry, OpenSearch, producer-1, consumer-1,
    # consumer-2 and the index audit (the components registry, sink, apps; topology sets t["datapath"]).
    "system": ("default", 1, 1),
}
DATAPATH_PROFILES = {"system"}
MIRROR_TOPICS = os.environ.get("LAB_MIRROR_TOPICS", r"T|mirror-probe|load|lab-.*|test-.*|it-.*|peter-.*")
# Small heaps for a 2-core, shared machine; LAB_HEAP_BROKER=1g etc. override.
HEAP = {k: os.environ.get(f"LAB_HEAP_{k.upper()}", v)
        for k, v in {"zk": "128m", "broker": "448m", "connect": "512m", "tool": "256m"}.items()}
TERM_TIMEOUT = 30
T0 = time.time()


class LabError(Exception):
    pass


class StartFailure(Exception):
    def __init__(self, service, msg):
        super().__init__(msg)
        self.service = service
