"""The service plan: every service of a profile, in start order, with its command, ports and health check.

The core (ZooKeeper, WAN proxy, brokers, Connect, the exporters, Prometheus) is written out in plan(); every
other part of the lab is a component: a module of labkit, one line in COMPONENTS. A component module has
  services(t)          -> [Service, ...]      (t: the topology dict; stage= says when each starts)
  configs(t, svcs)     -> {file name: text}   optional; written under $LAB_STATE/conf on a fresh `up`
  after_start(t, svcs)                        optional; runs once its services are healthy (seeding etc.)
  topics(t)            -> {topic: partitions} optional; made upstream on a fresh `up`, before the mm2 stage
  fetch(t)                                    optional; builds or fetches what its services run (`up`, `fetch`;
                                              for the data path's profiles, or every one with FETCH_ALWAYS)
"""
import os
import shutil
import sys

from . import alerting, apps, kerberos, oauth, registry, secure, sink
from . import settings as S
from .configs import jmx_rules
from .exporters import check_flags, exporter_bin
from .java import java_cmd
from .service import Service
from .settings import LAB_DIR, PROFILES, REPO
from .topology import (CONTROLLER_PORT, NODE_PORT, PROMETHEUS_PORT, WAN_PORT, dn_addr, hostname, up_addr,
                       wan_addr)


