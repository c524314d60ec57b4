/* test_filter.c -- --topic.filter/--topic.exclude semantics (unanchored Go regexps, as
 * danielqsj/kafka_exporter). */
#include "filter.h"
#include "test.h"

int main(void)
{
    kx_filter f;
    char err[256];
    CHECK(kx_filter_init(&f, ".*", "^$", "topic.filter", "topic.exclude", err, sizeof err) == 0);
    CHECK(kx_filter_match(&f, "orders"));
    CHECK(kx_filter_match(&f, "__consumer_offsets"));
    kx_filter_free(&f);
    CHECK(kx_filter_init(&f, "ord", "^__|test$", "topic.filter", "topic.exclude", err, sizeof err) == 0);
    CHECK(kx_filter_match(&f, "orders"));
    CHECK(kx_filter_match(&f, "src.orders"));
    CHECK(!kx_filter_match(&f, "orders-test"));
    CHECK(!kx_filter_match(&f, "__orders"));
    CHECK(!kx_filter_match(&f, "payments"));
    kx_filter_free(&f);
    kx_filter_free(&f); /* twice is harmless */
    CHECK(kx_filter_init(&f, "(", "^$", "topic.filter", "topic.exclude", err, sizeof err) == -1);
    CHECK_CONTAINS(err, "--topic.filter");
    CHECK(kx_filter_init(&f, ".*", "[z-a]", "group.filter", "group.exclude", err, sizeof err) == -1);
    CHECK_CONTAINS(err, "--group.exclude");

    /* Go regexps, as danielqsj's: \d was a plain 'd' to POSIX, so this matched nothing before. */
    CHECK(kx_filter_init(&f, "^events-\\d+$", "^$", "topic.filter", "topic.exclude", err, sizeof err) == 0);
    CHECK(kx_filter_match(&f, "events-12"));
    CHECK(!kx_filter_match(&f, "events-x"));
    kx_filter_free(&f);
    CHECK(kx_filter_init(&f, "^events-", "(?i)-TEST$", "topic.filter", "topic.exclude", err, sizeof err) ==
          0);
    CHECK(kx_filter_match(&f, "events-1"));
    CHECK(!kx_filter_match(&f, "events-1-test"));
    kx_filter_free(&f);
    CHECK(kx_filter_init(&f, "^(?:orders|payments)\\.\\w+?$", "^$", "group.filter", "group.exclude", err,
                         sizeof err) == 0);
    CHECK(kx_filter_match(&f, "orders.eu_1"));
    CHECK(!kx_filter_match(&f, "orders."));
    kx_filter_free(&f);
    /* What POSIX cannot express is refused, the flag named (kafka-exporter then exits 2). */
    CHECK(kx_filter_init(&f, ".*", "\\p{Greek}", "topic.filter", "topic.exclude", err, sizeof err) == -1);
    CHECK_CONTAINS(err, "--topic.exclude");
    CHECK_CONTAINS(err, "Unicode classes");
    return TEST_RESULT();
}
