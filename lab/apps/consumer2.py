#!/usr/bin/env python3
"""consumer-2: reads the mirrored topic downstream (src.<topic>) and stores every record in the index.

  consumer2.py --bootstrap B --registry URL --opensearch URL [--topic T] [--metrics HOST:PORT]

Every record becomes one document: a decoded one in index <topic> with id <topic>-<partition>-<seq> (its
upstream coordinates, carried in the record), so a re-delivery overwrites instead of duplicating; one it
cannot decode (garbage bytes, a schema id the registry does not know) in index <topic>-invalid with the raw
bytes and the reason, id <mirrored topic>-<partition>-<offset>, counted in consumer_records_total{result=
"invalid"}: never dropped silently, never a crash loop. Offsets are committed only after the index
acknowledged every document of the batch; while the index or the registry cannot be reached the batch is
retried (the partitions paused, the group membership kept) and nothing is committed."""
import argparse
import base64
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import INVALID_SUFFIX, SCHEMA, TOPIC, Metrics, Stop, doc_id, log, now_ms  # noqa: E402

from confluent_kafka import Consumer, KafkaError, TopicPartition  # noqa: E402
from confluent_kafka.schema_registry import SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroDeserializer  # noqa: E402
from confluent_kafka.schema_registry.error import SchemaRegistryError  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError  # noqa: E402
from opensearchpy import OpenSearch  # noqa: E402
from opensearchpy.exceptions import OpenSearchException, RequestError, TransportError  # noqa: E402

BATCH = 500
MAPPING = {"properties": {
    "topic": {"type": "keyword"}, "partition": {"type": "integer"}, "seq": {"type": "long"},
    "producer": {"type": "keyword"}, "sent_ms": {"type": "date", "format": "epoch_millis||strict_date_optional_time"},
    "indexed_ms": {"type": "date", "format": "epoch_millis||strict_date_optional_time"}, "text": {"type": "text"},
    "downstream_topic": {"type": "keyword"}, "downstream_offset": {"type": "long"},
    "error": {"type": "keyword"}, "raw": {"type": "binary"}}}


class Retry(Exception):
    """The batch could not be stored now (index or registry unreachable): try again, commit nothing."""


def ensure_index(es, name):
    if es.indices.exists(index=name):
        return
    try:
        es.indices.create(index=name, body={"settings": {"number_of_shards": 1, "number_of_replicas": 0,
                                                         "refresh_interval": "1s"},
                                            "mappings": MAPPING})
    except RequestError as e:
        if "resource_already_exists" not in str(e):
            raise


