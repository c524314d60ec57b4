/* parse_small.c -- the simple kernel files: pressure, file-nr, CPU lists, name/value lists, single numbers.
 */
#include "parsers.h"

#include <stdlib.h>
#include <string.h>

#include "textutil.h"

int pressure_parse(char *text, pressure_rec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *cur = text, *f, *kind;
    int lineno = 0;
    while (text_next_keyed(&cur, &lineno, &kind, &f)) {
        int some = strcmp(kind, "some") == 0;
        if (!some && strcmp(kind, "full") != 0)
            return text_fail(err, errlen, lineno, "expected \"some\" or \"full\"");
        int found = 0;
        uint64_t total = 0;
        char *tok;
        while ((tok = text_next_field(&f))) {
            if (strncmp(tok, "total=", 6) == 0) {
                if (text_u64(tok + 6, &total) < 0)
                    return text_fail(err, errlen, lineno, "total is not a number");
                found = 1;
            } else if (!strchr(tok, '=')) {
                return text_fail(err, errlen, lineno, "expected key=value fields");
            }
        }
        if (!found)
            return text_fail(err, errlen, lineno, "no total=");
        if (some) {
            out->has_some = 1;
            out->some_total = total;
        } else {
            out->has_full = 1;
            out->full_total = total;
        }
    }
    if (!out->has_some)
        return text_fail(err, errlen, lineno, "no \"some\" line");
    return 0;
}

int filenr_parse(char *text, uint64_t *allocated, uint64_t *maximum, char *err, size_t errlen)
{
    char *f = text;
    char *a = text_next_field(&f), *u = text_next_field(&f), *m = text_next_field(&f);
    uint64_t av, uv, mv;
    if (!m || text_next_field(&f) || text_u64(a, &av) < 0 || text_u64(u, &uv) < 0 || text_u64(m, &mv) < 0)
        return text_fail(err, errlen, 1, "expected three numbers");
    *allocated = av;
    *maximum = mv;
    return 0;
}

int single_u64_parse(char *text, uint64_t *out, char *err, size_t errlen)
{
    if (text_u64(text_trim(text), out) < 0)
        return text_fail(err, errlen, 1, "expected one number");
    return 0;
}

int cpulist_parse(char *text, cpulist_cb cb, void *arg, char *err, size_t errlen)
{
    char *t = text_trim(text);
    while (*t) {
        char *end = strchr(t, ',');
        if (end)
            *end = '\0';
        char *dash = strchr(t, '-');
        if (dash)
            *dash = '\0';
        uint64_t lo, hi;
        if (text_u64(t, &lo) < 0 || (dash ? text_u64(dash + 1, &hi) : (hi = lo, 0)) < 0 || hi < lo ||
            hi >= 65536)
            return text_fail(err, errlen, 1, "expected a CPU list like 0-3,8");
        for (uint64_t c = lo; c <= hi; c++)
            cb(arg, (unsigned)c);
        if (!end)
            break;
        t = end + 1;
        if (!*t)
            return text_fail(err, errlen, 1, "trailing comma");
    }
    return 0;
}

int namevalue_parse(char *text, namevalue_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *f, *name;
    int lineno = 0;
    while (text_next_keyed(&cur, &lineno, &name, &f)) {
        char *val = text_next_field(&f);
        double v;
        if (!val || text_next_field(&f) || text_double(val, &v) < 0)
            return text_fail(err, errlen, lineno, "expected \"name value\"");
        cb(arg, name, v);
    }
    return 0;
}
