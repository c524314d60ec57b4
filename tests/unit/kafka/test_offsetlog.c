/* test_offsetlog.c -- __consumer_offsets records of every key and value version, decoded and kept (the
 * store's commits, tombstones, group filter, malformed count), and the reader thread on librdkafka's mock
 * cluster: ready only once every partition was read to its end. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h> /* after rdkafka.h, which it needs */
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "kx.h"
#include "log.h"
#include "offsetlog.h"
#include "offsetrec.h"
#include "rdk.h"
#include "snapshot.h"
#include "test.h"

/* Records as Kafka writes them (OffsetCommitKey.json, OffsetCommitValue.json): big-endian, int16 versions
 * and lengths; version 4 values are flexible (compact strings: varint length + 1; tagged fields). */
static const uint8_t key_v0[] = {0, 0, 0, 2, 'g', '1', 0, 5, 'o', 'r', 'd', 'e', 'r', 0, 0, 0, 3};
static const uint8_t key_v1[] = {0, 1, 0, 2, 'g', '1', 0, 5, 'o', 'r', 'd', 'e', 'r', 0, 0, 0, 3};
static const uint8_t key_group_metadata[] = {0, 2, 0, 2, 'g', '1'};
/* Kafka 4's ConsumerGroupMetadataKey (record type 3): a group id, compact. */
static const uint8_t key_kip848[] = {0, 3, 3, 'g', '1', 0};

#define OFFSET_42 0, 0, 0, 0, 0, 0, 0, 42
#define TS 0, 0, 1, 0x8c, 0x3a, 0x1b, 0x2c, 0x00 /* 2023-12 in ms */
static const uint8_t value_v0[] = {0, 0, OFFSET_42, 0, 0, TS};
static const uint8_t value_v1[] = {0, 1, OFFSET_42, 0, 2, 'm', 'd', TS, TS};
static const uint8_t value_v2[] = {0, 2, OFFSET_42, 0, 0, TS};
static const uint8_t value_v3[] = {0, 3, OFFSET_42, 0, 0, 0, 7, 0, 0, TS};
static const uint8_t value_v4[] = {0, 4, OFFSET_42, 0xff, 0xff, 0xff, 0xff, 1, TS, 0};
/* Version 4 with one tagged field of 16 bytes (a topic id) and metadata "md". */
static const uint8_t value_v4_tagged[] = {0, 4, OFFSET_42, 0, 0, 0, 1, 3, 'm', 'd', TS, 1,  0,  16, 1,
                                          2, 3, 4,         5, 6, 7, 8, 9, 10,  11,  12, 13, 14, 15, 16};
/* A version 5 (none exists yet): KIP-915 keeps version 4's layout with more tagged fields. */
static const uint8_t value_v5[] = {0, 5, OFFSET_42, 0, 0, 0, 1, 1, TS, 0};

