"""Java services and tools: the jars of lab/pom.xml (fetched with Maven), JVM command lines, the Kafka tools
by name, their logging configuration."""
import glob
import os
import shutil
import subprocess

from . import settings as S
from .settings import LAB_DIR, LabError, StartFailure
from .util import write


def libs_dir(flavour):
    return os.path.join(LAB_DIR, "target", flavour, "libs")


def ensure_libs(flavour):
    """The jars of lab/pom.xml in lab/target/<flavour>/libs, fetched again whenever the pom changed."""
    import hashlib
    libs = libs_dir(flavour)
    with open(os.path.join(LAB_DIR, "pom.xml"), "rb") as f:
        pom_sum = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(LAB_DIR, "target", flavour, "pom.sha256")
    try:
        with open(stamp) as f:
            current = f.read().strip() == pom_sum
    except OSError:
        current = False
    if current and glob.glob(os.path.join(libs, "kafka_2.13-*.jar")):
        return libs
    fresh = libs + ".new"
    shutil.rmtree(fresh, ignore_errors=True)
    if not shutil.which("mvn"):
        raise LabError("Maven (mvn) is not installed; it is needed once to fetch Kafka from Maven Central "
                       "(apt-get install maven)")
    print(f"lab: fetching Kafka ({flavour}) from Maven Central into {libs} ...", flush=True)
    args = ["mvn", "-q", "-f", os.path.join(LAB_DIR, "pom.xml"), f"-Dlab.libs={fresh}", "dependency:copy-dependencies"]
    if flavour != "default":
        args[2:2] = ["-P", flavour]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise LabError("mvn dependency:copy-dependencies failed:\n" + r.stdout[-3000:])
    # Swap directories: a running lab's JVMs keep reading their (open or same-named) jars meanwhile.
    old = libs + ".old"
    shutil.rmtree(old, ignore_errors=True)
    if os.path.isdir(libs):
        os.rename(libs, old)
    os.rename(fresh, libs)
    shutil.rmtree(old, ignore_errors=True)
    cache = os.path.join(LAB_DIR, "target", flavour, "classes.txt")
    if os.path.exists(cache):
        os.unlink(cache)
    write(stamp, pom_sum + "\n")
    return libs


def jar(flavour, pattern):
    hits = sorted(glob.glob(os.path.join(libs_dir(flavour), pattern)))
    return hits[-1] if hits else None


def java_cmd(flavour, heap, main, args, name, agent=None, jvm=()):
    java = shutil.which("java")
    if not java:
        raise LabError("Java is not installed (apt-get install openjdk-17-jre-headless)")
    log4j = os.path.join(S.STATE, "conf", "log4j2.xml" if flavour == "kraft" else "log4j.properties")
    cmd = [java, f"-Xmx{heap}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
           "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true", f"-Dlab.service={name}",
           f"-Dlog4j.configuration=file:{log4j}", f"-Dlog4j2.configurationFile={log4j}"]
    cmd += list(jvm)
    if agent:
        cmd.append(f"-javaagent:{jar(flavour, 'jmx_prometheus_javaagent-*.jar')}={agent}")
    cmd += ["-cp", os.path.join(libs_dir(flavour), "*"), main] + args
    return cmd


