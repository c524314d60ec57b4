#!/usr/bin/env python3
"""Generates the Grafana dashboards (dashboards/*.json) from one description, so every panel shares the same
datasource variable, labels and conventions. Run `dashboards/build.py` after editing; tests check the JSON is current."""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
DS = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39


def datacenter_var():
    # Which datacenter's series: on the global view (VictoriaMetrics) both meet; a datacenter's own Prometheus
    # has its side only. Every selector filters on it, before cluster.
    return query_var("datacenter", "Datacenter", "label_values(up, datacenter)", multi=True, include_all=True)


def datasource_var():
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
            "current": {"text": "Prometheus", "value": "prometheus"}, "hide": 0, "refresh": 1,
            "regex": "", "includeAll": False, "multi": False, "options": []}


def query_var(name, label, query, multi=False, include_all=False, hide=0):
    v = {"name": name, "label": label, "type": "query", "datasource": DS,
         "query": {"query": query, "refId": f"{name}-var", "qryType": 1},
         "refresh": 2, "sort": 1, "hide": hide, "regex": "",
         "includeAll": include_all, "multi": multi, "options": []}
    if include_all:
        v["allValue"] = ".*"
        v["current"] = {"text": ["All"], "value": ["$__all"]} if multi else {"text": "All", "value": "$__all"}
    return v


def target(expr, legend="", ref="A", fmt=None, instant=False):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend or "__auto", "refId": ref, "range": not instant,
         "instant": instant, "editorMode": "code"}
    if fmt:
        t["format"] = fmt
    return t


class Layout:
    """Places panels left to right on Grafana's 24-column grid."""

    def __init__(self):
        self.x = self.y = self.row_h = 0
        self.next_id = 1
        self.panels = []

    def add(self, panel, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        panel["id"] = self.next_id
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.next_id += 1
        self.x += w
        self.row_h = max(self.row_h, h)
        self.panels.append(panel)

    def row(self, title):
        self.x, self.y = 0, self.y + self.row_h
        self.row_h = 0
        self.add({"type": "row", "title": title, "collapsed": False, "panels": []}, 24, 1)
        self.x, self.y, self.row_h = 0, self.y + 1, 0


def field_defaults(unit, thresholds=None, min_=None, color="palette-classic"):
    d = {"unit": unit, "color": {"mode": color}, "mappings": [],
         "thresholds": {"mode": "absolute", "steps": thresholds or [{"color": "green", "value": None}]}}
    if min_ is not None:
        d["min"] = min_
    return d


def timeseries(title, targets, unit="short", desc="", stack=False):
    defaults = field_defaults(unit)
    defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                          "spanNulls": False, "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    return {"type": "timeseries", "title": title, "description": desc, "datasource": DS, "targets": targets,
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                                   "calcs": ["lastNotNull", "max"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


def stat(title, targets, unit="short", thresholds=None, desc=""):
    return {"type": "stat", "title": title, "description": desc, "datasource": DS, "targets": targets,
            "fieldConfig": {"defaults": field_defaults(unit, thresholds, color="thresholds"), "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "background", "graphMode": "area", "textMode": "auto",
                        "justifyMode": "auto", "orientation": "auto"}}


def table(title, targets, unit="short", desc=""):
    return {"type": "table", "title": title, "description": desc, "datasource": DS, "targets": targets,
            "fieldConfig": {"defaults": field_defaults(unit), "overrides": []},
            "options": {"showHeader": True, "cellHeight": "sm"},
            "transformations": [{"id": "merge", "options": {}},
                                {"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True,
                                                                                  "job": True}}}]}


def heatmap(title, targets, desc=""):
    return {"type": "heatmap", "title": title, "description": desc, "datasource": DS, "targets": targets,
            "fieldConfig": {"defaults": {"custom": {"hideFrom": {"legend": False, "tooltip": False,
                                                                  "viz": False}}}, "overrides": []},
            "options": {"calculate": False, "yAxis": {"unit": "s", "axisPlacement": "left"},
                        "cellGap": 1, "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
                        "rowsFrame": {"layout": "auto"}, "tooltip": {"mode": "single", "yHistogram": True},
                        "legend": {"show": True}}}


# The Kafka clusters dashboard's KRaft row: its panels have data on KRaft clusters only (tests check them there).
KRAFT_ROW = "KRaft: controllers and metadata quorum (JMX)"
RED_IF_ANY = [{"color": "green", "value": None}, {"color": "red", "value": 1}]
RED_IF_NONE = [{"color": "red", "value": None}, {"color": "green", "value": 1}]


def dashboard(uid, title, desc, tags, variables, layout):
    return {"uid": uid, "title": title, "description": desc, "tags": ["kafka-monitoring", *tags],
            "schemaVersion": SCHEMA_VERSION, "version": 1, "editable": True, "graphTooltip": 1,
            "refresh": "10s", "time": {"from": "now-30m", "to": "now"}, "timezone": "browser",
            "fiscalYearStartMonth": 0, "liveNow": False, "weekStart": "",
            "timepicker": {"refresh_intervals": ["5s", "10s", "30s", "1m", "5m"]},
            "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                      "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                      "name": "Annotations & Alerts", "type": "dashboard"}]},
            "links": [{"title": "Kafka monitoring", "type": "dashboards", "tags": ["kafka-monitoring"],
                       "asDropdown": True, "icon": "external link", "includeVars": True, "keepTime": True,
                       "targetBlank": False, "tooltip": ""}],
            "templating": {"list": [datasource_var(), datacenter_var(), *variables]}, "panels": layout.panels}


