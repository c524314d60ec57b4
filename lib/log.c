/* log.c -- logfmt/JSON logging to stderr, one write per line (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

/* Output that hits the line cap is cut short, which is fine for a log line. */
static void bput(buf *b, const char *s)
{
    if (buf_puts(b, s) < 0)
        return;
}

static void bappend(buf *b, const void *p, size_t n)
{
    if (buf_append(b, p, n) < 0)
        return;
}

__attribute__((format(printf, 2, 3))) static void bputf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (buf_vprintf(b, fmt, ap) < 0) {
        va_end(ap);
        return;
    }
    va_end(ap);
}

static int log_level = LOG_LEVEL_INFO;
static int log_json;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int log_setup(const char *level, const char *format)
{
    int lv = -1, js = -1;
    for (int i = 0; i < 4; i++)
        if (level && strcmp(level, level_names[i]) == 0)
            lv = i;
    if (format && strcmp(format, "logfmt") == 0)
        js = 0;
    else if (format && strcmp(format, "json") == 0)
        js = 1;
    if (lv < 0 || js < 0)
        return -1;
    log_level = lv;
    log_json = js;
    return 0;
}

int log_enabled(int level)
{
    return level >= log_level;
}

/* JSON and logfmt quote alike but for control bytes: JSON has no \x escape. */
static void put_quoted(buf *b, const char *s, int json)
{
    bput(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            bputf(b, "\\%c", c);
        else if (c == '\n')
            bput(b, "\\n");
        else if (c < 0x20)
            bputf(b, json ? "\\u%04x" : "\\x%02x", c);
        else
            bappend(b, &c, 1);
    }
    bput(b, "\"");
}

static void put_logfmt_value(buf *b, const char *s)
{
    int quote = *s == '\0';
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '=' || *p == '"')
            quote = 1;
    if (!quote) {
        bput(b, s);
        return;
    }
    put_quoted(b, s, 0);
}

static void put_pair(buf *b, int first, const char *k, const char *v)
{
    if (log_json) {
        if (!first)
            bput(b, ",");
        put_quoted(b, k, 1);
        bput(b, ":");
        put_quoted(b, v, 1);
    } else {
        if (!first)
            bput(b, " ");
        bput(b, k);
        bput(b, "=");
        put_logfmt_value(b, v);
    }
}

void log_kv(int level, const char *msg, ...)
{
    if (!log_enabled(level))
        return;
    if (level < 0 || level > LOG_LEVEL_ERROR)
        level = LOG_LEVEL_ERROR;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[80];
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));

    buf b;
    buf_init(&b, 16384);
    if (log_json)
        bput(&b, "{");
    put_pair(&b, 1, "ts", ts);
    put_pair(&b, 0, "level", level_names[level]);
    put_pair(&b, 0, "msg", msg ? msg : "");
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        put_pair(&b, 0, k, v ? v : "");
    }
    va_end(ap);
    bput(&b, log_json ? "}\n" : "\n");
    if (b.data && b.data[b.len - 1] != '\n') {
        /* The line hit the size cap: end it anyway. */
        b.data[b.len - 1] = '\n';
    }
    /* One write() per line keeps lines whole across threads. */
    if (b.data) {
        ssize_t off = 0;
        while ((size_t)off < b.len) {
            ssize_t n = write(STDERR_FILENO, b.data + off, b.len - (size_t)off);
            if (n <= 0)
                break;
            off += n;
        }
    }
    buf_free(&b);
}

int log_every_due(log_every *e, double interval, char *count, size_t countlen)
{
    double now = now_monotonic();
    int due = 0;
    pthread_mutex_lock(&e->mu);
    e->pending++;
    if (e->last == 0 || now - e->last >= interval) {
        snprintf(count, countlen, "%lu", e->pending);
        e->pending = 0;
        e->last = now;
        due = 1;
    }
    pthread_mutex_unlock(&e->mu);
    return due;
}