TOOLS = {
    # name: candidate main classes (Kafka 3.9 and 4.x moved some)
    "kafka-topics": ["org.apache.kafka.tools.TopicCommand", "kafka.admin.TopicCommand"],
    "kafka-consumer-groups": ["org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                              "kafka.admin.ConsumerGroupCommand"],
    "kafka-console-producer": ["org.apache.kafka.tools.ConsoleProducer", "kafka.tools.ConsoleProducer"],
    "kafka-console-consumer": ["org.apache.kafka.tools.consumer.ConsoleConsumer", "kafka.tools.ConsoleConsumer"],
    "kafka-delete-records": ["org.apache.kafka.tools.DeleteRecordsCommand", "kafka.admin.DeleteRecordsCommand"],
    "kafka-get-offsets": ["org.apache.kafka.tools.GetOffsetShell", "kafka.tools.GetOffsetShell"],
    "GetOffsetShell": ["org.apache.kafka.tools.GetOffsetShell", "kafka.tools.GetOffsetShell"],
    "kafka-producer-perf-test": ["org.apache.kafka.tools.ProducerPerformance"],
    "kafka-consumer-perf-test": ["org.apache.kafka.tools.ConsumerPerformance", "kafka.tools.ConsumerPerformance"],
    "kafka-configs": ["org.apache.kafka.tools.ConfigCommand", "kafka.admin.ConfigCommand"],
    "kafka-broker-api-versions": ["org.apache.kafka.tools.BrokerApiVersionsCommand",
                                  "kafka.admin.BrokerApiVersionsCommand"],
    "kafka-log-dirs": ["org.apache.kafka.tools.LogDirsCommand", "kafka.admin.LogDirsCommand"],
    "kafka-reassign-partitions": ["org.apache.kafka.tools.reassign.ReassignPartitionsCommand"],
    "kafka-leader-election": ["org.apache.kafka.tools.LeaderElectionCommand"],
    "kafka-metadata-quorum": ["org.apache.kafka.tools.MetadataQuorumCommand"],
    "kafka-storage": ["kafka.tools.StorageTool"],
    "kafka-mirror-maker": ["org.apache.kafka.connect.mirror.MirrorMaker"],
    "zookeeper-shell": ["org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka", "org.apache.zookeeper.ZooKeeperMain"],
}


def class_index(flavour):
    """Class names of the jars that can hold tools, cached beside the jars."""
    cache = os.path.join(LAB_DIR, "target", flavour, "classes.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            return set(f.read().split())
    import zipfile
    names = set()
    for j in glob.glob(os.path.join(libs_dir(flavour), "*.jar")):
        base = os.path.basename(j)
        if not (base.startswith(("kafka", "zookeeper", "connect"))):
            continue
        with zipfile.ZipFile(j) as z:
            for n in z.namelist():
                if n.endswith(".class") and "$" not in n:
                    names.add(n[:-6].replace("/", "."))
    write(cache, "\n".join(sorted(names)) + "\n")
    return names


def tool_cmd(flavour, name, args):
    if name not in TOOLS:
        raise LabError(f"unknown tool {name!r}; known: {', '.join(sorted(TOOLS))}")
    idx = class_index(flavour)
    main = next((c for c in TOOLS[name] if c in idx), None)
    if not main:
        raise LabError(f"tool {name} is not in the {flavour} Kafka jars")
    ensure_conf_logging()
    java = shutil.which("java")
    if not java:
        raise LabError("Java is not installed (apt-get install openjdk-17-jre-headless)")
    tools_log = os.path.join(S.STATE, "conf", "tools-log4j2.xml" if flavour == "kraft" else "tools-log4j.properties")
    return [java, f"-Xmx{S.HEAP['tool']}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{tools_log}", f"-Dlog4j2.configurationFile={tools_log}",
            "-cp", os.path.join(libs_dir(flavour), "*"), main] + args


# ---------------------------------------------------------------- config files


LOG4J1 = """log4j.rootLogger={level}, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.Target={target}
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper={zklevel}
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.reflections=ERROR
"""

LOG4J2 = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders><Console name="out" target="{target}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.reflections" level="ERROR"/>
    <Root level="{level}"><AppenderRef ref="out"/></Root>
  </Loggers>
</Configuration>
"""

def ensure_conf_logging():
    conf = os.path.join(S.STATE, "conf")
    files = {
        "log4j.properties": LOG4J1.format(level="INFO", target="System.out", zklevel="INFO"),
        "tools-log4j.properties": LOG4J1.format(level="WARN", target="System.err", zklevel="ERROR"),
        "log4j2.xml": LOG4J2.format(level="INFO", target="SYSTEM_OUT"),
        "tools-log4j2.xml": LOG4J2.format(level="WARN", target="SYSTEM_ERR"),
    }
    for n, text in files.items():
        p = os.path.join(conf, n)
        if not os.path.exists(p):
            write(p, text)

def run_tool(flavour, name, args, check=True):
    r = subprocess.run(tool_cmd(flavour, name, args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and r.returncode != 0:
        raise StartFailure(None, f"{name} {' '.join(args)} failed:\n{r.stdout[-2000:]}")
    return r.stdout


def build_once(name, pom, goals, built, clean=(), extra=()):
    """Runs `mvn -q -f POM GOALS` unless built() says the output is there and POM and the sources beside it
    (src/) are unchanged since the last build (a stamp lab/target/NAME.pom.sha256). Raises LabError with
    Maven's last lines on failure."""
    import hashlib
    h = hashlib.sha256()
    for path in [pom] + sorted(glob.glob(os.path.join(os.path.dirname(pom), "src", "**", "*"), recursive=True)):
        if os.path.isfile(path):
            h.update(path.encode())
            with open(path, "rb") as f:
                h.update(f.read())
    pom_sum = h.hexdigest()
    stamp = os.path.join(LAB_DIR, "target", f"{name}.pom.sha256")
    try:
        with open(stamp) as f:
            if f.read().strip() == pom_sum and built():
                return
    except OSError:
        pass
    if not shutil.which("mvn"):
        raise LabError(f"Maven (mvn) is not installed; it is needed once to build {name} (apt-get install maven)")
    for d in clean:
        shutil.rmtree(d, ignore_errors=True)
    print(f"lab: building {name} from Maven Central ({os.path.relpath(pom, LAB_DIR)}) ...", flush=True)
    r = subprocess.run(["mvn", "-q", "-f", pom, *extra, *goals], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0 or not built():
        raise LabError(f"mvn {' '.join(goals)} for {name} failed:\n" + r.stdout[-3000:])
    write(stamp, pom_sum + "\n")