# --------------------------------------------------------------------------------------------------------------
def kafka_clusters():
    c = 'datacenter=~"$datacenter", cluster=~"$cluster"'
    ct = 'datacenter=~"$datacenter", cluster=~"$cluster", topic=~"$topic"'
    lay = Layout()
    lay.row("Cluster health")
    lay.add(stat("Reachable", [target(f"min by (cluster) (kafka_up{{{c}}})", "{{cluster}}")],
                 thresholds=RED_IF_NONE, desc="kafka_up: 1 when the exporter's last metadata request answered."), 4, 4)
    lay.add(stat("Brokers", [target(f"max by (cluster) (kafka_brokers{{{c}}})", "{{cluster}}")]), 4, 4)
    lay.add(stat("Controller id", [target(f"max by (cluster) (kafka_controller_id{{{c}}})", "{{cluster}}")],
                 thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 0}],
                 desc="The broker id of the active controller; -1 when there is none."), 4, 4)
    lay.add(stat("Active controllers (JMX)",
                 [target(f"sum by (cluster) (kafka_controller_kafkacontroller_activecontrollercount{{{c}}})",
                         "{{cluster}}")],
                 thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1},
                             {"color": "red", "value": 2}],
                 desc="Exactly one broker per cluster must say it is the controller."), 4, 4)
    lay.add(stat("Topics", [target(f"count by (cluster) (kafka_topic_partitions{{{c}}})", "{{cluster}}")]), 4, 4)
    lay.add(stat("Partitions", [target(f"sum by (cluster) (kafka_topic_partitions{{{c}}})", "{{cluster}}")]), 4, 4)
    lay.add(stat("Under-replicated partitions",
                 [target(f"sum by (cluster) (kafka_topic_partition_under_replicated_partition{{{c}}})",
                         "{{cluster}}")], thresholds=RED_IF_ANY), 6, 4)
    lay.add(stat("Under min ISR",
                 [target(f"sum by (cluster) (kafka_topic_partition_under_min_isr{{{c}}})", "{{cluster}}")],
                 thresholds=RED_IF_ANY, desc="Partitions with fewer in-sync replicas than min.insync.replicas: "
                 "acks=all producers fail on them."), 6, 4)
    lay.add(stat("Offline partitions",
                 [target(f"sum by (cluster) (kafka_topic_partition_offline{{{c}}})", "{{cluster}}")],
                 thresholds=RED_IF_ANY, desc="Partitions without a leader."), 6, 4)
    lay.add(stat("Leader not preferred",
                 [target(f"count by (cluster) (kafka_topic_partition_leader_is_preferred{{{c}}} == 0) "
                         f"or on (cluster) (0 * max by (cluster) (kafka_brokers{{{c}}}))", "{{cluster}}")],
                 desc="Partitions whose leader is not the preferred replica (run a preferred election)."), 6, 4)

    lay.row("Throughput by topic")
    lay.add(timeseries("Messages in per topic", [
        target(f"cluster_topic:kafka_topic_partition_current_offset:rate1m{{{ct}}}", "{{cluster}} {{topic}}")],
        unit="short", desc="Growth of the partitions' end offsets (kafka-exporter), in records/s "
        "(recording rule, prometheus/rules/recording.yml)."), 12, 8)
    lay.add(timeseries("Bytes in / out per topic (JMX)", [
        target(f"sum by (cluster, topic) (rate(kafka_server_brokertopicmetrics_bytesin_total{{{ct}}}"
               f"[$__rate_interval]))", "in {{cluster}} {{topic}}", "A"),
        target(f"-sum by (cluster, topic) (rate(kafka_server_brokertopicmetrics_bytesout_total{{{ct}}}"
               f"[$__rate_interval]))", "out {{cluster}} {{topic}}", "B")], unit="Bps"), 12, 8)
    lay.add(timeseries("Messages in per broker (JMX)", [
        target(f'sum by (cluster, instance) (rate(kafka_server_brokertopicmetrics_messagesin_total{{{c}, topic=""}}'
               f"[$__rate_interval]))", "{{instance}}")], unit="short"), 12, 8)
    lay.add(timeseries("Log size per topic (JMX)", [
        target(f"sum by (cluster, topic) (kafka_log_log_size{{{ct}}})", "{{cluster}} {{topic}}")],
        unit="bytes"), 12, 8)

    lay.row("Partitions")
    lay.add(table("Partitions per topic", [
        target(f"kafka_topic_partitions{{{ct}}}", "", "A", fmt="table", instant=True)]), 8, 8)
    lay.add(timeseries("Under-replicated partitions per topic", [
        target(f"cluster_topic:kafka_topic_partition_under_replicated_partition:sum{{{ct}}}",
               "{{cluster}} {{topic}}")]), 8, 8)
    lay.add(timeseries("In-sync replicas vs replicas", [
        target(f"sum by (cluster, topic) (kafka_topic_partition_in_sync_replica{{{ct}}})",
               "ISR {{cluster}} {{topic}}", "A"),
        target(f"sum by (cluster, topic) (kafka_topic_partition_replicas{{{ct}}})",
               "replicas {{cluster}} {{topic}}", "B")]), 8, 8)

    lay.row("Brokers (JMX)")
    lay.add(timeseries("Partitions and leaders per broker", [
        target(f"kafka_server_replicamanager_partitioncount{{{c}}}", "partitions {{instance}}", "A"),
        target(f"kafka_server_replicamanager_leadercount{{{c}}}", "leaders {{instance}}", "B")]), 8, 8)
    lay.add(timeseries("Request time p99", [
        target(f'max by (cluster, request) (kafka_network_requestmetrics_totaltimems{{{c}, quantile="0.99", '
               f'request=~"Produce|FetchConsumer|FetchFollower|Metadata"}})', "{{cluster}} {{request}}")],
        unit="ms"), 8, 8)
    lay.add(timeseries("Request handler and network idle", [
        target(f"kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{{{c}}}",
               "handlers {{instance}}", "A"),
        target(f"kafka_network_socketserver_networkprocessoravgidlepercent{{{c}}}", "network {{instance}}", "B")],
        unit="percentunit"), 8, 8)

    # KRaft (Kafka 4) only: in ZooKeeper mode these series do not exist and the row shows no data.
    lay.row(KRAFT_ROW)
    lay.add(stat("Quorum leader", [target(f"max by (cluster) (kafka_server_raft_metrics_current_leader{{{c}}})",
                                          "{{cluster}}")],
                 thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 0}],
                 desc="Node id of the metadata quorum's leader (the active controller) as the nodes see it; -1: none "
                 "(KafkaNoActiveController)."), 4, 4)
    lay.add(stat("Voters", [target(f"max by (cluster) (kafka_server_raft_metrics_number_of_voters{{{c}}})",
                                   "{{cluster}}")], desc="Controllers in the metadata quorum."), 4, 4)
    lay.add(stat("Fenced brokers", [target(f"max by (cluster) (kafka_controller_kafkacontroller_fencedbrokercount{{{c}}})",
                                           "{{cluster}}")], thresholds=RED_IF_ANY,
                 desc="Brokers the controller fenced (missed heartbeats): they lead no partition."), 4, 4)
    lay.add(stat("Metadata version", [target(f"max by (cluster) (kafka_server_metadataloader_currentmetadataversion{{{c}}})",
                                             "{{cluster}}")],
                 desc="metadata.version feature level (KIP-938); 4.x features need the finalized level raised."), 4, 4)
    lay.add(stat("Elections (1h)", [target(
        f"sum by (cluster) (increase(kafka_controller_kafkacontroller_newactivecontrollers_total{{{c}}}[1h]))",
        "{{cluster}}")], desc="Times a controller became active in the last hour (KIP-938 NewActiveControllersCount); "
        "more than a few: a flapping quorum."), 4, 4)
    lay.add(stat("Heartbeat time-outs (1h)", [target(
        f"sum by (cluster) (increase(kafka_controller_kafkacontroller_timedoutbrokerheartbeat_total{{{c}}}[1h]))",
        "{{cluster}}")], thresholds=RED_IF_ANY,
        desc="Broker heartbeats the controller timed out in the last hour (KIP-938)."), 4, 4)
    lay.add(timeseries("Metadata log commits", [
        target(f"max by (cluster) (rate(kafka_server_raft_metrics_high_watermark{{{c}}}[$__rate_interval]))",
               "{{cluster}}")], unit="short",
        desc="Growth of the quorum's high watermark, records/s. About 1-2/s on an idle healthy quorum (a NoOpRecord "
        "every 500 ms); 0: nothing commits (KafkaKRaftQuorumNotCommitting)."), 8, 8)
    lay.add(timeseries("Voter lag", [
        target(f"max by (cluster) (kafka_server_raft_metrics_log_end_offset{{{c}}}) - on (cluster) group_right "
               f"kafka_server_raft_metrics_log_end_offset{{{c}}}", "{{instance}}")], unit="short",
        desc="Records each node's metadata log ends behind the furthest one (KafkaKRaftVoterLagging over 100)."), 8, 8)
    lay.add(timeseries("Commit latency and applied lag", [
        target(f"kafka_server_raft_metrics_commit_latency_max{{{c}}}", "commit max {{instance}}", "A"),
        target(f"kafka_controller_kafkacontroller_lastappliedrecordlagms{{{c}}}", "controller applied {{instance}}", "B"),
        target(f"kafka_server_broker_metadata_metrics_last_applied_record_lag_ms{{{c}}}",
               "broker applied {{instance}}", "C")], unit="ms",
        desc="How long a metadata record takes to commit, and how old the last record each controller and broker "
        "applied is (under a second with the 500 ms NoOp records)."), 8, 8)

    variables = [
        query_var("cluster", "Cluster", 'label_values(kafka_brokers{datacenter=~"$datacenter"}, cluster)', multi=True, include_all=True),
        query_var("topic", "Topic", 'label_values(kafka_topic_partitions{datacenter=~"$datacenter", cluster=~"$cluster"}, topic)',
                  multi=True, include_all=True),
    ]
    return dashboard("kafka-clusters", "Kafka clusters",
                     "Brokers, controller, partitions and their health, throughput by topic, for both clusters.",
                     ["kafka"], variables, lay)


