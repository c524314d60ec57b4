/* test_snapshot_mock.c -- error paths against librdkafka's mock cluster: slow and dead brokers,
 * APIs the cluster lacks, and a whole scrape rendered through the collectors. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h> /* after rdkafka.h, which it needs */
#include <stdlib.h>
#include <unistd.h>

#include "kx.h"
#include "log.h"
#include "rdk.h"
#include "records.h"
#include "snapshot.h"
#include "test.h"

/* Added to every deadline check: the hung brokers answer after 20 s, so any time well under that proves the
 * deadline held; the slack is for a loaded 2-core machine under TSan (2.5 s was overrun at load average 75).
 */
#define SLACK 3.0

static rd_kafka_t *mock_host;
static rd_kafka_mock_cluster_t *mc;

static void produce(const char *bootstrap, const char *topic, int32_t partition, int n)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    for (int i = 0; i < n; i++)
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                          RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_END);
    CHECK_INT_EQ(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
}

static void state_init(kx_state *st, const char *bootstrap, char **servers)
{
    memset(st, 0, sizeof *st);
    servers[0] = (char *)bootstrap;
    st->opt.kafka_servers.items = servers;
    st->opt.kafka_servers.n = 1;
    st->opt.offset_show_all = true;
    char err[256];
    CHECK(kx_filter_init(&st->topics, ".*", "^$", "t", "te", err, sizeof err) == 0);
    CHECK(kx_filter_init(&st->groups, ".*", "^$", "g", "ge", err, sizeof err) == 0);
    CHECK(kx_rdk_start(st, err, sizeof err) == 0);
}

static void state_free(kx_state *st)
{
    kx_collection_stop(st);
    kx_snapshot_release(st->snap);
    kx_rdk_stop(st);
    kx_histories_free(&st->histories);
    kx_consumers_free(&st->consumers);
    kx_filter_free(&st->topics);
    kx_filter_free(&st->groups);
}

static kx_snapshot *fetch(kx_state *st, double budget, double *took)
{
    double t0 = now_monotonic();
    kx_fetch_opts o = {.topics = &st->topics, .groups = &st->groups, .offset_show_all = true};
    kx_snapshot *s = kx_snapshot_fetch(st->rk, &o, t0 + budget);
    *took = now_monotonic() - t0;
    return s;
}

static const kx_partition *part(const kx_snapshot *s, const char *topic, int32_t id)
{
    const kx_topic *t = kx_snapshot_topic(s, topic);
    for (int i = 0; t && i < t->nparts; i++)
        if (t->parts[i].id == id)
            return &t->parts[i];
    return NULL;
}

/* Healthy cluster: offsets right; the mock lacks ListGroups and DescribeConfigs, which must fail
 * only their own part, quickly. */
static void test_healthy(const char *bootstrap)
{
    kx_state st;
    char *servers[1];
    state_init(&st, bootstrap, servers);
    double took;
    kx_snapshot *s = fetch(&st, 3, &took);
    CHECK(s->metadata_ok);
    CHECK_INT_EQ(s->nbrokers, 3);
    CHECK(kx_snapshot_topic(s, "t1") && kx_snapshot_topic(s, "t1")->nparts == 4);
    CHECK(s->offsets_ok);
    CHECK(part(s, "t1", 0) && part(s, "t1", 0)->end_offset == 7);
    CHECK(part(s, "t1", 0) && part(s, "t1", 0)->start_offset == 0);
    CHECK(part(s, "t1", 3) && part(s, "t1", 3)->end_offset == 0);
    CHECK(part(s, "t2", 1) && part(s, "t2", 1)->end_offset == 3);
    CHECK(part(s, "t1", 2) && part(s, "t1", 2)->leader == 3);
    CHECK(!s->groups_ok);
    CHECK(s->groups_err[0] != '\0');
    CHECK(!s->configs_ok);
    CHECK(took < 3.5 + SLACK);
    kx_snapshot_free(s);
    state_free(&st);
}

/* A broker that hangs (answers after the deadline): the scrape still ends in time, and says
 * what failed. librdkafka chooses the broker for the metadata request; when it chooses the hung
 * one all three attempts may go there, so only the deadline and honesty are asserted. */