static void test_keys(void)
{
    kx_offsetrec_key k;
    CHECK_INT_EQ(kx_offsetrec_key_decode(key_v0, sizeof key_v0, &k), KX_OFFSETREC_COMMIT);
    CHECK_INT_EQ(kx_offsetrec_key_decode(key_v1, sizeof key_v1, &k), KX_OFFSETREC_COMMIT);
    CHECK(k.group_len == 2 && memcmp(k.group, "g1", 2) == 0);
    CHECK(k.topic_len == 5 && memcmp(k.topic, "order", 5) == 0);
    CHECK_INT_EQ(k.partition, 3);
    CHECK_INT_EQ(kx_offsetrec_key_decode(key_group_metadata, sizeof key_group_metadata, &k),
                 KX_OFFSETREC_OTHER);
    CHECK_INT_EQ(kx_offsetrec_key_decode(key_kip848, sizeof key_kip848, &k), KX_OFFSETREC_OTHER);
    /* Every truncation of a commit key, a byte too many, a negative version or length: malformed. */
    for (size_t n = 0; n < sizeof key_v1; n++)
        CHECK_INT_EQ(kx_offsetrec_key_decode(key_v1, n, &k), KX_OFFSETREC_BAD);
    uint8_t longer[sizeof key_v1 + 1] = {0};
    memcpy(longer, key_v1, sizeof key_v1);
    CHECK_INT_EQ(kx_offsetrec_key_decode(longer, sizeof longer, &k), KX_OFFSETREC_BAD);
    uint8_t neg[sizeof key_v1];
    memcpy(neg, key_v1, sizeof neg);
    neg[0] = 0xff;
    CHECK_INT_EQ(kx_offsetrec_key_decode(neg, sizeof neg, &k), KX_OFFSETREC_BAD);
    memcpy(neg, key_v1, sizeof neg);
    neg[2] = 0xff, neg[3] = 0xff; /* group length -1 */
    CHECK_INT_EQ(kx_offsetrec_key_decode(neg, sizeof neg, &k), KX_OFFSETREC_BAD);
    CHECK_INT_EQ(kx_offsetrec_key_decode(NULL, 0, &k), KX_OFFSETREC_BAD);
}

static void test_values(void)
{
    const struct {
        const uint8_t *v;
        size_t n;
    } all[] = {{value_v0, sizeof value_v0}, {value_v1, sizeof value_v1},
               {value_v2, sizeof value_v2}, {value_v3, sizeof value_v3},
               {value_v4, sizeof value_v4}, {value_v4_tagged, sizeof value_v4_tagged},
               {value_v5, sizeof value_v5}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        int64_t off = -7;
        CHECK_INT_EQ(kx_offsetrec_value_decode(all[i].v, all[i].n, &off), 0);
        CHECK_INT_EQ(off, 42);
        for (size_t n = 0; n < all[i].n; n++) {
            off = -7;
            CHECK_INT_EQ(kx_offsetrec_value_decode(all[i].v, n, &off), -1);
            CHECK_INT_EQ(off, -7);
        }
        uint8_t longer[64] = {0};
        memcpy(longer, all[i].v, all[i].n);
        CHECK_INT_EQ(kx_offsetrec_value_decode(longer, all[i].n + 1, &off), -1);
    }
    /* A compact metadata string of length "null" (0) and a tag size beyond the record. */
    uint8_t bad[sizeof value_v4];
    memcpy(bad, value_v4, sizeof bad);
    bad[14] = 0;
    int64_t off;
    CHECK_INT_EQ(kx_offsetrec_value_decode(bad, sizeof bad, &off), -1);
    uint8_t badtag[sizeof value_v4_tagged];
    memcpy(badtag, value_v4_tagged, sizeof badtag);
    badtag[27] = 17;
    CHECK_INT_EQ(kx_offsetrec_value_decode(badtag, sizeof badtag, &off), -1);
    uint8_t neg[] = {0xff, 0xff, OFFSET_42, 0, 0, TS};
    CHECK_INT_EQ(kx_offsetrec_value_decode(neg, sizeof neg, &off), -1);
}

typedef struct seen {
    char text[512];
    int n;
} seen;

static void collect(void *arg, const char *group, const char *topic, int32_t partition, int64_t offset)
{
    seen *s = arg;
    size_t used = strlen(s->text);
    snprintf(s->text + used, sizeof s->text - used, "%s/%s/%d=%lld ", group, topic, (int)partition,
             (long long)offset);
    s->n++;
}

static seen contents(kx_offsetlog *l)
{
    seen s = {"", 0};
    kx_offsetlog_each(l, collect, &s);
    return s;
}

static bool keep_group(void *arg, const char *group)
{
    return kx_filter_match(arg, group);
}