def consumer_lag():
    sel = 'datacenter=~"$datacenter", cluster=~"$cluster", consumergroup=~"$consumergroup", topic=~"$topic"'
    lay = Layout()
    lay.row("Lag")
    lay.add(stat("Lag (messages)", [
        target(f"sum by (cluster, consumergroup) (kafka_consumergroup_lag{{{sel}}})",
               "{{cluster}} {{consumergroup}}")]), 8, 5)
    lay.add(stat("Lag (time)", [
        target(f"max by (cluster, consumergroup) (kafka_consumergroup_lag_seconds{{{sel}}})",
               "{{cluster}} {{consumergroup}}")], unit="s",
        thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 60},
                    {"color": "red", "value": 300}],
        desc="Age of the oldest record the group has not consumed yet (KafkaConsumerLagTooOld fires past 300 s)."),
        8, 5)
    lay.add(stat("Members", [
        target(f'max by (cluster, consumergroup) (kafka_consumergroup_members{{datacenter=~"$datacenter", cluster=~"$cluster", '
               f'consumergroup=~"$consumergroup"}})', "{{cluster}} {{consumergroup}}")]), 8, 5)
    lay.add(timeseries("Lag in messages per group and topic", [
        target(f"cluster_consumergroup_topic:kafka_consumergroup_lag:sum{{{sel}}}",
               "{{cluster}} {{consumergroup}} {{topic}}")]), 12, 9)
    lay.add(timeseries("Lag in seconds per group and topic", [
        target(f"cluster_consumergroup_topic:kafka_consumergroup_lag_seconds:max{{{sel}}}",
               "{{cluster}} {{consumergroup}} {{topic}}")], unit="s"), 12, 9)

    lay.row("Rates")
    lay.add(timeseries("Consumed vs produced (records/s)", [
        target(f"sum by (cluster, consumergroup, topic) "
               f"(rate(kafka_consumergroup_current_offset{{{sel}}}[$__rate_interval]))",
               "consumed {{cluster}} {{consumergroup}} {{topic}}", "A"),
        target('sum by (cluster, topic) (rate(kafka_topic_partition_current_offset{datacenter=~"$datacenter", cluster=~"$cluster", '
               'topic=~"$topic"}[$__rate_interval]))', "produced {{cluster}} {{topic}}", "B")]), 24, 8)

    lay.row("Per partition")
    lay.add(table("Lag per partition", [
        target(f"kafka_consumergroup_lag{{{sel}}}", "", "A", fmt="table", instant=True),
        target(f"kafka_consumergroup_lag_seconds{{{sel}}}", "", "B", fmt="table", instant=True)]), 24, 9)

    variables = [
        query_var("cluster", "Cluster", 'label_values(kafka_consumergroup_lag{datacenter=~"$datacenter"}, cluster)', multi=True,
                  include_all=True),
        query_var("consumergroup", "Consumer group",
                  'label_values(kafka_consumergroup_lag{datacenter=~"$datacenter", cluster=~"$cluster"}, consumergroup)', multi=True,
                  include_all=True),
        query_var("topic", "Topic",
                  'label_values(kafka_consumergroup_lag{datacenter=~"$datacenter", cluster=~"$cluster", consumergroup=~"$consumergroup"}, '
                  'topic)', multi=True, include_all=True),
    ]
    return dashboard("kafka-consumer-lag", "Consumer lag",
                     "Consumer group lag in messages and in seconds, per group, topic and partition.",
                     ["kafka", "lag"], variables, lay)


