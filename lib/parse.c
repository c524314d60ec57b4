/* parse.c -- strict number and duration parsing (parse.h). */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* strtoll/strtoull in a base, the whole string or nothing: no leading space, nothing after. */
static int whole_int(const char *s, int base, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, base);
    if (errno || *end || end == s)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int whole_uint(const char *s, int base, uint64_t *out)
{
    /* strtoull accepts "-1" as a huge number; we do not. */
    if (!s || !*s || isspace((unsigned char)*s) || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end || end == s)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int parse_int64_base0(const char *s, int64_t *out)
{
    return whole_int(s, 0, out);
}

int parse_uint64_base0(const char *s, uint64_t *out)
{
    if (s && *s == '+')
        return -1; /* Go's ParseUint takes no sign */
    return whole_uint(s, 0, out);
}

int parse_double_finite(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int parse_int64(const char *s, int64_t *out)
{
    return whole_int(s, 10, out);
}

int parse_uint64(const char *s, uint64_t *out)
{
    return whole_uint(s, 10, out);
}

int parse_double(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end)
        return -1;
    /* Underflow to a tiny number is fine; overflow is not. */
    if (errno == ERANGE && isinf(v))
        return -1;
    *out = v;
    return 0;
}

int parse_duration(const char *s, double *seconds)
{
    static const struct {
        const char *unit;
        double mult;
    } units[] = {{"ms", 0.001}, {"s", 1},      {"m", 60},      {"h", 3600},
                 {"d", 86400},  {"w", 604800}, {"y", 31536000}};
    if (!s || !*s)
        return -1;
    double total = 0;
    int last = -1; /* units must come largest first, each once (Prometheus rule) */
    const char *p = s;
    if (strcmp(s, "0") == 0) {
        *seconds = 0;
        return 0;
    }
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return -1;
        errno = 0;
        char *end;
        unsigned long long n = strtoull(p, &end, 10);
        if (errno || n > (1ULL << 53))
            return -1;
        p = end;
        int found = -1;
        /* "ms" must be tried before "m". */
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            size_t ul = strlen(units[i].unit);
            if (strncmp(p, units[i].unit, ul) == 0 && !(ul == 1 && units[i].unit[0] == 'm' && p[1] == 's')) {
                found = (int)i;
                p += ul;
                break;
            }
        }
        if (found < 0)
            return -1;
        /* units[] is ordered smallest first, so the index is the magnitude. */
        int r = found;
        if (last >= 0 && r >= last)
            return -1;
        last = r;
        total += (double)n * units[found].mult;
    }
    *seconds = total;
    return 0;
}

int parse_size(const char *s, uint64_t *bytes)
{
    /* Prometheus' sizes (units.ParseBase2Bytes, as its --storage.tsdb.retention.size): KB = KiB = 1024. */
    static const struct {
        const char *unit;
        unsigned shift;
    } units[] = {{"", 0},     {"B", 0},   {"KB", 10},  {"KiB", 10}, {"MB", 20},
                 {"MiB", 20}, {"GB", 30}, {"GiB", 30}, {"TB", 40},  {"TiB", 40}};
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno)
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit) != 0)
            continue;
        if (n > (UINT64_MAX >> units[i].shift))
            return -1;
        *bytes = (uint64_t)n << units[i].shift;
        return 0;
    }
    return -1;
}