static void test_store(void)
{
    kx_filter f;
    char err[256];
    CHECK(kx_filter_init(&f, ".*", "^skip", "g", "ge", err, sizeof err) == 0);
    kx_offsetlog *l = kx_offsetlog_new(keep_group, &f);
    char why[192];
    CHECK(!kx_offsetlog_ready(l, why, sizeof why));
    CHECK_CONTAINS(why, "not read yet");
    kx_offsetlog_apply(l, key_v1, sizeof key_v1, value_v3, sizeof value_v3);
    CHECK_STR_EQ(contents(l).text, "g1/order/3=42 ");
    /* The same key again (a v0 key names it too): replaced, not added. */
    uint8_t v[sizeof value_v4];
    memcpy(v, value_v4, sizeof v);
    v[9] = 50;
    kx_offsetlog_apply(l, key_v0, sizeof key_v0, v, sizeof v);
    CHECK_STR_EQ(contents(l).text, "g1/order/3=50 ");
    /* Another partition, a group metadata record, a Kafka 4 record, a filtered-out group. */
    uint8_t k4[sizeof key_v1];
    memcpy(k4, key_v1, sizeof k4);
    k4[sizeof k4 - 1] = 4;
    kx_offsetlog_apply(l, k4, sizeof k4, value_v0, sizeof value_v0);
    kx_offsetlog_apply(l, key_group_metadata, sizeof key_group_metadata, value_v0, sizeof value_v0);
    kx_offsetlog_apply(l, key_kip848, sizeof key_kip848, NULL, 0);
    static const uint8_t skipped[] = {0, 1, 0, 4, 's', 'k', 'i', 'p', 0, 1, 't', 0, 0, 0, 0};
    kx_offsetlog_apply(l, skipped, sizeof skipped, value_v2, sizeof value_v2);
    CHECK_STR_EQ(contents(l).text, "g1/order/3=50 g1/order/4=42 ");
    CHECK_INT_EQ(kx_offsetlog_malformed(l), 0);
    /* Malformed key, malformed value: counted, nothing changes. */
    kx_offsetlog_apply(l, key_v1, 5, value_v0, sizeof value_v0);
    kx_offsetlog_apply(l, key_v1, sizeof key_v1, value_v0, 3);
    CHECK_INT_EQ(kx_offsetlog_malformed(l), 2);
    CHECK_STR_EQ(contents(l).text, "g1/order/3=50 g1/order/4=42 ");
    /* A tombstone removes; a later commit brings it back. */
    kx_offsetlog_apply(l, key_v1, sizeof key_v1, NULL, 0);
    CHECK_STR_EQ(contents(l).text, "g1/order/4=42 ");
    kx_offsetlog_apply(l, key_v1, sizeof key_v1, value_v1, sizeof value_v1);
    CHECK_STR_EQ(contents(l).text, "g1/order/3=42 g1/order/4=42 ");
    /* Many keys: the table grows and every one is found again. */
    for (int i = 0; i < 3000; i++) {
        uint8_t k[] = {0,         1, 0, 2, 'h', (uint8_t)('a' + i % 26), 0, 1, 't', 0, 0, (uint8_t)(i >> 8),
                       (uint8_t)i};
        kx_offsetlog_apply(l, k, sizeof k, value_v2, sizeof value_v2);
    }
    CHECK_INT_EQ(contents(l).n, 2 + 3000);
    kx_offsetlog_free(l);
    kx_filter_free(&f);
}

static rd_kafka_t *mock_host;
static rd_kafka_mock_cluster_t *mc;

static void produce(const char *bootstrap, int32_t partition, const void *key, size_t klen, const void *value,
                    size_t vlen)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    rd_kafka_producev(p, RD_KAFKA_V_TOPIC("__consumer_offsets"), RD_KAFKA_V_PARTITION(partition),
                      RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)value, vlen), RD_KAFKA_V_END);
    CHECK_INT_EQ(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
}

