/* test_connect_status.c -- Connect's expanded /connectors answer: MM2's connectors kept, others skipped,
 * FAILED traces reduced to their exception class, state clocks across answers, bad answers refused. */
#include <string.h>

#include "connect_status.h"
#include "test.h"

/* The shape Kafka Connect 3.9 answers (ConnectorsResource with expand=status&expand=info). */
static const char answer[] =
    "{\"mm2-source\":{\"info\":{\"name\":\"mm2-source\",\"config\":{\"connector.class\":"
    "\"org.apache.kafka.connect.mirror.MirrorSourceConnector\",\"tasks.max\":\"2\"},"
    "\"tasks\":[{\"connector\":\"mm2-source\",\"task\":0}],\"type\":\"source\"},"
    "\"status\":{\"name\":\"mm2-source\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"127.0.20.1:"
    "8083\"},"
    "\"tasks\":[{\"id\":0,\"state\":\"RUNNING\",\"worker_id\":\"127.0.20.1:8083\"},"
    "{\"id\":1,\"state\":\"FAILED\",\"worker_id\":\"127.0.20.1:8083\",\"trace\":"
    "\"org.apache.kafka.connect.errors.ConnectException: Failed to connect to 10.0.0.1:9092 with "
    "password hunter2\\n\\tat "
    "org.apache.kafka.connect.mirror.MirrorSourceTask.start(MirrorSourceTask.java:1)\\n\"}],"
    "\"type\":\"source\"}},"
    "\"jdbc-sink\":{\"info\":{\"config\":{\"connector.class\":\"io.confluent.connect.jdbc."
    "JdbcSinkConnector\"}},"
    "\"status\":{\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w\"},\"tasks\":[]}},"
    "\"mm2-heartbeat\":{\"info\":{\"config\":{\"connector.class\":"
    "\"org.apache.kafka.connect.mirror.MirrorHeartbeatConnector\"}},"
    "\"status\":{\"connector\":{\"state\":\"PAUSED\",\"worker_id\":\"w2\"},\"tasks\":[{\"id\":0,\"state\":"
    "\"SOMETHING_NEW\",\"worker_id\":\"w2\"}]}}}";

static const connect_connector *by_name(const connect_status *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->connectors[i].name, name) == 0)
            return &s->connectors[i];
    return NULL;
}

static void test_decode(void)
{
    connect_status s;
    char err[256] = "";
    CHECK_INT_EQ(connect_status_parse(answer, strlen(answer), &s, err, sizeof err), 0);
    CHECK_INT_EQ(s.n, 2);
    CHECK_INT_EQ(s.skipped, 1);
    const connect_connector *src = by_name(&s, "mm2-source");
    CHECK(src != NULL);
    if (src) {
        CHECK_STR_EQ(src->class_name, "MirrorSourceConnector");
        CHECK_INT_EQ(src->state, CONNECT_RUNNING);
        CHECK_STR_EQ(src->worker, "127.0.20.1:8083");
        CHECK_INT_EQ(src->ntasks, 2);
        CHECK_INT_EQ(src->tasks[1].id, 1);
        CHECK_INT_EQ(src->tasks[1].state, CONNECT_FAILED);
        /* the class, never the message: it holds hosts and here a password */
        CHECK_STR_EQ(src->tasks[1].error_class, "org.apache.kafka.connect.errors.ConnectException");
        CHECK_STR_EQ(src->tasks[0].error_class, "");
    }
    const connect_connector *hb = by_name(&s, "mm2-heartbeat");
    CHECK(hb != NULL);
    if (hb) {
        CHECK_INT_EQ(hb->state, CONNECT_PAUSED);
        CHECK_INT_EQ(hb->tasks[0].state, CONNECT_UNKNOWN); /* a state Connect may add later */
    }
    CHECK(by_name(&s, "jdbc-sink") == NULL);
    connect_status_free(&s);
}