def mirrormaker2():
    c = 'datacenter=~"$datacenter", cluster=~"$cluster"'
    ct = 'datacenter=~"$datacenter", cluster=~"$cluster", topic=~"$topic"'
    # MM2's JMX names the remote topic (<alias>.<topic>); the mirror-exporter names the upstream one.
    cjt = 'datacenter=~"$datacenter", cluster=~"$cluster", topic=~"(.+\\\\.)?($topic)"'
    lay = Layout()
    lay.row("Is anything lost?")
    lay.add(stat("Source / target reachable", [target(f"mirror_up{{{c}}}", "{{side}}")], thresholds=RED_IF_NONE),
            4, 5)
    lay.add(stat("Probes lost (10m)", [
        target(f"cluster:mirror_probe_lost:increase10m{{{c}}}", "{{cluster}}")],
        thresholds=RED_IF_ANY, desc="Probes not mirrored by the loss deadline (MirrorProbeLoss fires)."), 5, 5)
    lay.add(stat("Records expired before mirroring", [
        target(f"sum by (cluster) (mirror_records_expired_total{{{ct}}})", "{{cluster}}")],
        thresholds=RED_IF_ANY, desc="Deleted upstream before MM2 copied them: real loss."), 5, 5)
    lay.add(stat("Latency p50 / p90 / p99 (5m)", [
        target(f"cluster:mirror_probe_latency_seconds:{q}_5m{{{c}}}", q, ref)
        for q, ref in (("p50", "A"), ("p90", "B"), ("p99", "C"))], unit="s",
        thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 10},
                    {"color": "red", "value": 30}]), 5, 5)
    lay.add(stat("Probes in flight", [target(f"sum by (cluster) (mirror_probe_in_flight{{{c}}})", "{{cluster}}")]),
            5, 5)

    lay.row("Probe latency")
    lay.add(timeseries("Mirror latency percentiles", [
        target(f"histogram_quantile({q}, sum by (le) (rate(mirror_probe_latency_seconds_bucket{{{c}}}"
               f"[$__rate_interval])))", f"p{int(q * 100)}", ref)
        for q, ref in ((0.5, "A"), (0.9, "B"), (0.99, "C"))], unit="s"), 12, 9)
    lay.add(heatmap("Mirror latency heatmap", [
        target(f"sum by (le) (increase(mirror_probe_latency_seconds_bucket{{{c}}}[$__rate_interval]))",
               "{{le}}", fmt="heatmap")]), 12, 9)

    lay.row("Probe accounting")
    lay.add(timeseries("Probes per second", [
        target(f"sum(rate(mirror_probe_{k}_total{{{c}}}[$__rate_interval]))", k, ref)
        for k, ref in (("sent", "A"), ("received", "B"), ("lost", "C"), ("duplicated", "D"),
                       ("reordered", "E"), ("late", "F"), ("send_errors", "G"))]), 12, 8)
    lay.add(timeseries("Stall ages", [
        target(f"max by (partition) (mirror_probe_last_received_age_seconds{{{c}}})",
               "since last probe p{{partition}}", "A"),
        target(f"max by (partition) (mirror_probe_oldest_in_flight_age_seconds{{{c}}})",
               "oldest in flight p{{partition}}", "B")], unit="s",
        desc="Both keep growing while the mirror is stopped."), 12, 8)

    lay.row("Mirrored topics")
    lay.add(timeseries("Offset lag per partition (records)", [
        target(f"mirror_lag_records{{{ct}}}", "{{topic}}/{{partition}}")],
        desc="Upstream end offset minus MirrorMaker 2's position (from its offset-syncs topic)."), 8, 8)
    lay.add(timeseries("Offset lag per topic (records)", [
        target(f"cluster_topic:mirror_lag_records:sum{{{ct}}}", "{{topic}}")]), 8, 8)
    lay.add(timeseries("No progress", [
        target(f"max by (topic) (mirror_no_progress{{{ct}}})", "{{topic}}")],
        desc="1 while a partition lags and MM2's position does not move."), 8, 8)

    lay.row("MirrorMaker 2 health")
    lay.add(timeseries("Heartbeat age", [
        target(f"mirror_heartbeat_age_seconds{{{c}}}", "{{source}}")], unit="s"), 8, 8)
    lay.add(timeseries("Checkpoint age per group", [
        target(f'mirror_checkpoint_age_seconds{{{c}, consumergroup=~"$consumergroup"}}', "{{consumergroup}}")],
        unit="s"), 8, 8)
    lay.add(timeseries("Connect tasks", [
        target(f"sum by (connector) (kafka_connect_worker_connector_running_task_count{{{c}}})",
               "running {{connector}}", "A"),
        target(f"sum by (connector) (kafka_connect_worker_connector_failed_task_count{{{c}}})",
               "failed {{connector}}", "B")]), 8, 8)

    lay.row("Kafka Connect's view (REST API)")
    lay.add(stat("Connect REST reachable", [target(f'mirror_up{{{c}, side="connect"}}', "{{cluster}}")],
                 thresholds=RED_IF_NONE,
                 desc="mirror-exporter asks GET /connectors?expand=status each scrape (--connect.url)."), 4, 8)
    lay.add(stat("Tasks FAILED", [
        target(f'count(mirror_connect_failed_info{{{c}}}) or vector(0)', "failed")], thresholds=RED_IF_ANY,
        desc="MirrorMakerTaskFailed fires. curl <connect>/connectors/<name>/status for the trace, fix the cause, "
             "then POST <connect>/connectors/<name>/restart?includeTasks=true&onlyFailed=true."), 4, 8)
    lay.add(table("Connector and task states", [
        target(f'mirror_connect_task_state{{{c}}} == 1', "", "A", fmt="table", instant=True)],
        desc="One row per task: its state and worker (mirror_connect_failed_info names a FAILED one's exception "
             "class)."), 10, 8)
    lay.add(timeseries("Time in state", [
        target(f'mirror_connect_task_state_age_seconds{{{c}}}', "{{connector}}/{{task}}")], unit="s",
        desc="Since the task entered its state, as the exporter saw it."), 6, 8)

    lay.row("MirrorMaker 2's own JMX metrics")
    lay.add(timeseries("Replication latency (MM2 JMX, max)", [
        target(f"max by (topic) (kafka_connect_mirror_source_connector_replication_latency_ms_max{{{cjt}}})",
               "{{topic}}")], unit="ms",
        desc="MM2's own gauge: it keeps its last value when MM2 stops; compare with the probes above."), 8, 8)
    lay.add(timeseries("Record age (MM2 JMX, max)", [
        target(f"max by (topic) (kafka_connect_mirror_source_connector_record_age_ms_max{{{cjt}}})",
               "{{topic}}")], unit="ms"), 8, 8)
    lay.add(timeseries("Records replicated (MM2 JMX)", [
        target(f"sum by (topic) (rate(kafka_connect_mirror_source_connector_record_count_total{{{cjt}}}"
               f"[$__rate_interval]))", "{{topic}}")]), 8, 8)
    lay.add(timeseries("Checkpoint latency (MM2 JMX, max)", [
        target(f'max by (consumergroup) (kafka_connect_mirror_checkpoint_connector_checkpoint_latency_ms_max'
               f'{{{c}, consumergroup=~"$consumergroup"}})', "{{consumergroup}}")], unit="ms"), 12, 8)
    lay.add(timeseries("Source task poll / write (MM2 JMX)", [
        target(f"sum by (connector) (rate(kafka_connect_source_task_source_record_poll_total{{{c}}}"
               f"[$__rate_interval]))", "polled {{connector}}", "A"),
        target(f"sum by (connector) (rate(kafka_connect_source_task_source_record_write_total{{{c}}}"
               f"[$__rate_interval]))", "written {{connector}}", "B")]), 12, 8)

    variables = [
        query_var("cluster", "Cluster", 'label_values(mirror_up{datacenter=~"$datacenter"}, cluster)', multi=True, include_all=True),
        query_var("topic", "Topic", 'label_values(mirror_lag_records{datacenter=~"$datacenter", cluster=~"$cluster"}, topic)', multi=True,
                  include_all=True),
        query_var("consumergroup", "Consumer group",
                  'label_values(mirror_checkpoint_age_seconds{datacenter=~"$datacenter", cluster=~"$cluster"}, consumergroup)', multi=True,
                  include_all=True),
    ]
    return dashboard("kafka-mirrormaker2", "MirrorMaker 2",
                     "Is the mirror complete and how late? Probe latency, loss, duplicates, stalls, offset lag, "
                     "MM2 heartbeats and checkpoints, beside MirrorMaker 2's own JMX metrics.",
                     ["kafka", "mirrormaker2"], variables, lay)


