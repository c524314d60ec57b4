/* test_filter.c -- --topic.filter/--topic.exclude semantics (unanchored Go regexps, as
 * danielqsj/kafka_exporter), and the selection table of fixtures/re2_selection.txt, whose expectations are
 * Go's (tests/tools/re2_selection.go). */
#include "filter.h"
#include "test.h"

#include <stdlib.h>

enum { MAX_NAMES = 64 };

/* Each row's pattern as --topic.filter or --topic.exclude (the other at danielqsj's default): the names kept,
 * in list order, must be the file's (Go's). */
static void run_table(const char *path)
{
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (!fp)
        return;
    char line[4096], *names[MAX_NAMES];
    int nnames = 0, rows = 0, n = 0;
    while (fgets(line, sizeof line, fp)) {
        n++;
        line[strcspn(line, "\n")] = '\0';
        char *f[5] = {0};
        int nf = 0;
        for (char *p = line; nf < 5 && p; nf++) {
            f[nf] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (strcmp(f[0], "name") == 0 && nf == 2 && nnames < MAX_NAMES) {
            names[nnames++] = strdup(f[1]);
            continue;
        }
        if (strcmp(f[0], "row") != 0)
            continue;
        CHECK(nf == 5);
        if (nf != 5)
            continue;
        rows++;
        bool filter = strcmp(f[1], "filter") == 0;
        kx_filter k;
        char err[256], got[4096] = "";
        if (kx_filter_init(&k, filter ? f[2] : NULL, filter ? NULL : f[2], "topic.filter", "topic.exclude",
                           err, sizeof err) != 0) {
            snprintf(got, sizeof got, "!");
            CHECK_CONTAINS(err, filter ? "--topic.filter" : "--topic.exclude");
        } else {
            for (int i = 0; i < nnames; i++)
                if (kx_filter_match(&k, names[i]))
                    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", got[0] ? "," : "",
                             names[i]);
            if (!got[0])
                snprintf(got, sizeof got, "-");
            kx_filter_free(&k);
        }
        test_checks++;
        if (strcmp(got, f[4]) != 0) {
            fprintf(stderr, "%s:%d: FAIL: %s \"%s\" keeps %s, Go keeps %s\n", path, n, f[1], f[2], got, f[4]);
            test_failures++;
        }
    }
    fclose(fp);
    CHECK(nnames >= 20 && rows >= 10);
    for (int i = 0; i < nnames; i++)
        free(names[i]);
}

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

    run_table(FIXTURES_DIR "/re2_selection.txt");
    return TEST_RESULT();
}
