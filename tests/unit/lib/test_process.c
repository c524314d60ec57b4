/* test_process.c -- process_* as the client libraries define them: the /proc parsers on fixed text, and
 * the collector on this very process against independent sources (getrlimit, fcntl, getpagesize). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "process.h"
#include "test.h"

static void test_parsers(void)
{
    process_stat st;
    /* A command name with blanks and parentheses, as a process may set it. */
    const char *stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 5 0 731 269 0 0 20 0 3 0 "
                       "98765 123456789 2345 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    CHECK(process_stat_parse(stat, &st) == 0);
    CHECK(st.utime == 731 && st.stime == 269 && st.starttime == 98765);
    CHECK(st.vsize == 123456789 && st.rss == 2345);
    CHECK(process_stat_parse("4242 (x) S 1 2 3\n", &st) == -1);
    CHECK(process_stat_parse("4242 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22\n", &st) ==
          -1);
    CHECK(process_stat_parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 x1 2 0 0 20 0 1 0 5 6 7\n", &st) == -1);

    uint64_t bt;
    CHECK(process_btime_parse("cpu  1 2 3 4\nintr 5\nbtime 1700000000\nprocesses 9\n", &bt) == 0);
    CHECK(bt == 1700000000);
    CHECK(process_btime_parse("cpu  1 2 3 4\n", &bt) == -1);
}

/* The value of a sample line "name value" in rendered text; -1 if absent. */
static double value_of(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (strncmp(l, name, n) == 0 && l[n] == ' ')
            return strtod(l + n + 1, NULL);
    return -1;
}

static void test_collector_on_self(void)
{
    expo *w = expo_new(1 << 20);
    char err[256] = "";
    CHECK(process_collect(w, err, sizeof err) == 0);
    buf out;
    buf_init(&out, 1 << 20);
    CHECK(expo_render(w, &out) == 0);
    CHECK(buf_puts(&out, "") == 0);
    const char *text = out.data;

    struct rlimit nofile, as;
    getrlimit(RLIMIT_NOFILE, &nofile);
    getrlimit(RLIMIT_AS, &as);
    CHECK_DBL_EQ(value_of(text, "process_max_fds"), (double)nofile.rlim_cur);
    CHECK_DBL_EQ(value_of(text, "process_virtual_memory_max_bytes"),
                 as.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 : (double)as.rlim_cur);
    CHECK_CONTAINS(text, "# TYPE process_cpu_seconds_total counter\n");
    if (as.rlim_cur == RLIM_INFINITY)
        CHECK_CONTAINS(text, "process_virtual_memory_max_bytes 1.8446744073709552e+19\n");
    /* Open descriptors counted with fcntl, plus the one the collector's opendir holds while it counts. */
    int open = 0;
    for (int fd = 0; fd < 4096; fd++)
        open += fcntl(fd, F_GETFD) != -1;
    CHECK_DBL_EQ(value_of(text, "process_open_fds"), (double)(open + 1));
    double rss = value_of(text, "process_resident_memory_bytes");
    CHECK(rss > 0 && (long)rss % getpagesize() == 0);
    CHECK(value_of(text, "process_virtual_memory_bytes") > rss);
    CHECK(value_of(text, "process_start_time_seconds") > 1e9);
    CHECK(value_of(text, "process_cpu_seconds_total") >= 0);
    buf_free(&out);
    expo_free(w);
}

int main(void)
{
    test_parsers();
    test_collector_on_self();
    return TEST_RESULT();
}