def plan(t):
    """Every service of the profile, in start order, with the command that runs it. Raises LabError when a
    built exporter does not know a flag the lab gives it."""
    flavour, zks, brokers = PROFILES[t["profile"]]
    svcs = []
    for n in range(1, zks + 1):
        cfg = os.path.join(S.STATE, "conf", f"zookeeper0{n}.cfg")
        svcs.append(Service(f"zookeeper0{n}", "zookeeper", dn_addr(n), [2181] + ([2888, 3888] if zks > 1 else []),
                            java_cmd(flavour, S.HEAP["zk"], "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                                     [cfg], f"zookeeper0{n}"),
                            health=("zk", dn_addr(n))))
    wan_routes = []
    for n in range(1, brokers + 1):
        wan_routes += ["--route", f"{wan_addr(n)}:{WAN_PORT}={up_addr(n)}:{WAN_PORT}"]
    svcs.append(Service("wan", "wan-proxy", wan_addr(1), [WAN_PORT],
                        [sys.executable, os.path.join(LAB_DIR, "wanproxy.py"), "--control",
                         os.path.join(S.STATE, "run", "wan.sock")] + wan_routes,
                        health=("tcp", wan_addr(1), WAN_PORT),
                        note=", ".join(f"{wan_addr(n)}:{WAN_PORT}->{up_addr(n)}:{WAN_PORT}"
                                       for n in range(1, brokers + 1))))
    for side in ("upstream", "downstream"):
        for n in range(1, brokers + 1):
            name = f"kafka0{n}" if side == "upstream" else f"zk0{n}"
            host = up_addr(n) if side == "upstream" else dn_addr(n)
            ports = ([9092] + ([WAN_PORT] if side == "upstream" else [])
                     + ([CONTROLLER_PORT] if flavour == "kraft" else []) + [7071])
            jvm = []
            if side == "upstream" and t.get("secure"):
                ports += [secure.SASL_SSL_PORT, secure.SSL_PORT]
            if side == "upstream" and t.get("kerberos"):
                ports.append(kerberos.SASL_PORT)
                jvm = kerberos.jvm_flags(t["kerberos"]) + oauth.jvm_flags(t["oauth"])
            cfg = os.path.join(S.STATE, "conf", f"{name}.properties")
            svcs.append(Service(name, f"broker-{side}", host, ports,
                                java_cmd(flavour, S.HEAP["broker"], "kafka.Kafka", [cfg], name,
                                         agent=f"{host}:7071:{jmx_rules('broker')}", jvm=jvm),
                                health=("tcp", host, 9092)))
    svcs.append(Service("connect", "connect", dn_addr(1), [8083, 7072],
                        java_cmd(flavour, S.HEAP["connect"], "org.apache.kafka.connect.cli.ConnectDistributed",
                                 [os.path.join(S.STATE, "conf", "connect.properties")], "connect",
                                 agent=f"{dn_addr(1)}:7072:{jmx_rules('connect')}"),
                        health=("http", f"{t['connect']}/")))
    # The project's exporters, when built.
    nel = exporter_bin("node-exporter-lite")
    for host in [up_addr(n) for n in range(1, brokers + 1)] + [dn_addr(n) for n in range(1, max(brokers, zks) + 1)]:
        hn = hostname(host)
        s = Service(f"node-exporter-{hn}", "node-exporter-lite", host, [NODE_PORT],
                    [nel, f"--web.listen-address={host}:{NODE_PORT}"],
                    health=("http", f"http://{host}:{NODE_PORT}/metrics"))
        svcs.append(s)
    kex = exporter_bin("kafka-exporter")
    for name, side, host, chroot in (("kafka-exporter-up", "upstream", up_addr(1), "kafka3"),
                                     ("kafka-exporter-down", "downstream", dn_addr(1), "kafka4")):
        flags = [f"--web.listen-address={host}:9308", f"--kafka.labels=cluster={side}"]
        flags += [f"--kafka.server={b}" for b in t[side].split(",")]
        if zks:
            flags.append(f"--zookeeper.server={t['zookeeper']}/{chroot}")
        svcs.append(Service(name, "kafka-exporter", host, [9308], [kex] + flags,
                            health=("http", f"http://{host}:9308/metrics")))
    mex = exporter_bin("mirror-exporter")
    # Downstream beside MM2, reading and probing upstream across the WAN as MM2 does (the users' deployment):
    # a WAN cut or a lost upstream datacenter shows here as mirror_up{side="source"} 0.
    mflags = [f"--web.listen-address={dn_addr(1)}:9309", f"--source.kafka.server={t['upstream_wan']}",
              f"--target.kafka.server={t['downstream']}", "--source.alias=src", "--target.alias=dst",
              "--probe.topic=mirror-probe", f"--probe.partitions={brokers}",
              f"--probe.replication-factor={brokers}", f"--connect.url={t['connect']}"]
    svcs.append(Service("mirror-exporter", "mirror-exporter", dn_addr(1), [9309], [mex] + mflags,
                        health=("http", f"http://{dn_addr(1)}:9309/metrics")))
    prom_cfg = os.path.join(S.STATE, "conf", "prometheus.yml")
    svcs.append(Service("prometheus", "prometheus", up_addr(1), [PROMETHEUS_PORT],
                        [shutil.which("prometheus") or "/usr/bin/prometheus", f"--config.file={prom_cfg}",
                         f"--storage.tsdb.path={os.path.join(S.STATE, 'data', 'prometheus')}",
                         f"--web.listen-address={up_addr(1)}:{PROMETHEUS_PORT}", "--storage.tsdb.retention.time=1d",
                         "--web.enable-lifecycle", "--web.enable-admin-api",
                         # The bundle's console views at /consoles/ (prometheus/consoles, prometheus/console_libraries).
                         f"--web.console.templates={os.path.join(REPO, 'prometheus', 'consoles')}",
                         f"--web.console.libraries={os.path.join(REPO, 'prometheus', 'console_libraries')}"],
                        health=("http", f"{t['prometheus']}/-/ready")))
    for c in COMPONENTS:
        svcs += c.services(t)
    for s in svcs:
        exe = s.cmd[0]
        if s.name in S.SKIP or s.kind in S.SKIP:
            s.skip_reason = "skipped by LAB_SKIP"
        elif not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            s.skip_reason = f"binary missing: {exe}"
        elif s.kind in ("node-exporter-lite", "kafka-exporter", "mirror-exporter"):
            check_flags(exe, s.cmd[1:])
    return svcs


# The lab's components beyond the core, in start order (see the module comment): one line each.
COMPONENTS = [
    kerberos,  # the KDC of realm LAB.TEST (stage infra); the brokers' GSSAPI listener is in configs.broker_props
    oauth,     # lab/oidc.py, the OAUTHBEARER token endpoint (stage infra)
    registry,
    sink,
    apps,
    alerting,  # a Prometheus per datacenter, the two Alertmanager peers, VictoriaMetrics, the webhook recorder
]
