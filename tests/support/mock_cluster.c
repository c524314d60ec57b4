/* mock_cluster.c -- librdkafka's mock cluster as a process: `mock-cluster [BROKERS]` prints the bootstrap
 * list on one line, serves until stdin closes, and exits 0. A topic "storm" (4 partitions) holds a few
 * records, so a kafka-exporter scrape has partitions and offsets to report. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h> /* after rdkafka.h, which it needs */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char *end = NULL;
    long brokers = argc > 1 ? strtol(argv[1], &end, 10) : 3;
    if (argc > 1 && (*end || brokers < 1 || brokers > 16)) {
        fprintf(stderr, "usage: mock-cluster [BROKERS 1..16]\n");
        return 2;
    }
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!host) {
        fprintf(stderr, "mock-cluster: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(host, (int)brokers);
    if (!mc) {
        fprintf(stderr, "mock-cluster: cannot create the mock cluster\n");
        return 1;
    }
    const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
    rd_kafka_mock_topic_create(mc, "storm", 4, 1);
    rd_kafka_conf_t *pconf = rd_kafka_conf_new();
    rd_kafka_conf_set(pconf, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    for (int i = 0; p && i < 40; i++)
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC("storm"), RD_KAFKA_V_PARTITION(i % 4), RD_KAFKA_V_VALUE("x", 1),
                          RD_KAFKA_V_END);
    if (p) {
        rd_kafka_flush(p, 10000);
        rd_kafka_destroy(p);
    }
    printf("%s\n", bootstrap);
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof buf) > 0)
        ;
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(host);
    return 0;
}