static void test_error_class(void)
{
    char out[CONNECT_CLASS_MAX + 1];
    connect_error_class("java.lang.NullPointerException\n\tat x", out, sizeof out);
    CHECK_STR_EQ(out, "java.lang.NullPointerException");
    connect_error_class("org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed",
                        out, sizeof out);
    CHECK_STR_EQ(out, "org.apache.kafka.common.errors.SaslAuthenticationException");
    connect_error_class("Outer$Inner: x", out, sizeof out);
    CHECK_STR_EQ(out, "Outer$Inner");
    const char *bad[] = {NULL,    "",        ": x",      "a..b: x",      ".a: x",
                         "a.: x", "9a.b: x", "a-b.C: x", "\"quoted\": x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        connect_error_class(bad[i], out, sizeof out);
        CHECK_STR_EQ(out, "unknown");
    }
    char longer[400];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    connect_error_class(longer, out, sizeof out);
    CHECK_STR_EQ(out, "unknown"); /* not a truncated, misleading class */
}

static void test_bad_answers(void)
{
    const char *bad[] = {
        "",
        "[]",
        "{\"a\":1}",
        "{\"a\":{\"info\":{\"config\":{\"connector.class\":\"org.apache.kafka.connect.mirror.X\"}}}}",
        "{\"a\":{\"info\":{\"config\":{\"connector.class\":\"org.apache.kafka.connect.mirror.X\"}},"
        "\"status\":{\"connector\":{\"state\":\"RUNNING\"},\"tasks\":[{\"state\":\"RUNNING\"}]}}}",
        "{\"a\":{\"info\":{\"config\":{\"connector.class\":\"org.apache.kafka.connect.mirror.X\"}},"
        "\"status\":{\"connector\":{\"state\":\"RUNNING\"},\"tasks\":{}}}}",
        "{\"a\":{},\"a\":{}}",
        "{\"a\":",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        connect_status s;
        char err[256] = "";
        CHECK_INT_EQ(connect_status_parse(bad[i], strlen(bad[i]), &s, err, sizeof err), -1);
        CHECK(err[0] != '\0');
        CHECK_INT_EQ(s.n, 0);
        CHECK(s.connectors == NULL);
    }
}

static void test_clock(void)
{
    connect_tracker t = {0};
    connect_status s;
    char err[256];
    CHECK_INT_EQ(connect_status_parse(answer, strlen(answer), &s, err, sizeof err), 0);
    connect_tracker_update(&t, &s, 100);
    CHECK_DBL_EQ(connect_tracker_since(&t, "mm2-source", -1), 100);
    CHECK_DBL_EQ(connect_tracker_since(&t, "mm2-source", 1), 100);
    connect_tracker_update(&t, &s, 105); /* nothing changed: the clocks keep running */
    CHECK_DBL_EQ(connect_tracker_since(&t, "mm2-source", 1), 100);
    ((connect_connector *)by_name(&s, "mm2-source"))->tasks[1].state = CONNECT_RUNNING;
    connect_tracker_update(&t, &s, 110);
    CHECK_DBL_EQ(connect_tracker_since(&t, "mm2-source", 1), 110);
    CHECK_DBL_EQ(connect_tracker_since(&t, "mm2-source", 0), 100);
    connect_status_free(&s);
    /* the heartbeat connector is gone from the next answer: forgotten */
    const char one[] =
        "{\"mm2-source\":{\"info\":{\"config\":{\"connector.class\":"
        "\"org.apache.kafka.connect.mirror.MirrorSourceConnector\"}},\"status\":{\"connector\":"
        "{\"state\":\"RUNNING\",\"worker_id\":\"w\"},\"tasks\":[]}}}";
    CHECK_INT_EQ(connect_status_parse(one, strlen(one), &s, err, sizeof err), 0);
    connect_tracker_update(&t, &s, 120);
    CHECK_DBL_EQ(connect_tracker_since(&t, "mm2-heartbeat", -1), 0);
    CHECK_DBL_EQ(connect_tracker_since(&t, "mm2-source", 1), 0);
    CHECK_DBL_EQ(connect_tracker_since(&t, "mm2-source", -1), 100);
    connect_status_free(&s);
    connect_tracker_free(&t);
}

int main(void)
{
    test_decode();
    test_error_class();
    test_bad_answers();
    test_clock();
    return TEST_RESULT();
}
