/* test_secretargs.c -- secret flag values and secret client options hidden from the process list. */
#include <string.h>

#include "secretargs.h"
#include "test.h"

static const char *const flags[] = {"--sasl.password", NULL};
static const char *const options[] = {"--source.kafka.option", "--target.kafka.option", NULL};

static void test_flags(void)
{
    char a0[] = "kafka-exporter", a1[] = "--sasl.password=hunter2", a2[] = "--sasl.password", a3[] = "s3cr3t",
         a4[] = "--sasl.password-file=/run/pw", a5[] = "--sasl.username=hunter2", a6[] = "--sasl.password=";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, NULL};
    CHECK_INT_EQ(hide_secret_args(7, argv, flags, NULL), 2);
    CHECK_STR_EQ(argv[1], "--sasl.password=***");
    CHECK_STR_EQ(argv[2], "--sasl.password");
    CHECK_STR_EQ(argv[3], "***");
    /* Not secrets: the file's path and the user name stay as given. */
    CHECK_STR_EQ(argv[4], "--sasl.password-file=/run/pw");
    CHECK_STR_EQ(argv[5], "--sasl.username=hunter2");
    CHECK_STR_EQ(argv[6], "--sasl.password=");

    /* A trailing flag without its value (flags.c rejects it anyway) touches nothing past argv. */
    char b0[] = "x", b1[] = "--sasl.password";
    char *argv2[] = {b0, b1, NULL};
    CHECK_INT_EQ(hide_secret_args(2, argv2, flags, options), 0);
    CHECK_STR_EQ(argv2[1], "--sasl.password");
}

static void test_options(void)
{
    char a0[] = "mirror-exporter", a1[] = "--source.kafka.option=sasl.password=hunter2",
         a2[] = "--target.kafka.option", a3[] = "ssl.key.password=k3y",
         a4[] = "--source.kafka.option=sasl.username=bob", a5[] = "--source.kafka.option",
         a6[] = "sasl.oauthbearer.client.secret=abc", a7[] = "--target.kafka.option=ssl.key.pem=PEMDATA",
         a8[] = "--source.kafka.option=security.protocol=SASL_SSL",
         a9[] = "--source.kafka.option=ssl.key.location=/etc/k.pem";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL};
    CHECK_INT_EQ(hide_secret_args(10, argv, NULL, options), 4);
    CHECK_STR_EQ(argv[1], "--source.kafka.option=sasl.password=***");
    CHECK_STR_EQ(argv[3], "ssl.key.password=***");
    CHECK_STR_EQ(argv[6], "sasl.oauthbearer.client.secret=***");
    CHECK_STR_EQ(argv[7], "--target.kafka.option=ssl.key.pem=***");
    /* Not secrets: names, protocols, paths. */
    CHECK_STR_EQ(argv[4], "--source.kafka.option=sasl.username=bob");
    CHECK_STR_EQ(argv[8], "--source.kafka.option=security.protocol=SASL_SSL");
    CHECK_STR_EQ(argv[9], "--source.kafka.option=ssl.key.location=/etc/k.pem");
}

/* Laid out as the kernel does (back to back): the secret's length is gone, the rest moved up, the freed
 * bytes at the end are NULs, and the whole area keeps its size. */
static void test_kernel_layout(void)
{
    static const char layout[] =
        "x\0--sasl.password=hunter2hunter2\0--web.listen-address=:1\0--sasl.password\0ab\0";
    char area[sizeof layout];
    memcpy(area, layout, sizeof layout);
    char *argv[6] = {area, NULL};
    for (int i = 1; i < 5; i++)
        argv[i] = argv[i - 1] + strlen(argv[i - 1]) + 1;
    CHECK_INT_EQ(hide_secret_args(5, argv, flags, NULL), 2);
    static const char want[] = "x\0--sasl.password=***\0--web.listen-address=:1\0--sasl.password\0**\0";
    CHECK(memcmp(area, want, sizeof want - 1) == 0);
    for (size_t i = sizeof want - 1; i < sizeof area; i++)
        CHECK(area[i] == '\0');
    CHECK_STR_EQ(argv[2], "--web.listen-address=:1");
    CHECK_STR_EQ(argv[4], "**");
}

int main(void)
{
    test_flags();
    test_options();
    test_kernel_layout();
    return TEST_RESULT();
}
