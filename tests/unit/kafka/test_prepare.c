/* test_prepare.c -- the prepare stage against a dead broker (it takes connections and never answers):
 * the first scrape waits for the first collection (at most half its budget), later ones answer from
 * the last collection at once, the collectors take ~0, and kafka_up 0 is there with every collector
 * disabled. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kx.h"
#include "log.h"
#include "rdk.h"
#include "snapshot.h"
#include "test.h"

/* A loopback port whose connections the kernel completes and nobody ever reads: a hung broker. */
static int dead_port(int *fd)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(*fd >= 0 && bind(*fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(*fd, (struct sockaddr *)&a, &len) == 0);
    CHECK(listen(*fd, 64) == 0);
    return ntohs(a.sin_port);
}

/* The value of the sample line starting with `prefix` (then a space), or -1 if absent. */
static double sample_value(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

static char *scrape(collectors *c, kx_state *st, double budget)
{
    expo *w = expo_new(1 << 20);
    collectors_scrape(c, w, st, now_monotonic() + budget);
    buf b;
    buf_init(&b, 1 << 20);
    CHECK(expo_render(w, &b) == 0);
    expo_free(w);
    return buf_steal(&b, NULL);
}

int main(void)
{
    log_setup("error", "logfmt");
    int fd;
    char bootstrap[64];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%d", dead_port(&fd));
    kx_state st;
    memset(&st, 0, sizeof st);
    char *servers[] = {bootstrap};
    st.opt.kafka_servers.items = servers;
    st.opt.kafka_servers.n = 1;
    char err[256];
    CHECK(kx_filter_init(&st.topics, ".*", "^$", "t", "te", err, sizeof err) == 0);
    CHECK(kx_filter_init(&st.groups, ".*", "^$", "g", "ge", err, sizeof err) == 0);
    CHECK(kx_rdk_start(&st, err, sizeof err) == 0);
    st.opt.collection_interval = 0.3;
    st.opt.collection_timeout = 0.4;
    CHECK(kx_collection_start(&st, err, sizeof err) == 0);
    collectors *c = collectors_new("kafka", kx_collectors, kx_ncollectors);
    collectors_set_prepare(c, kx_prepare);

    /* Every collector on: the first scrape waits for the first collection, which the dead broker makes
     * last its whole --collection.timeout; that wait is the prepare stage's, not a collector's. */
    char *out = scrape(c, &st, 1.0);
    CHECK_CONTAINS(out, "kafka_up 0\n");
    CHECK_CONTAINS(out, "kafka_scrape_prepare_success 0\n");
    double prep = sample_value(out, "kafka_scrape_prepare_duration_seconds");
    fprintf(stderr, "first prepare %.3f s\n", prep);
    CHECK(prep >= 0 && prep <= 0.6);
    free(out);
    /* Then scrapes never wait: the answer is the last collection's, whatever the broker does. */
    out = scrape(c, &st, 1.0);
    prep = sample_value(out, "kafka_scrape_prepare_duration_seconds");
    fprintf(stderr, "next prepare %.3f s\n", prep);
    CHECK(prep >= 0 && prep < 0.05);
    CHECK_CONTAINS(out, "kafka_up 0\n");
    double coll = sample_value(out, "kafka_collection_duration_seconds");
    CHECK(coll > 0 && coll < 1.0);
    static const char *const names[] = {"brokers", "topics", "consumergroups", "zookeeper"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char key[128];
        snprintf(key, sizeof key, "kafka_scrape_collector_duration_seconds{collector=\"%s\"}", names[i]);
        double d = sample_value(out, key);
        CHECK(d >= 0 && d < 0.01);
    }
    CHECK_CONTAINS(out, "kafka_scrape_collector_success{collector=\"brokers\"} 0\n");
    free(out);

    /* Every collector off (--no-collector.brokers --no-collector.topics ...): kafka_up is still there. */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_INT_EQ(collectors_set(c, names[i], false), 0);
    out = scrape(c, &st, 0.3);
    CHECK_CONTAINS(out, "kafka_up 0\n");
    CHECK_CONTAINS(out, "kafka_scrape_prepare_success 0\n");
    CHECK(strstr(out, "collector=") == NULL);
    free(out);

    collectors_free(c);
    kx_collection_stop(&st);
    kx_snapshot_release(st.snap);
    kx_rdk_stop(&st);
    kx_histories_free(&st.histories);
    kx_filter_free(&st.topics);
    kx_filter_free(&st.groups);
    close(fd);
    return TEST_RESULT();
}
