/* parse_meminfo.c -- /proc/meminfo into node_exporter's node_memory_* names. */
#include "parsers.h"

#include <stdio.h>
#include <string.h>

#include "textutil.h"

/* "Active(anon)" -> "Active_anon": node_exporter replaces "(x)" by "_x". */
static int meminfo_name(const char *key, int bytes, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = key; *p; p++) {
        if (*p == ')')
            continue;
        char c = *p == '(' ? '_' : *p;
        if (o + 1 >= outlen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    if (bytes) {
        int n = snprintf(out + o, outlen - o, "_bytes");
        if (n < 0 || (size_t)n >= outlen - o)
            return -1;
    }
    return 0;
}

int meminfo_parse(char *text, meminfo_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *f, *key;
    int lineno = 0;
    while (text_next_keyed(&cur, &lineno, &key, &f)) {
        if (text_strip_colon(key) < 0)
            return text_fail(err, errlen, lineno, "expected \"Key: value\"");
        char *val = text_next_field(&f);
        char *unit = text_next_field(&f);
        uint64_t v;
        if (!val || text_u64(val, &v) < 0)
            return text_fail(err, errlen, lineno, "value is not a number");
        if (unit && strcmp(unit, "kB") != 0)
            return text_fail(err, errlen, lineno, "unknown unit");
        if (text_next_field(&f))
            return text_fail(err, errlen, lineno, "trailing fields");
        char name[128];
        if (meminfo_name(key, unit != NULL, name, sizeof name) < 0)
            return text_fail(err, errlen, lineno, "key too long");
        cb(arg, name, unit ? (double)v * 1024.0 : (double)v);
    }
    return 0;
}
