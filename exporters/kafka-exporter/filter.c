/* filter.c -- include/exclude regex pairs for topics and groups. */
#include "filter.h"

#include "flags.h"

#include <stdio.h>

#include "goregex.h"

static int compile(regex_t *re, const char *pattern, const char *flag, char *err, size_t errlen)
{
    char why[256];
    if (goregex_compile(re, pattern, why, sizeof why) != 0) {
        char q[96];
        snprintf(err, errlen, "--%s %s: invalid or unsupported regular expression: %s", flag,
                 flag_quote(pattern, q, sizeof q), why);
        return -1;
    }
    return 0;
}

int kx_filter_init(kx_filter *f, const char *include, const char *exclude, const char *include_flag,
                   const char *exclude_flag, char *err, size_t errlen)
{
    f->compiled = false;
    if (compile(&f->include, include ? include : ".*", include_flag, err, errlen) != 0)
        return -1;
    if (compile(&f->exclude, exclude ? exclude : "^$", exclude_flag, err, errlen) != 0) {
        regfree(&f->include);
        return -1;
    }
    f->compiled = true;
    return 0;
}

void kx_filter_free(kx_filter *f)
{
    if (!f->compiled)
        return;
    regfree(&f->include);
    regfree(&f->exclude);
    f->compiled = false;
}

bool kx_filter_match(const kx_filter *f, const char *name)
{
    return goregex_match(&f->include, name) && !goregex_match(&f->exclude, name);
}
