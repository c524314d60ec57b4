/* test_log.c -- log lines: levels, logfmt quoting, JSON escaping, one line per call. */
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

/* Runs one log call with stderr redirected into a pipe; returns what was written (caller frees). */
static char *capture(void (*fn)(void))
{
    int p[2];
    if (pipe(p) < 0)
        abort();
    int saved = dup(2);
    dup2(p[1], 2);
    close(p[1]);
    fn();
    dup2(saved, 2);
    close(saved);
    char *out = calloc(1, 8192);
    ssize_t n = read(p[0], out, 8191);
    (void)n;
    close(p[0]);
    return out;
}

static void info_plain(void)
{
    log_info("listening", "address", ":9100", NULL);
}

static void info_quoted(void)
{
    log_info("scrape failed", "err", "say \"hi\"\nbye", "empty", "", NULL);
}

static void debug_line(void)
{
    log_debug("hidden", NULL);
}

int main(void)
{
    CHECK_INT_EQ(log_setup("loud", "logfmt"), -1);
    CHECK_INT_EQ(log_setup("info", "xml"), -1);
    CHECK_INT_EQ(log_setup("info", "logfmt"), 0);
    CHECK(log_enabled(LOG_LEVEL_WARN));
    CHECK(!log_enabled(LOG_LEVEL_DEBUG));

    char *s = capture(info_plain);
    CHECK(strncmp(s, "ts=", 3) == 0);
    CHECK_CONTAINS(s, "Z level=info msg=listening address=:9100\n");
    free(s);
    s = capture(info_quoted);
    CHECK_CONTAINS(s, " msg=\"scrape failed\" err=\"say \\\"hi\\\"\\nbye\" empty=\"\"\n");
    CHECK(strchr(s, '\n') == s + strlen(s) - 1); /* exactly one line */
    free(s);
    s = capture(debug_line);
    CHECK_STR_EQ(s, "");
    free(s);

    CHECK_INT_EQ(log_setup("debug", "json"), 0);
    s = capture(info_quoted);
    CHECK(strncmp(s, "{\"ts\":\"", 7) == 0);
    CHECK_CONTAINS(
        s, "\"level\":\"info\",\"msg\":\"scrape failed\",\"err\":\"say \\\"hi\\\"\\nbye\",\"empty\":\"\"}\n");
    free(s);
    s = capture(debug_line);
    CHECK_CONTAINS(s, "\"level\":\"debug\",\"msg\":\"hidden\"}");
    free(s);
    return TEST_RESULT();
}