/* Waits up to 10 s for the store to hold `want`. */
static bool wait_for(kx_offsetlog *l, const char *want)
{
    char why[192];
    for (double until = now_monotonic() + 10; now_monotonic() < until; usleep(20000))
        if (kx_offsetlog_ready(l, why, sizeof why) && strcmp(contents(l).text, want) == 0)
            return true;
    fprintf(stderr, "store: %s (%s)\n", contents(l).text,
            kx_offsetlog_ready(l, why, sizeof why) ? "ready" : why);
    return false;
}

static void test_reader(void)
{
    char errstr[256];
    mock_host = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), errstr, sizeof errstr);
    mc = rd_kafka_mock_cluster_new(mock_host, 1);
    const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
    rd_kafka_mock_topic_create(mc, "__consumer_offsets", 3, 1);
    produce(bootstrap, 0, key_v1, sizeof key_v1, value_v3, sizeof value_v3);
    produce(bootstrap, 0, "\x00\x01", 2, value_v3, sizeof value_v3); /* malformed: counted, skipped */
    uint8_t k[sizeof key_v1];
    memcpy(k, key_v1, sizeof k);
    k[sizeof k - 1] = 9;
    produce(bootstrap, 2, k, sizeof k, value_v4, sizeof value_v4);

    kx_state st;
    memset(&st, 0, sizeof st);
    char *servers[] = {(char *)bootstrap};
    st.opt.kafka_servers.items = servers;
    st.opt.kafka_servers.n = 1;
    char err[256];
    CHECK(kx_rdk_start(&st, err, sizeof err) == 0);
    static const char *const settings[] = {"enable.partition.eof", "true", "auto.offset.reset", "earliest",
                                           NULL};
    rd_kafka_t *rk = kx_rdk_new_reader(settings, err, sizeof err);
    CHECK(rk != NULL);
    kx_offsetlog *l = kx_offsetlog_new(NULL, NULL);
    CHECK(kx_offsetlog_start(l, rk, err, sizeof err) == 0);
    CHECK(wait_for(l, "g1/order/3=42 g1/order/9=42 "));
    CHECK_INT_EQ(kx_offsetlog_malformed(l), 1);
    /* Read all along: a tombstone arrives and removes its commit. */
    produce(bootstrap, 2, k, sizeof k, NULL, 0);
    CHECK(wait_for(l, "g1/order/3=42 "));

    /* A collection takes the commits from a ready store, asks the coordinators while it is not, and with
     * offsets_topic_only reads none and says why. (The mock has no ListGroups: no group is listed.) */
    kx_filter all;
    CHECK(kx_filter_init(&all, ".*", "^$", "t", "te", err, sizeof err) == 0);
    kx_fetch_opts o = {.topics = &all, .groups = &all, .offset_show_all = true, .offsetlog = l};
    kx_snapshot *s = kx_snapshot_fetch(st.rk, &o, now_monotonic() + 1.5);
    CHECK_INT_EQ(s->commits_source, KX_COMMITS_TOPIC);
    CHECK_INT_EQ(s->offsets_malformed, 1);
    kx_snapshot_release(s);
    kx_offsetlog *idle = kx_offsetlog_new(NULL, NULL);
    o.offsetlog = idle;
    s = kx_snapshot_fetch(st.rk, &o, now_monotonic() + 1.5);
    CHECK_INT_EQ(s->commits_source, KX_COMMITS_OFFSETFETCH);
    kx_snapshot_release(s);
    o.offsets_topic_only = true;
    s = kx_snapshot_fetch(st.rk, &o, now_monotonic() + 1.5);
    CHECK_INT_EQ(s->commits_source, KX_COMMITS_NONE);
    CHECK(!s->groups_ok);
    kx_snapshot_release(s);
    kx_offsetlog_free(idle);
    kx_filter_free(&all);
    kx_offsetlog_free(l);
    kx_rdk_stop(&st);

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mock_host);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    log_setup("error", "logfmt");
    test_keys();
    test_values();
    test_store();
    test_reader();
    return TEST_RESULT();
}
