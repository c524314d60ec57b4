/* parse_netmisc.c -- softnet_stat, nf_conntrack stat, schedstat, the ARP table and sysfs attribute numbers.
 */
#include "parsers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "textutil.h"
#include "parse.h"

int softnet_parse(char *text, softnet_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        lineno++;
        char *col[9];
        size_t n = text_fields(line, col, 9);
        /* procfs wants at least 9 columns and reads the first three. */
        if (n < 9)
            return text_fail(err, errlen, lineno, "fewer than 9 columns");
        uint64_t v[3];
        for (int i = 0; i < 3; i++)
            if (text_hex_u64(col[i], 32, &v[i]) < 0)
                return text_fail(err, errlen, lineno, "not a 32-bit hex number");
        cb(arg, (unsigned)(lineno - 1), v[0], v[1], v[2]);
    }
    return 0;
}

int conntrack_stat_parse(char *text, conntrack_stat *out, char *err, size_t errlen)
{
    /* Columns summed over CPUs (procfs's ConntrackStat: exactly 17 columns, hex). */
    static const int cols[CONNTRACK_STATS] = {2, 4, 5, 8, 9, 10, 11, 16};
    memset(out, 0, sizeof *out);
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        if (++lineno == 1)
            continue; /* the header */
        char *col[18];
        if (text_fields(line, col, 18) != 17)
            return text_fail(err, errlen, lineno, "expected 17 columns");
        for (int i = 0; i < CONNTRACK_STATS; i++) {
            uint64_t v;
            if (text_hex_u64(col[cols[i]], 64, &v) < 0)
                return text_fail(err, errlen, lineno, "not a hex number");
            out->v[i] += v;
        }
        out->cpus++;
    }
    return 0;
}

const char *const conntrack_stat_names[CONNTRACK_STATS] = {
    "found", "invalid", "ignore", "insert", "insert_failed", "drop", "early_drop", "search_restart",
};

/* "cpuN a b c d e f g h i": procfs matches an unanchored regexp with single spaces and takes the
 * 7th to 9th numbers; lines that do not match (or overflow) are skipped, never an error. */
void schedstat_parse(char *text, schedstat_cb cb, void *arg)
{
    char *cur = text, *line;
    while ((line = text_next_line(&cur))) {
        char *p = strstr(line, "cpu");
        if (!p)
            continue;
        char *cpu = p + 3, *q = cpu;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q == cpu || *q != ' ')
            continue;
        *q++ = '\0';
        uint64_t v[9];
        int n = 0;
        while (n < 9) {
            char *start = q;
            while (*q >= '0' && *q <= '9')
                q++;
            if (q == start)
                break;
            char c = *q;
            *q = '\0';
            int bad = text_u64(start, &v[n]) < 0;
            *q = c;
            if (bad)
                break;
            n++;
            if (n < 9) {
                if (*q != ' ')
                    break;
                q++;
            }
        }
        if (n == 9)
            cb(arg, cpu, v[6], v[7], v[8]);
    }
}

int arp_parse(char *text, arp_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        lineno++;
        char *f = line, *tok, *first = NULL, *last = NULL;
        int n = 0;
        while ((tok = text_next_field(&f))) {
            if (!n)
                first = tok;
            last = tok;
            n++;
        }
        if (n < 6)
            return text_fail(err, errlen, lineno, "unexpected ARP table format");
        if (strcmp(first, "IP") != 0)
            cb(arg, last); /* the device is the last column */
    }
    return 0;
}

int sysattr_int64(const char *s, int64_t *out)
{
    /* Go's ParseInt(s, 0, 64): decimal, 0x hex or 0 octal, optional sign, nothing else. */
    return parse_int64_base0(s, out);
}
