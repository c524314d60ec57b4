#!/usr/bin/env python3
"""producer-1: sends Avro messages (Schema Registry, confluent-kafka's AvroSerializer) to the upstream topic.

  producer1.py --bootstrap B --registry URL [--topic T] [--count N] [--rate R] [--metrics HOST:PORT]

Each message goes to an explicit partition, round robin, with `seq`, a per-partition sequence that starts at
the partition's end offset: with one producer-1 per topic and idempotence on, seq is the record's upstream
offset, so (topic, partition, seq) are its upstream coordinates and consumer-2's document id. The registry
is checked every few seconds (an in-memory registry that restarted has lost the schema: it is registered
again); while it cannot be reached producer-1 sends nothing, says so in its log and in
producer_registry_up 0, and resumes when it is back. --count 0 sends until stopped. Exit 0 when every
message of --count was acknowledged, 1 otherwise."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SCHEMA, TOPIC, Metrics, Stop, log, now_ms  # noqa: E402

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.schema_registry import SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroSerializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402

REGISTRY_CHECK_S = 3


def end_offsets(bootstrap, topic, timeout=30):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "producer-1-offsets", "enable.auto.commit": False})
    try:
        md = c.list_topics(topic, timeout=timeout)
        t = md.topics.get(topic)
        if t is None or t.error is not None or not t.partitions:
            raise SystemExit(f"producer-1: topic {topic} not found upstream ({t.error if t else 'no metadata'})")
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)[1] for p in sorted(t.partitions)}
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True, help="Confluent-compatible Schema Registry URL")
    ap.add_argument("--topic", default=TOPIC)
    ap.add_argument("--count", type=int, default=0, help="messages to send, 0: until stopped")
    ap.add_argument("--rate", type=float, default=10.0, help="messages per second, 0: as fast as possible")
    ap.add_argument("--metrics", help="HOST:PORT to serve /metrics on")
    ap.add_argument("--name", default="producer-1")
    ap.add_argument("--stay", action="store_true", help="after --count, keep serving /metrics until stopped")
    a = ap.parse_args()
    if a.count < 0 or a.rate < 0:
        ap.error("--count and --rate must be >= 0")
    lg = log(a.name)
    stop = Stop()
    m = Metrics(a.name)
    m.define("producer_messages_total", "counter", "Messages by outcome: sent (handed to the client), "
             "acknowledged (by the upstream brokers), failed (delivery error)")
    m.define("producer_registry_up", "gauge", "1 if the last Schema Registry check succeeded")
    m.define("producer_registry_errors_total", "counter", "Failed Schema Registry checks or registrations")
    if a.metrics:
        m.serve(a.metrics)
    seq = end_offsets(a.bootstrap, a.topic)
    first = dict(seq)
    parts = sorted(seq)
    lg.info("topic %s partitions %s, starting sequences %s", a.topic, parts, seq)
    producer = Producer({"bootstrap.servers": a.bootstrap, "enable.idempotence": True, "acks": "all",
                         "linger.ms": 20, "compression.type": "lz4", "message.timeout.ms": 600000,
                         "client.id": a.name})
    # The check: no retries and a timeout, as the client's default (3 retries, backoff up to 7 s, no timeout) kept
    # producer_registry_up at 1 for seconds after the registry was gone; the loop here is the retry. The
    # registration keeps the client's retries and a long timeout: a cold registry on a loaded host can take
    # seconds to answer the first one.
    check = SchemaRegistryClient({"url": a.registry, "timeout": 5, "max.retries": 0})
    sr = SchemaRegistryClient({"url": a.registry, "timeout": 30})
    subject = f"{a.topic}-value"
    serializer = None
    registry_ok = None
    last_check = 0.0
    sent = 0

    def delivered(err, msg):
        if err is not None:
            m.add("producer_messages_total", result="failed")
            lg.error("delivery failed for %s: %s", msg.key(), err)
        else:
            m.add("producer_messages_total", result="acknowledged")

    t0 = time.time()
    while not stop and (a.count == 0 or sent < a.count):
        now = time.time()
        if serializer is None or now - last_check >= REGISTRY_CHECK_S:
            last_check = now
            try:
                # get_subjects is not cached by the client: it asks the registry each time.
                if subject not in check.get_subjects() or serializer is None:
                    if serializer is not None:
                        lg.warning("subject %s is gone from the registry (restarted, in-memory?): registering again",
                                   subject)
                    sr.clear_caches()
                    serializer = AvroSerializer(sr, SCHEMA)
                    serializer({"partition": 0, "seq": -1, "producer": a.name, "sent_ms": now_ms(), "text": ""},
                               SerializationContext(a.topic, MessageField.VALUE))  # registers the schema now
                if registry_ok is not True:
                    lg.info("schema registry %s reachable, subject %s registered", a.registry, subject)
                registry_ok = True
                m.set("producer_registry_up", 1)
            except Exception as e:  # the registry down or failing: visible, and nothing is sent meanwhile
                m.add("producer_registry_errors_total")
                m.set("producer_registry_up", 0)
                if registry_ok is not False:
                    lg.error("schema registry %s unavailable (%s): not sending until it is back", a.registry, e)
                registry_ok = False
                serializer = None
                producer.poll(1.0)
                continue
        p = parts[sent % len(parts)]
        value = {"partition": p, "seq": seq[p], "producer": a.name, "sent_ms": now_ms(),
                 "text": f"message {seq[p]} of partition {p}"}
        try:
            data = serializer(value, SerializationContext(a.topic, MessageField.VALUE))
        except Exception as e:
            m.add("producer_registry_errors_total")
            lg.error("serializing failed (%s): checking the registry again", e)
            serializer = None
            continue
        while True:
            try:
                producer.produce(a.topic, key=f"{p}-{seq[p]}".encode(), value=data, partition=p, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
        m.add("producer_messages_total", result="sent")
        seq[p] += 1
        sent += 1
        producer.poll(0)
        if a.rate > 0:
            ahead = sent / a.rate - (time.time() - t0)
            if ahead > 0:
                stop.sleep(ahead)
    lg.info("flushing %d in flight", len(producer))
    while len(producer) and producer.flush(5) and not stop:
        pass
    producer.flush(30)
    acked = m.get("producer_messages_total", result="acknowledged")
    failed = m.get("producer_messages_total", result="failed")
    print(json.dumps({"app": a.name, "sent": sent, "acknowledged": acked, "failed": failed,
                      "seconds": round(time.time() - t0, 1), "first_seq": first, "next_seq": seq}), flush=True)
    ok = a.count == 0 or (acked == a.count and failed == 0)
    while a.stay and not stop:
        stop.sleep(1)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KafkaException as e:
        print(f"producer-1: {e}", file=sys.stderr)
        sys.exit(1)
