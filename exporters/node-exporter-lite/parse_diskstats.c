/* parse_diskstats.c -- /proc/diskstats lines (11, 15 or 17 counters by kernel). */
#include "parsers.h"

#include "textutil.h"

int diskstats_parse(char *text, diskstats_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        lineno++;
        char *f = line;
        char *maj = text_next_field(&f);
        if (!maj)
            continue;
        char *min = text_next_field(&f);
        char *name = text_next_field(&f);
        uint64_t major, minor;
        if (!name || text_u64(maj, &major) < 0 || text_u64(min, &minor) < 0 || major > 0xffffffffu ||
            minor > 0xffffffffu)
            return text_fail(err, errlen, lineno, "expected \"major minor name counters...\"");
        diskstats_rec rec = {.major = (unsigned)major, .minor = (unsigned)minor, .name = name};
        char *tok;
        while ((tok = text_next_field(&f))) {
            if (rec.n == DISKSTATS_MAX)
                return text_fail(err, errlen, lineno, "too many counters");
            if (text_u64(tok, &rec.v[rec.n]) < 0)
                return text_fail(err, errlen, lineno, "counter is not a number");
            rec.n++;
        }
        if (rec.n < 11)
            return text_fail(err, errlen, lineno, "fewer than 11 counters");
        cb(arg, &rec);
    }
    return 0;
}
