/* parse_stat.c -- /proc/stat, /proc/loadavg and /proc/cpuinfo, as procfs 0.8 (node_exporter 1.5) reads them.
 */
#include "parsers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "textutil.h"
#include "parse.h"

const char *const softirq_names[STAT_SOFTIRQS] = {"hi",           "timer",   "net_tx", "net_rx",  "block",
                                                  "block_iopoll", "tasklet", "sched",  "hrtimer", "rcu"};

/* The "cpu" and "cpuN" lines: 4 to 10 tick counts (older kernels have fewer; the rest stay 0). */
static int cpu_line(char *name, char *f, stat_cpu_cb cb, void *arg)
{
    int64_t id = -1;
    if (name[3]) {
        uint64_t n;
        if (text_u64(name + 3, &n) < 0 || n >= 65536)
            return -1;
        id = (int64_t)n;
    }
    double v[STAT_CPU_FIELDS] = {0};
    int n = 0;
    char *tok;
    while (n < STAT_CPU_FIELDS && (tok = text_next_field(&f)))
        if (text_double(tok, &v[n++]) < 0)
            return -1;
    if (n < 4)
        return -1;
    if (cb)
        cb(arg, id, v);
    return 0;
}

int stat_parse(char *text, stat_rec *out, stat_cpu_cb cb, void *arg, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *cur = text, *f, *key;
    int lineno = 0;
    unsigned seen = 0;
    while (text_next_keyed(&cur, &lineno, &key, &f)) {
        if (strncmp(key, "cpu", 3) == 0) {
            if (cpu_line(key, f, cb, arg) < 0)
                return text_fail(err, errlen, lineno, "bad cpu line");
            seen |= 1u << 6;
            continue;
        }
        static const char *const keys[] = {"btime",         "intr",          "ctxt",   "processes",
                                           "procs_running", "procs_blocked", "softirq"};
        uint64_t *dst[] = {&out->btime,   &out->intr,    &out->ctxt,         &out->processes,
                           &out->running, &out->blocked, &out->softirq_total};
        for (unsigned k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            if (strcmp(key, keys[k]) != 0)
                continue;
            char *val = text_next_field(&f);
            if (!val || text_u64(val, dst[k]) < 0)
                return text_fail(err, errlen, lineno, "expected a number after the key");
            if (k == 6) {
                for (int i = 0; i < STAT_SOFTIRQS; i++) {
                    char *tok = text_next_field(&f);
                    if (!tok || text_u64(tok, &out->softirq[i]) < 0)
                        return text_fail(err, errlen, lineno, "softirq: expected 11 numbers");
                }
                out->has_softirq = 1;
            }
            seen |= 1u << (k == 6 ? 7 : k);
        }
    }
    /* procfs takes a file without these lines for zeros; a truncated file is an error here. */
    if ((seen & 0x7f) != 0x7f)
        return text_fail(err, errlen, lineno, "missing btime, intr, ctxt, processes, procs_* or cpu lines");
    return 0;
}

int loadavg_parse(char *text, double out[3], char *err, size_t errlen)
{
    char *f = text;
    for (int i = 0; i < 3; i++) {
        char *tok = text_next_field(&f);
        if (!tok || text_double(tok, &out[i]) < 0)
            return text_fail(err, errlen, 1, "expected three load averages");
    }
    return 0;
}

/* Go's strconv.ParseUint(s, 0, 32) for the common forms: decimal, 0x hex, 0 octal. */
static int parse_u32_base0(const char *s, unsigned *out)
{
    uint64_t v;
    if (parse_uint64_base0(s, &v) < 0 || v > 0xffffffffull)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int cpuinfo_parse(char *text, cpuinfo_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *line;
    int lineno = 0, started = 0;
    cpuinfo_rec rec;
    memset(&rec, 0, sizeof rec);
    while ((line = text_next_line(&cur))) {
        lineno++;
        if (!started && !*text_trim(line))
            continue;
        /* procfs splits at the first ": " and trims only the key; the value keeps its blanks. */
        char *sep = strstr(line, ": ");
        if (!started && (strncmp(line, "processor", 9) != 0 || !strchr(line, ':')))
            return text_fail(err, errlen, lineno, "does not start with a processor line");
        if (!sep) {
            if (!started)
                return text_fail(err, errlen, lineno, "bad processor line");
            continue;
        }
        *sep = '\0';
        char *key = text_trim(line), *val = sep + 2;
        unsigned u;
        double d;
        if (strcmp(key, "processor") == 0) {
            if (parse_u32_base0(val, &u) < 0)
                return text_fail(err, errlen, lineno, "processor is not a number");
            if (started)
                cb(arg, &rec);
            memset(&rec, 0, sizeof rec);
            rec.processor = u;
            started = 1;
        } else if (strcmp(key, "vendor") == 0 || strcmp(key, "vendor_id") == 0) {
            rec.vendor = val;
        } else if (strcmp(key, "cpu family") == 0) {
            rec.family = val;
        } else if (strcmp(key, "model") == 0) {
            rec.model = val;
        } else if (strcmp(key, "model name") == 0) {
            rec.model_name = val;
        } else if (strcmp(key, "stepping") == 0) {
            rec.stepping = val;
        } else if (strcmp(key, "microcode") == 0) {
            rec.microcode = val;
        } else if (strcmp(key, "cache size") == 0) {
            rec.cache_size = val;
        } else if (strcmp(key, "physical id") == 0) {
            rec.physical_id = val;
        } else if (strcmp(key, "core id") == 0) {
            rec.core_id = val;
        } else if (strcmp(key, "flags") == 0) {
            rec.flags = val;
        } else if (strcmp(key, "bugs") == 0) {
            rec.bugs = val;
        } else if (strcmp(key, "cpu MHz") == 0 || strcmp(key, "bogomips") == 0) {
            if (text_double(val, &d) < 0)
                return text_fail(err, errlen, lineno, "expected a number");
        } else if (strcmp(key, "siblings") == 0 || strcmp(key, "cpu cores") == 0 ||
                   strcmp(key, "cpuid level") == 0 || strcmp(key, "clflush size") == 0 ||
                   strcmp(key, "cache_alignment") == 0) {
            if (parse_u32_base0(val, &u) < 0)
                return text_fail(err, errlen, lineno, "expected a number");
        }
    }
    if (!started)
        return text_fail(err, errlen, lineno, "no processor line");
    cb(arg, &rec);
    return 0;
}