static void test_hung_broker(const char *bootstrap)
{
    kx_state st;
    char *servers[1];
    state_init(&st, bootstrap, servers);
    double took;
    kx_snapshot *s = fetch(&st, 2, &took); /* warm: connections up, metadata cached */
    kx_snapshot_free(s);
    rd_kafka_mock_broker_set_rtt(mc, 3, 20000);
    for (int i = 0; i < 3; i++) {
        s = fetch(&st, 2, &took);
        CHECK(took < 2.5 + SLACK);
        CHECK(!s->offsets_ok);
        if (s->metadata_ok) {
            CHECK_CONTAINS(s->offsets_err, "broker 3");
            CHECK(part(s, "t1", 0) && part(s, "t1", 0)->end_offset == 7); /* leader 1 still answered */
            CHECK(part(s, "t1", 2) && part(s, "t1", 2)->end_offset == -1);
        } else {
            CHECK(s->metadata_err[0] != '\0');
        }
        kx_snapshot_free(s);
    }
    rd_kafka_mock_broker_set_rtt(mc, 3, 0);
    state_free(&st);
}

/* A broker killed (connections refused): its partitions lose their offsets, the rest do not. */
static void test_killed_broker(const char *bootstrap)
{
    kx_state st;
    char *servers[1];
    state_init(&st, bootstrap, servers);
    double took;
    kx_snapshot *s = fetch(&st, 2, &took);
    kx_snapshot_free(s);
    rd_kafka_mock_broker_set_down(mc, 3);
    s = fetch(&st, 2, &took);
    CHECK(took < 2.5 + SLACK);
    CHECK(s->metadata_ok);
    CHECK(!s->offsets_ok);
    CHECK_INT_EQ(s->offsets_failed_brokers, 1);
    CHECK_CONTAINS(s->offsets_err, "broker 3");
    CHECK(part(s, "t1", 0) && part(s, "t1", 0)->end_offset == 7);
    CHECK(part(s, "t2", 1) && part(s, "t2", 1)->end_offset == 3);
    CHECK(part(s, "t1", 2) && part(s, "t1", 2)->end_offset == -1);
    kx_snapshot_free(s);
    rd_kafka_mock_broker_set_up(mc, 3);
    state_free(&st);
}

/* Every broker down: no metadata, within the deadline, then recovery without a restart. */
static void test_all_down(const char *bootstrap)
{
    kx_state st;
    char *servers[1];
    state_init(&st, bootstrap, servers);
    for (int32_t b = 1; b <= 3; b++)
        rd_kafka_mock_broker_set_down(mc, b);
    double took;
    kx_snapshot *s = fetch(&st, 2, &took);
    CHECK(took < 2.5 + SLACK);
    CHECK(!s->metadata_ok);
    CHECK(s->metadata_err[0] != '\0');
    CHECK_INT_EQ(s->ntopics, 0);
    kx_snapshot_free(s);
    for (int32_t b = 1; b <= 3; b++)
        rd_kafka_mock_broker_set_up(mc, b);
    bool ok = false;
    for (int i = 0; i < 20 && !ok; i++) {
        s = fetch(&st, 2, &took);
        ok = s->metadata_ok && s->offsets_ok;
        kx_snapshot_free(s);
    }
    CHECK(ok);
    state_free(&st);
}