def decode(deser, msg, topic):
    """The document for one record, or raises Retry when the registry cannot answer now."""
    base = {"downstream_topic": msg.topic(), "downstream_offset": msg.offset(), "indexed_ms": now_ms()}
    try:
        v = deser(msg.value(), SerializationContext(msg.topic(), MessageField.VALUE))
        if not isinstance(v, dict) or "seq" not in v or "partition" not in v:
            raise SerializationError(f"not a {topic} message: {str(v)[:80]}")
        sent = v["sent_ms"]  # fastavro gives timestamp-millis as a datetime
        sent = int(sent.timestamp() * 1000) if hasattr(sent, "timestamp") else int(sent)
        d = dict(base, topic=topic, partition=v["partition"], seq=v["seq"], producer=v["producer"],
                 sent_ms=sent, text=v["text"])
        return topic, doc_id(topic, v["partition"], v["seq"]), d, None
    except SchemaRegistryError as e:
        if e.http_status_code in (404, 422):  # a schema id the registry does not know: this record is invalid
            err = f"unknown schema id ({e.http_status_code}: {e.error_message})"
        else:
            raise Retry(f"schema registry: {e}")
    except (SerializationError, ValueError, TypeError, KeyError, EOFError, IndexError) as e:
        cause = e.__cause__ or e.__context__
        if isinstance(cause, SchemaRegistryError) and cause.http_status_code not in (404, 422):
            raise Retry(f"schema registry: {cause}")
        if cause is not None and "connection" in type(cause).__name__.lower() + str(cause).lower():
            raise Retry(f"schema registry: {cause}")
        err = f"undecodable: {str(e)[:200]}"
    except Exception as e:  # requests' ConnectionError etc.: the registry is unreachable, not the record bad
        raise Retry(f"schema registry: {type(e).__name__}: {e}")
    d = dict(base, topic=topic, partition=msg.partition(), error=err,
             raw=base64.b64encode(msg.value() or b"").decode())
    return topic + INVALID_SUFFIX, f"{msg.topic()}-{msg.partition()}-{msg.offset()}", d, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", required=True, help="the downstream cluster")
    ap.add_argument("--registry", required=True)
    ap.add_argument("--opensearch", required=True)
    ap.add_argument("--topic", default=TOPIC, help="the upstream topic name (consumer-2 reads src.<topic>)")
    ap.add_argument("--group", default="consumer-2")
    ap.add_argument("--metrics")
    ap.add_argument("--name", default="consumer-2")
    a = ap.parse_args()
    lg = log(a.name)
    stop = Stop()
    m = Metrics(a.name)
    m.define("consumer_records_total", "counter", "Records by outcome: indexed (acknowledged by the index) or "
             "invalid (undecodable, stored in the -invalid index)")
    m.define("consumer_retries_total", "counter", "Batches retried because the index or the registry failed")
    m.define("consumer_commits_total", "counter", "Offset commits after an acknowledged batch")
    if a.metrics:
        m.serve(a.metrics)
    source = "src." + a.topic
    es = OpenSearch([a.opensearch], timeout=10, max_retries=0)
    deser = AvroDeserializer(SchemaRegistryClient({"url": a.registry}), SCHEMA)
    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": a.group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "client.id": a.name, "max.poll.interval.ms": 300000})
    c.subscribe([source])
    lg.info("reading %s, indexing into %s (and %s%s)", source, a.opensearch, a.topic, INVALID_SUFFIX)
    indices_ok = False
    pending = []  # the batch being stored (kept across retries)
    backoff = 0.5
    while not stop:
        if not pending:
            pending = [x for x in c.consume(BATCH, timeout=1.0) if x is not None]
            errs = [x for x in pending if x.error()]
            for x in errs:
                if x.error().code() != KafkaError._PARTITION_EOF:
                    lg.warning("consume: %s", x.error())
            pending = [x for x in pending if not x.error()]
            if not pending:
                continue
        try:
            if not indices_ok:
                ensure_index(es, a.topic)
                ensure_index(es, a.topic + INVALID_SUFFIX)
                indices_ok = True
            body, invalid = [], 0
            for msg in pending:
                index, did, d, err = decode(deser, msg, a.topic)
                if err:
                    invalid += 1
                    lg.warning("invalid record %s [%d] @%d: %s", msg.topic(), msg.partition(), msg.offset(), err)
                body.append({"index": {"_index": index, "_id": did}})
                body.append(d)
            r = es.bulk(body=body)  # the client's timeout (10 s) applies; a `timeout=` here is taken as that, not the bulk's
            failed = [it["index"] for it in r["items"] if it["index"].get("status", 500) >= 300]
            if failed:
                raise Retry(f"{len(failed)} of {len(pending)} documents refused, first: {failed[0].get('error')}")
        except (Retry, OpenSearchException, TransportError, ConnectionError, OSError) as e:
            m.add("consumer_retries_total")
            lg.error("batch of %d not stored (%s); retrying in %.1fs, nothing committed", len(pending), e, backoff)
            assignment = c.assignment()
            c.pause(assignment)
            t_end = time.time() + backoff
            while time.time() < t_end and not stop:
                c.poll(0.2)  # keeps the group membership; paused partitions return nothing
            c.resume(assignment)
            backoff = min(backoff * 2, 10)
            indices_ok = False
            continue
        last = {}
        for msg in pending:
            last[(msg.topic(), msg.partition())] = msg.offset() + 1
        try:
            c.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in last.items()], asynchronous=False)
            m.add("consumer_commits_total")
        except Exception as e:  # a rebalance took the partition: the records are in the index; re-reads overwrite
            lg.warning("commit failed (%s): the next owner re-reads, the index keeps one document each", e)
        m.add("consumer_records_total", len(pending) - invalid, result="indexed")
        if invalid:
            m.add("consumer_records_total", invalid, result="invalid")
        pending = []
        backoff = 0.5
    c.close()
    lg.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