def hosts():
    # Selectors as in "Node Exporter Full": instance="$node", job="$job".
    n = 'instance="$node", job="$job"'
    lay = Layout()
    lay.row("Quick CPU / Mem / Disk")
    lay.add(stat("CPU busy", [
        target(f'100 * (1 - avg(rate(node_cpu_seconds_total{{mode="idle", {n}}}[$__rate_interval])))')],
        unit="percent", thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 85},
                                    {"color": "red", "value": 95}]), 4, 4)
    lay.add(stat("Load 1m", [target(f"node_load1{{{n}}}")]), 4, 4)
    lay.add(stat("RAM used", [
        target(f"100 * (1 - node_memory_MemAvailable_bytes{{{n}}} / node_memory_MemTotal_bytes{{{n}}})")],
        unit="percent", thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 80},
                                    {"color": "red", "value": 90}]), 4, 4)
    lay.add(stat("Root FS used", [
        target(f'100 - ((node_filesystem_avail_bytes{{{n}, mountpoint="/", fstype!="rootfs"}} * 100) / '
               f'node_filesystem_size_bytes{{{n}, mountpoint="/", fstype!="rootfs"}})')],
        unit="percent", thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 80},
                                    {"color": "red", "value": 90}]), 4, 4)
    lay.add(stat("CPU cores", [target(f'count(count(node_cpu_seconds_total{{{n}}}) by (cpu))')]), 4, 4)
    lay.add(stat("Uptime", [target(f"node_time_seconds{{{n}}} - node_boot_time_seconds{{{n}}}")], unit="s"), 4, 4)

    lay.row("Basic CPU / Mem / Net / Disk")
    lay.add(timeseries("CPU", [
        target(f'sum by (mode) (irate(node_cpu_seconds_total{{{n}, mode!="idle"}}[$__rate_interval])) / '
               f'scalar(count(count(node_cpu_seconds_total{{{n}}}) by (cpu)))', "{{mode}}")],
        unit="percentunit", stack=True), 12, 8)
    lay.add(timeseries("Memory", [
        target(f"node_memory_MemTotal_bytes{{{n}}}", "total", "A"),
        target(f"node_memory_MemTotal_bytes{{{n}}} - node_memory_MemAvailable_bytes{{{n}}}", "used", "B"),
        target(f"node_memory_Cached_bytes{{{n}}} + node_memory_Buffers_bytes{{{n}}}", "cache + buffers", "C")],
        unit="bytes"), 12, 8)
    lay.add(timeseries("Network traffic", [
        target(f'irate(node_network_receive_bytes_total{{{n}, device!="lo"}}[$__rate_interval]) * 8',
               "recv {{device}}", "A"),
        target(f'-irate(node_network_transmit_bytes_total{{{n}, device!="lo"}}[$__rate_interval]) * 8',
               "trans {{device}}", "B")], unit="bps"), 12, 8)
    lay.add(timeseries("Disk space used", [
        target(f'100 - ((node_filesystem_avail_bytes{{{n}, device!~"rootfs"}} * 100) / '
               f'node_filesystem_size_bytes{{{n}, device!~"rootfs"}})', "{{mountpoint}}")], unit="percent"), 12, 8)

    lay.row("Disk and system")
    lay.add(timeseries("Disk I/O", [
        target(f"irate(node_disk_read_bytes_total{{{n}}}[$__rate_interval])", "read {{device}}", "A"),
        target(f"-irate(node_disk_written_bytes_total{{{n}}}[$__rate_interval])", "write {{device}}", "B")],
        unit="Bps"), 8, 8)
    lay.add(timeseries("Load average", [
        target(f"node_load1{{{n}}}", "1m", "A"), target(f"node_load5{{{n}}}", "5m", "B"),
        target(f"node_load15{{{n}}}", "15m", "C")]), 8, 8)
    lay.add(timeseries("Context switches / interrupts", [
        target(f"irate(node_context_switches_total{{{n}}}[$__rate_interval])", "context switches", "A"),
        target(f"irate(node_intr_total{{{n}}}[$__rate_interval])", "interrupts", "B")]), 8, 8)
    lay.add(timeseries("Pressure (PSI)", [
        target(f"rate(node_pressure_cpu_waiting_seconds_total{{{n}}}[$__rate_interval])", "cpu", "A"),
        target(f"rate(node_pressure_memory_waiting_seconds_total{{{n}}}[$__rate_interval])", "memory", "B"),
        target(f"rate(node_pressure_io_waiting_seconds_total{{{n}}}[$__rate_interval])", "io", "C")],
        unit="percentunit"), 8, 8)
    lay.add(timeseries("TCP sockets", [
        target(f"node_sockstat_TCP_inuse{{{n}}}", "in use", "A"),
        target(f"node_netstat_Tcp_CurrEstab{{{n}}}", "established", "B")]), 8, 8)
    lay.add(timeseries("File descriptors", [
        target(f"node_filefd_allocated{{{n}}}", "allocated")]), 8, 8)

    variables = [
        query_var("cluster", "Cluster", 'label_values(node_uname_info{datacenter=~"$datacenter"}, cluster)'),
        query_var("job", "Job", 'label_values(node_uname_info{datacenter=~"$datacenter", cluster=~"$cluster"}, job)'),
        query_var("nodename", "Host", 'label_values(node_uname_info{datacenter=~"$datacenter", cluster=~"$cluster", job="$job"}, nodename)'),
        query_var("node", "Instance",
                  'label_values(node_uname_info{datacenter=~"$datacenter", cluster=~"$cluster", job="$job", nodename="$nodename"}, instance)'),
    ]
    return dashboard("kafka-hosts", "Hosts",
                     "The kafka01..03 and zk01..03 hosts, from node-exporter-lite (node_exporter's names; the "
                     "queries are those of \"Node Exporter Full\").", ["hosts", "node"], variables, lay)