/* A full scrape through the collector table: families, labels and success flags. */
static void test_render(const char *bootstrap)
{
    kx_state st;
    char *servers[1];
    state_init(&st, bootstrap, servers);
    st.opt.collection_interval = 0.2;
    st.opt.collection_timeout = 2;
    char err[256];
    CHECK(kx_collection_start(&st, err, sizeof err) == 0);
    collectors *c = collectors_new("kafka", kx_collectors, kx_ncollectors);
    collectors_set_prepare(c, kx_prepare);
    buf out;
    buf_init(&out, 1 << 20);
    for (int round = 0; round < 2; round++) {
        expo *w = expo_new(1 << 20);
        expo_const_label(w, "cluster", "mock");
        collectors_scrape(c, w, &st, now_monotonic() + 2);
        buf_reset(&out);
        usleep(300 * 1000); /* the next scrape answers from the next collection */
        CHECK(expo_render(w, &out) == 0);
        expo_free(w);
    }
    const char *o = out.data;
    CHECK_CONTAINS(o, "kafka_up{cluster=\"mock\"} 1\n");
    CHECK_CONTAINS(o, "kafka_brokers{cluster=\"mock\"} 3\n");
    CHECK_CONTAINS(o,
                   "kafka_topic_partition_current_offset{cluster=\"mock\",topic=\"t1\",partition=\"0\"} 7\n");
    CHECK_CONTAINS(o, "kafka_topic_partition_leader{cluster=\"mock\",topic=\"t1\",partition=\"2\"} 3\n");
    CHECK_CONTAINS(o, "kafka_scrape_collector_success{cluster=\"mock\",collector=\"brokers\"} 1\n");
    /* The mock has no ListGroups: that collector fails, the others do not. */
    CHECK_CONTAINS(o, "kafka_scrape_collector_success{cluster=\"mock\",collector=\"consumergroups\"} 0\n");
    /* kafka_up once per scrape, however many collectors shared the snapshot. */
    const char *first = strstr(o, "kafka_up{");
    CHECK(first && !strstr(first + 1, "kafka_up{"));
    /* The scrape answered from a published collection: its age and duration are shown. */
    CHECK_CONTAINS(o, "kafka_collection_age_seconds{cluster=\"mock\"} ");
    CHECK_CONTAINS(o, "kafka_collection_duration_seconds{cluster=\"mock\"} ");
    /* Histories fed by the collections (the thread stopped first: they are its own). */
    kx_collection_stop(&st);
    const lag_history *h = kx_histories_get(&st.histories, "t1", 0);
    CHECK(h && h->n >= 1 && h->s[h->n - 1].offset == 7);
    buf_free(&out);
    collectors_free(c);
    state_free(&st);
}

/* One-record reads: the timestamp the producer set, an offset out of range (an error, never a jump to
 * the end), an entry not chosen, a topic that does not exist; all within the deadline. */
static void test_record_reads(const char *bootstrap)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    for (int i = 0; i < 5; i++)
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC("t3"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE("x", 1),
                          RD_KAFKA_V_TIMESTAMP(1700000000000LL + 1000 * i), RD_KAFKA_V_END);
    CHECK_INT_EQ(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
    kx_state st;
    char *servers[1];
    state_init(&st, bootstrap, servers);
    kx_read r[] = {
        {.topic = "t3", .partition = 0, .offset = 3, .chosen = true},
        {.topic = "t1", .partition = 0, .offset = 9, .chosen = true},  /* end is 7: out of range */
        {.topic = "t3", .partition = 0, .offset = 1, .chosen = false}, /* not chosen: not read */
        {.topic = "nosuch", .partition = 0, .offset = 0, .chosen = true},
    };
    double t0 = now_monotonic();
    CHECK_INT_EQ(kx_records_read(st.rk, r, 4, t0 + 1.5), 3);
    CHECK(now_monotonic() - t0 < 2.5 + SLACK);
    CHECK_INT_EQ(r[0].result, KX_READ_OK);
    CHECK_INT_EQ(r[0].ts_ms, 1700000003000LL);
    CHECK_INT_EQ(r[0].found_offset, 3);
    CHECK_INT_EQ(r[1].result, KX_READ_GONE);
    CHECK_INT_EQ(r[2].result, KX_READ_PENDING);
    CHECK(r[3].result != KX_READ_OK);
    state_free(&st);
}

int main(void)
{
    log_setup("error", "logfmt");
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    mock_host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    mc = rd_kafka_mock_cluster_new(mock_host, 3);
    const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
    rd_kafka_mock_topic_create(mc, "t1", 4, 1);
    rd_kafka_mock_topic_create(mc, "t2", 2, 1);
    rd_kafka_mock_topic_create(mc, "t3", 1, 1);
    rd_kafka_mock_partition_set_leader(mc, "t1", 0, 1);
    rd_kafka_mock_partition_set_leader(mc, "t1", 1, 2);
    rd_kafka_mock_partition_set_leader(mc, "t1", 2, 3);
    rd_kafka_mock_partition_set_leader(mc, "t1", 3, 1);
    rd_kafka_mock_partition_set_leader(mc, "t2", 0, 2);
    rd_kafka_mock_partition_set_leader(mc, "t2", 1, 1);
    produce(bootstrap, "t1", 0, 7);
    produce(bootstrap, "t1", 2, 2);
    produce(bootstrap, "t2", 1, 3);

    test_healthy(bootstrap);
    test_killed_broker(bootstrap);
    test_hung_broker(bootstrap);
    test_all_down(bootstrap);
    test_render(bootstrap);
    test_record_reads(bootstrap);

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mock_host);
    return TEST_RESULT();
}
