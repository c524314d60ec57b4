"""Addresses: which host is where for a LAB_PREFIX (docs/layout.md), and the topology dict of a profile."""
from . import kerberos, secure
from . import settings as S
from .settings import PROFILES


# The layout's ports that Debian's prometheus, prometheus-node-exporter and prometheus-alertmanager packages bind
# on every address (0.0.0.0 / [::]): a lab service on 127.N.x.y at the same port could not start beside them, so
# the lab serves these at +10000 (Prometheus 19090, node-exporter-lite 19100, the brokers' WAN listener and its
# proxy 19093, the KRaft controller 19094). Every other port is the layout's (docs/layout.md).
LAB_PORTS = {9090: 19090, 9100: 19100, 9093: 19093, 9094: 19094}
PROMETHEUS_PORT, NODE_PORT, WAN_PORT, CONTROLLER_PORT = (LAB_PORTS[p] for p in (9090, 9100, 9093, 9094))


def lab_port(port):
    """The lab's port for a port of the layout (the same but for LAB_PORTS)."""
    return LAB_PORTS.get(port, port)


def up_addr(n):
    return f"{S.PREFIX}.10.{n}"


def dn_addr(n):
    return f"{S.PREFIX}.20.{n}"


def wan_addr(n):
    return f"{S.PREFIX}.30.{n}"


def topology(profile):
    flavour, zks, brokers = PROFILES[profile]
    t = {
        "profile": profile,
        "flavour": flavour,
        "prefix": S.PREFIX,
        "state": S.STATE,
        "zookeeper": ",".join(f"{dn_addr(i)}:2181" for i in range(1, zks + 1)),
        "upstream": ",".join(f"{up_addr(i)}:9092" for i in range(1, brokers + 1)),
        "downstream": ",".join(f"{dn_addr(i)}:9092" for i in range(1, brokers + 1)),
        "upstream_wan": ",".join(f"{wan_addr(i)}:{WAN_PORT}" for i in range(1, brokers + 1)),
        "connect": f"http://{dn_addr(1)}:8083",
        "prometheus": f"http://{up_addr(1)}:{PROMETHEUS_PORT}",
        "brokers": brokers,
        "hosts": {},
        "datapath": profile in S.DATAPATH_PROFILES,
    }
    t.update(secure.bootstraps(up_addr, brokers))
    t.update(kerberos.bootstraps(up_addr, brokers))
    if zks:
        t["zookeeper_upstream"] = t["zookeeper"] + "/kafka3"
        t["zookeeper_downstream"] = t["zookeeper"] + "/kafka4"
    for i in range(1, 4):
        t["hosts"][f"kafka0{i}"] = up_addr(i)
        t["hosts"][f"zk0{i}"] = dn_addr(i)
    return t

def hostname(addr):
    tail_ = addr[len(S.PREFIX) + 1:]
    side, n = tail_.split(".")
    return {"10": "kafka0", "20": "zk0", "30": "wan"}[side] + n
