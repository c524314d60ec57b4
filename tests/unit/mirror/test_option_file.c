/* test_option_file.c -- librdkafka settings from a file: name=value lines, comments, and errors that never
 * quote the line (it may hold a password). */
#include <string.h>

#include "option_file.h"
#include "test.h"

typedef struct seen {
    char items[8][128];
    int n;
} seen;

static void add(void *arg, const char *option)
{
    seen *s = arg;
    if (s->n < 8)
        snprintf(s->items[s->n++], sizeof s->items[0], "%s", option);
}

static int parse(const char *text, seen *s, char *err, size_t errlen)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", text);
    memset(s, 0, sizeof *s);
    err[0] = '\0';
    return option_file_parse(buf, add, s, err, errlen);
}

int main(void)
{
    seen s;
    char err[128];
    CHECK_INT_EQ(parse("# SASL for the source\n"
                       "security.protocol=SASL_SSL\n"
                       "\n"
                       "  sasl.username = exporter \r\n"
                       "\tsasl.password=p=ss word#1\n"
                       "ssl.ca.location=/etc/kafka/ca.pem",
                       &s, err, sizeof err),
                 0);
    CHECK_INT_EQ(s.n, 4);
    CHECK_STR_EQ(s.items[0], "security.protocol=SASL_SSL");
    CHECK_STR_EQ(s.items[1], "sasl.username=exporter");
    CHECK_STR_EQ(s.items[2], "sasl.password=p=ss word#1"); /* the value keeps '=', inner spaces and '#' */
    CHECK_STR_EQ(s.items[3], "ssl.ca.location=/etc/kafka/ca.pem");

    CHECK_INT_EQ(parse("", &s, err, sizeof err), 0);
    CHECK_INT_EQ(s.n, 0);
    CHECK_INT_EQ(parse("a=\n", &s, err, sizeof err), 0); /* an empty value is librdkafka's to judge */
    CHECK_STR_EQ(s.items[0], "a=");

    /* Errors name the line, never its content. */
    CHECK_INT_EQ(parse("ok=1\nsecretpassword\n", &s, err, sizeof err), -1);
    CHECK_STR_EQ(err, "line 2: not name=value");
    CHECK_INT_EQ(parse("=hunter2\n", &s, err, sizeof err), -1);
    CHECK_STR_EQ(err, "line 1: no setting name before '='");
    CHECK_INT_EQ(parse("sasl password=hunter2\n", &s, err, sizeof err), -1);
    CHECK(strstr(err, "hunter2") == NULL);
    return TEST_RESULT();
}
