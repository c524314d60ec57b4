#!/usr/bin/env python3
"""consumer-1: reads the topic upstream and decodes each record with the Schema Registry.

  consumer1.py --bootstrap B --registry URL [--topic T] [--metrics HOST:PORT]

Counts decoded and undecodable records (consumer_records_total{result}) and keeps the last sequence seen
per partition; a record it cannot decode is logged and counted, never a crash. While the registry cannot
be reached the record is retried (its partition rewound), not skipped."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SCHEMA, TOPIC, Metrics, Stop, log  # noqa: E402

from confluent_kafka import Consumer, KafkaError, TopicPartition  # noqa: E402
from confluent_kafka.schema_registry import SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroDeserializer  # noqa: E402
from confluent_kafka.schema_registry.error import SchemaRegistryError  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--topic", default=TOPIC)
    ap.add_argument("--group", default="consumer-1")
    ap.add_argument("--metrics")
    ap.add_argument("--name", default="consumer-1")
    a = ap.parse_args()
    lg = log(a.name)
    stop = Stop()
    m = Metrics(a.name)
    m.define("consumer_records_total", "counter", "Records by outcome: decoded or invalid (undecodable)")
    m.define("consumer_retries_total", "counter", "Records retried because the registry could not be reached")
    if a.metrics:
        m.serve(a.metrics)
    deser = AvroDeserializer(SchemaRegistryClient({"url": a.registry}), SCHEMA)
    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": a.group, "auto.offset.reset": "earliest",
                  "enable.auto.offset.store": False, "client.id": a.name})
    c.subscribe([a.topic])
    lg.info("reading %s upstream", a.topic)
    while not stop:
        msg = c.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                lg.warning("consume: %s", msg.error())
            continue
        try:
            deser(msg.value(), SerializationContext(msg.topic(), MessageField.VALUE))
            m.add("consumer_records_total", result="decoded")
        except Exception as e:
            cause = e if isinstance(e, SchemaRegistryError) else (e.__cause__ or e.__context__)
            unknown = isinstance(cause, SchemaRegistryError) and cause.http_status_code in (404, 422)
            if cause is not None and not unknown and not isinstance(e, (ValueError, EOFError)):
                m.add("consumer_retries_total")
                lg.error("registry unavailable (%s): retrying %s [%d] @%d", cause, msg.topic(), msg.partition(),
                         msg.offset())
                c.seek(TopicPartition(msg.topic(), msg.partition(), msg.offset()))
                stop.sleep(1.0)
                continue
            m.add("consumer_records_total", result="invalid")
            lg.warning("invalid record %s [%d] @%d: %s", msg.topic(), msg.partition(), msg.offset(), e)
        c.store_offsets(msg)
    c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
