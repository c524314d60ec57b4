"""Service: one process of the lab, as plan() declares it and lab.json records it."""

# When a service starts (start_all): "infra" before everything else (what the brokers need at start: the KDC,
# the token endpoint), "brokers" once both clusters' brokers are in the metadata (with the exporters and
# Prometheus), "mm2" once the MM2 connectors run (with the mirror-exporter).
STAGES = ("infra", "brokers", "mm2")


class Service:
    def __init__(self, name, kind, host, ports, cmd=None, health=None, env=None, note="", stage="brokers",
                 start_timeout=60):
        """health: ("tcp", host, port) | ("http", url) (200 is healthy) | ("zk", host); start_timeout: seconds
        `up` waits for it to be healthy (components; the core's are fixed in start_all)."""
        assert stage in STAGES, stage
        self.name, self.kind, self.host, self.ports = name, kind, host, ports
        self.cmd, self.health, self.env, self.note = cmd, health, env, note
        self.stage, self.start_timeout = stage, start_timeout
        self.skip_reason = None