def datapath():
    # The data path to the index (docs/datapath.md): every hop per topic, named by its upstream name.
    t = 'topic=~"$topic"'
    lay = Layout()
    lay.row("Is every message in the index?")
    lay.add(stat("Records missing from the index", [target(f"sum(topic:datapath_missing_records:sum{{{t}}})", "missing")],
                 thresholds=RED_IF_ANY, desc="Records upstream for longer than the deadline (index_audit_deadline_seconds) "
                 "that the index does not hold, counted by index-audit from the index itself (IndexRecordsMissing)."),
            5, 5)
    lay.add(stat("Index audit working", [target("min(index_audit_up) * min(index_audit_offsets_up)", "audit")],
                 thresholds=RED_IF_NONE), 4, 5)
    lay.add(stat("Deadline", [target("max(index_audit_deadline_seconds)", "deadline")], unit="s"), 3, 5)
    lay.add(table("Hop by hop: records per topic", [
        target(f"topic:datapath_upstream_records:sum{{{t}}}", "upstream", "A", fmt="table", instant=True),
        target(f"topic:datapath_mirrored_records:sum{{{t}}}", "mirrored", "B", fmt="table", instant=True),
        target(f"topic:datapath_consumer2_committed_records:sum{{{t}}}", "consumer-2 committed", "C", fmt="table",
               instant=True),
        target(f"topic:datapath_indexed_records:sum{{{t}}}", "in the index", "D", fmt="table", instant=True)],
        desc="A: produced upstream, B: mirrored downstream (src.<topic>), C: consumer-2's committed position, "
             "D: documents in the index (with -invalid). Equal when the path is idle."), 12, 5)
    lay.add(table("Missing per partition", [
        target(f"index_audit_missing_records{{{t}}} > 0", "", "A", fmt="table", instant=True)],
        desc="Topic and partition of each record past the deadline and not in the index."), 12, 6)
    lay.add(timeseries("Hops over time (records)", [
        target(f"topic:datapath_upstream_records:sum{{{t}}}", "upstream {{topic}}", "A"),
        target(f"topic:datapath_mirrored_records:sum{{{t}}}", "mirrored {{topic}}", "B"),
        target(f"topic:datapath_consumer2_committed_records:sum{{{t}}}", "consumer-2 {{topic}}", "C"),
        target(f"topic:datapath_indexed_records:sum{{{t}}}", "index {{topic}}", "D")]), 12, 6)

    # The retention risk from kafka-exporter's margins (docs/metrics-kafka.md, "Records lost and retention margin"),
    # not from lag: lag cannot say when retention deletes what consumer-2 has not read.
    lay.row("consumer-2: lag and retention risk")
    lay.add(timeseries("consumer-2 lag (records)", [
        target(f"topic:datapath_consumer2_lag:sum{{{t}}}", "{{topic}}")]), 8, 7)
    lay.add(timeseries("consumer-2 lag (seconds)", [
        target('max by (topic) (kafka_consumergroup_lag_seconds{cluster="downstream",consumergroup="consumer-2"})',
               "{{topic}}")], unit="s", desc="How old consumer-2's next record is."), 8, 7)
    lay.add(timeseries("consumer-2 retention margin (time)", [
        target(f"topic:datapath_consumer2_retention_margin_seconds:min{{{t}}}", "{{topic}}")], unit="s",
        desc="Time before retention.ms may delete consumer-2's oldest unread record of src.<topic> (lowest "
             "partition); 0: records are being deleted unread. Under 1 h: DatapathRetentionMarginLow."), 8, 7)
    lay.add(timeseries("consumer-2 retention margin (records)", [
        target(f"topic:datapath_consumer2_retention_margin_records:min{{{t}}}", "{{topic}}")],
        desc="How far the log start of src.<topic> may advance (retention.bytes, delete-records, time) before it "
             "passes consumer-2's committed offset (lowest partition)."), 12, 5)
    lay.add(stat("consumer-2 records lost, last 15 min", [
        target(f"sum(topic:datapath_consumer2_records_lost:increase15m{{{t}}})", "lost")], thresholds=RED_IF_ANY,
        desc="Records of src.<topic> deleted before consumer-2 read them (kafka_consumergroup_records_lost_total): "
             "they will never reach the index from downstream; re-send them from upstream."), 12, 5)

    lay.row("Schema Registry")
    lay.add(stat("Registry up", [target('up{job="schema-registry", datacenter=~"$datacenter", cluster=~"$cluster"}', "{{instance}}")], thresholds=RED_IF_NONE), 4, 5)
    lay.add(stat("Subjects / versions", [target('sum(registry_artifacts)', "subjects", "A"),
                                          target('sum(registry_artifact_versions)', "versions", "B")]), 6, 5)
    lay.add(timeseries("Requests by status (req/s)", [
        target('sum by (status_code_group) (rate(rest_requests_counter_total{job="schema-registry"}[$__rate_interval]))',
               "{{status_code_group}}")], unit="reqps"), 7, 5)
    lay.add(timeseries("Request latency, mean (s)", [
        target('sum(rate(rest_requests_seconds_sum{job="schema-registry"}[$__rate_interval])) / '
               'sum(rate(rest_requests_seconds_count{job="schema-registry"}[$__rate_interval]))', "mean")], unit="s"),
            7, 5)

    lay.row("The index (OpenSearch / Elasticsearch)")
    lay.add(stat("Cluster green", [target('max(elasticsearch_cluster_health_status{color="green", datacenter=~"$datacenter", cluster=~"$cluster"})', "green")],
                 thresholds=RED_IF_NONE), 4, 5)
    lay.add(timeseries("Documents per index", [
        target('sum by (index) (elasticsearch_indices_docs_primary{datacenter=~"$datacenter", cluster=~"$cluster"})', "{{index}}")]), 10, 5)
    lay.add(timeseries("Indexing rate (docs/s)", [
        target("sum by (index) (rate(elasticsearch_indices_indexing_index_total[$__rate_interval]))", "{{index}}")]),
            10, 5)
    return dashboard("datapath", "Data path to the index",
                     "producer-1 -> upstream -> MirrorMaker 2 -> downstream -> consumer-2 -> the index: is every "
                     "message there, per topic and partition (docs/datapath.md).", ["datapath"],
                     [query_var("cluster", "Cluster", "label_values(up, cluster)", multi=True, include_all=True),
                      query_var("topic", "Topic", "label_values(index_audit_upstream_records, topic)", multi=True,
                                include_all=True)], lay)


DASHBOARDS = {"kafka-clusters.json": kafka_clusters, "consumer-lag.json": consumer_lag,
              "mirrormaker2.json": mirrormaker2, "hosts.json": hosts,
              "datapath.json": datapath}


def render():
    return {name: json.dumps(fn(), indent=2) + "\n" for name, fn in DASHBOARDS.items()}


if __name__ == "__main__":
    for name, text in render().items():
        (HERE / name).write_text(text)
        print(f"wrote dashboards/{name}")
