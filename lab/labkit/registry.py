"""Component: the Schema Registry on kafka01:8081 (Apicurio Registry 2.4.2.Final, built into a Quarkus app
by lab/apicurio/pom.xml), serving the Confluent-compatible API at /apis/ccompat/v7 and Micrometer metrics
at /q/metrics.

One registry for both datacenters: the Avro records carry the schema id (the 5-byte header), so producer-1
upstream and consumer-2 downstream must resolve the same ids; its storage is in memory (Apicurio's Kafka and
SQL storage are not available here), so a mirrored copy downstream could not hold the same ids. After a
restart it is empty: producer-1 registers its schema again (docs/datapath.md). Only the system profile has it."""
import glob
import os
import shutil

from .service import Service
from .settings import LAB_DIR
from .topology import up_addr

TARGET = os.path.join(LAB_DIR, "target", "apicurio")
HEAP = os.environ.get("LAB_HEAP_REGISTRY", "384m")
PORT = 8081


def url(t=None):
    return f"http://{up_addr(1)}:{PORT}"


def ccompat(t=None):
    """The Confluent-compatible base URL clients use (confluent-kafka's schema.registry url)."""
    return url() + "/apis/ccompat/v7"


def runner():
    hits = glob.glob(os.path.join(TARGET, "*-runner.jar"))
    return hits[0] if hits else os.path.join(TARGET, "lab-registry-1-runner.jar")


def fetch(t):
    from .java import build_once
    build_once("apicurio", os.path.join(LAB_DIR, "apicurio", "pom.xml"), ["package"],
               lambda: os.path.exists(runner()), extra=["-DskipExternalRepos"], clean=[TARGET])


def services(t):
    if not t.get("datapath"):
        return []
    host = up_addr(1)
    java = shutil.which("java") or "/usr/bin/java"
    cmd = [java, f"-Xmx{HEAP}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
           "-Djava.awt.headless=true", "-Dlab.service=schema-registry",
           f"-Dquarkus.http.host={host}", f"-Dquarkus.http.port={PORT}",
           # No UI or its config fetches; the REST APIs and metrics only.
           "-Dregistry.ui.features.readOnly=true", "-Dquarkus.log.level=INFO",
           "-jar", runner()]
    return [Service("schema-registry", "schema-registry", host, [PORT], cmd,
                    health=("http", f"{ccompat()}/subjects"), start_timeout=120,
                    note="in-memory storage: empty after a restart")]
