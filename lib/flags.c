/* flags.c -- command-line parsing in the Prometheus exporter convention (flags.h). */
#include "flags.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "parse.h"
#include "xalloc.h"

void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Stores `value` into f's target; -1 with a reason in err if it does not parse. */
void strlist_add(strlist *l, const char *s)
{
    l->items = xreallocarray(l->items, l->n + 1, sizeof(char *));
    l->items[l->n++] = xstrdup(s);
}

char *strlist_join(const strlist *l, const char *sep)
{
    size_t len = 1, seplen = strlen(sep);
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->items[i]) + seplen;
    char *out = xmalloc(len), *p = out;
    for (size_t i = 0; i < l->n; i++) {
        if (i) {
            memcpy(p, sep, seplen);
            p += seplen;
        }
        size_t n = strlen(l->items[i]);
        memcpy(p, l->items[i], n);
        p += n;
    }
    *p = '\0';
    return out;
}

/* A byte count as the largest unit that divides it ("4GiB", "1536KiB", "100"), for messages. */
static const char *size_text(long v, char *out, size_t outlen)
{
    static const char *const unit[] = {"", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (u + 1 < sizeof(unit) / sizeof(unit[0]) && v != 0 && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    snprintf(out, outlen, "%ld%s", v, unit[u]);
    return out;
}

static int flag_set(const flag *f, const char *value, char *err, size_t errlen)
{
    switch (f->kind) {
    case FLAG_STRING: {
        char **t = f->target;
        free(*t);
        *t = xstrdup(value);
        return 0;
    }
    case FLAG_LIST:
        strlist_add(f->target, value);
        return 0;
    case FLAG_BOOL: {
        bool *t = f->target;
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
            *t = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
            *t = false;
        else {
            snprintf(err, errlen, "invalid value \"%s\" for flag --%s: want true or false", value, f->name);
            return -1;
        }
        return 0;
    }
    case FLAG_INT: {
        int64_t v;
        if (parse_int64(value, &v) < 0 || v < LONG_MIN || v > LONG_MAX) {
            snprintf(err, errlen, "invalid value \"%s\" for flag --%s: want an integer", value, f->name);
            return -1;
        }
        if ((f->min != 0 || f->max != 0) && (v < f->min || v > f->max)) {
            snprintf(err, errlen, "invalid value \"%s\" for flag --%s: want %ld..%ld", value, f->name, f->min,
                     f->max);
            return -1;
        }
        *(long *)f->target = (long)v;
        return 0;
    }
    case FLAG_DURATION: {
        double v;
        if (parse_duration(value, &v) < 0) {
            snprintf(err, errlen, "invalid value \"%s\" for flag --%s: want a duration like 500ms, 10s, 1m",
                     value, f->name);
            return -1;
        }
        *(double *)f->target = v;
        return 0;
    }
    case FLAG_SIZE: {
        uint64_t v;
        if (parse_size(value, &v) < 0 || v > SIZE_MAX) {
            snprintf(err, errlen, "invalid value \"%s\" for flag --%s: want a size like 4096, 512KiB, 32MiB",
                     value, f->name);
            return -1;
        }
        if ((f->min != 0 || f->max != 0) && (v < (uint64_t)f->min || v > (uint64_t)f->max)) {
            char lo[32], hi[32];
            snprintf(err, errlen, "invalid value \"%s\" for flag --%s: want %s..%s", value, f->name,
                     size_text(f->min, lo, sizeof lo), size_text(f->max, hi, sizeof hi));
            return -1;
        }
        *(size_t *)f->target = (size_t)v;
        return 0;
    }
    case FLAG_DOUBLE: {
        double v;
        if (parse_double(value, &v) < 0) {
            snprintf(err, errlen, "invalid value \"%s\" for flag --%s: want a number", value, f->name);
            return -1;
        }
        *(double *)f->target = v;
        return 0;
    }
    }
    snprintf(err, errlen, "flag --%s has an unknown kind", f->name);
    return -1;
}

static const flag *flag_find(const flag *table, size_t n, const char *name, size_t namelen)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(table[i].name) == namelen && strncmp(table[i].name, name, namelen) == 0)
            return &table[i];
    return NULL;
}

/* Sets every target to its default; -1 if a default does not parse (a programming error). */
static int apply_defaults(const flag *table, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].kind == FLAG_STRING)
            *(char **)table[i].target = NULL;
        else if (table[i].kind == FLAG_LIST)
            *(strlist *)table[i].target = (strlist){NULL, 0};
    }
    for (size_t i = 0; i < n; i++) {
        if (table[i].defval) {
            if (flag_set(&table[i], table[i].defval, err, errlen) < 0)
                return -1;
        } else if (table[i].kind == FLAG_BOOL) {
            *(bool *)table[i].target = false;
        }
    }
    return 0;
}

int flags_parse(const flag *table, size_t n, struct collectors *c, const char *progname,
                const char *version_line, int argc, char **argv, char *err, size_t errlen)
{
    int rc = -1;
    bool disable_defaults = false, version = false;
    bool *list_given = xcalloc(n, sizeof(bool));
    if (apply_defaults(table, n, err, errlen) < 0)
        goto out;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        /* kingpin's spellings too (--help-long, --help-man, --no-help, --no-version): Prometheus
         * exporters' unit files and scripts use them. */
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "--help-long") == 0) {
            flags_usage(table, n, c, progname);
            rc = 1;
            goto out;
        }
        if (strcmp(arg, "--help-man") == 0) {
            flags_man(table, n, c, progname, version_line);
            rc = 1;
            goto out;
        }
        if (strcmp(arg, "--no-help") == 0 || strcmp(arg, "--no-version") == 0)
            continue;
        if (strcmp(arg, "--version") == 0) {
            version = true; /* printed once the rest is known to be good: a bad flag fails as ever */
            continue;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            snprintf(err, errlen, "unexpected argument \"%s\" (flags start with --)", arg);
            goto out;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t namelen = eq ? (size_t)(eq - name) : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        bool negated = false;
        const flag *f = flag_find(table, n, name, namelen);
        if (!f && namelen > 3 && strncmp(name, "no-", 3) == 0) {
            f = flag_find(table, n, name + 3, namelen - 3);
            if (f && f->kind != FLAG_BOOL) {
                snprintf(err, errlen, "flag --%.*s is not a boolean, so --%.*s is not a flag",
                         (int)namelen - 3, name + 3, (int)namelen, name);
                goto out;
            }
            negated = f != NULL;
        }
        if (!f) {
            /* Collector switches: --collector.X, --no-collector.X, --collector.X=false. */
            bool on = true;
            const char *cn = name;
            size_t cnlen = namelen;
            if (strncmp(cn, "no-", 3) == 0) {
                on = false;
                cn += 3;
                cnlen -= 3;
            }
            if (c && cnlen > 10 && strncmp(cn, "collector.", 10) == 0) {
                char cname[128];
                if (cnlen - 10 >= sizeof(cname)) {
                    snprintf(err, errlen, "unknown collector in flag --%.*s", (int)namelen, name);
                    goto out;
                }
                memcpy(cname, cn + 10, cnlen - 10);
                cname[cnlen - 10] = '\0';
                if (value) {
                    if (!on || (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)) {
                        snprintf(err, errlen, "invalid value \"%s\" for flag --%.*s: want true or false",
                                 value, (int)namelen, name);
                        goto out;
                    }
                    on = strcmp(value, "true") == 0;
                }
                if (strcmp(cname, "disable-defaults") == 0) {
                    disable_defaults = on;
                    continue;
                }
                int set = collectors_set(c, cname, on);
                if (set == -2 && on) {
                    snprintf(err, errlen,
                             "collector \"%s\" is not implemented here (flag --%.*s): remove the flag", cname,
                             (int)namelen, name);
                    goto out;
                }
                if (set == -1) {
                    snprintf(err, errlen, "unknown collector \"%s\" in flag --%.*s", cname, (int)namelen,
                             name);
                    goto out;
                }
                continue;
            }
            snprintf(err, errlen, "unknown flag --%.*s", (int)namelen, name);
            goto out;
        }
        if (f->kind == FLAG_BOOL) {
            if (negated && value) {
                snprintf(err, errlen, "flag --%.*s takes no value", (int)namelen, name);
                goto out;
            }
            if (flag_set(f, negated ? "false" : value ? value : "true", err, errlen) < 0)
                goto out;
            continue;
        }
        if (!value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "flag --%s needs a value", f->name);
                goto out;
            }
            value = argv[++i];
        }
        if (f->kind == FLAG_LIST && !list_given[f - table]) {
            /* The first value given replaces the default list. */
            strlist_free(f->target);
            list_given[f - table] = true;
        }
        if (flag_set(f, value, err, errlen) < 0)
            goto out;
    }
    if (disable_defaults)
        collectors_disable_defaults(c);
    rc = 0;
    if (version) {
        printf("%s\n", version_line ? version_line : progname);
        rc = 1;
    }
out:
    free(list_given);
    return rc;
}

const char *flag_quote(const char *value, char *out, size_t outlen)
{
    size_t n = strlen(value);
    if (n <= 64)
        snprintf(out, outlen, "\"%s\"", value);
    else
        snprintf(out, outlen, "\"%.48s...\" (%zu bytes)", value, n);
    return out;
}

void flags_free(const flag *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].kind == FLAG_STRING) {
            char **t = table[i].target;
            free(*t);
            *t = NULL;
        } else if (table[i].kind == FLAG_LIST) {
            strlist_free(table[i].target);
        }
    }
}

/* Prints s for roff: backslashes doubled, '-' as \- (a real minus, so flags can be searched for). */
static void roff(const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

void flags_man(const flag *table, size_t n, struct collectors *c, const char *progname,
               const char *version_line)
{
    static const char *const kind_meta[] = {"=STRING", "=VALUE", "", "=INT", "=DURATION", "=NUMBER", "=SIZE"};
    printf(".TH ");
    roff(progname);
    printf(" 1 \"\" \"");
    roff(version_line ? version_line : progname);
    printf("\"\n.SH NAME\n");
    roff(progname);
    printf("\n.SH SYNOPSIS\n.B ");
    roff(progname);
    printf("\n[\\fIflags\\fR]\n.SH FLAGS\n");
    printf(".TP\n\\fB\\-\\-help\\fR\nShow the help and exit.\n");
    printf(".TP\n\\fB\\-\\-version\\fR\nShow the version and exit.\n");
    for (size_t i = 0; i < n; i++) {
        const flag *f = &table[i];
        printf(".TP\n\\fB\\-\\-");
        roff(f->kind == FLAG_BOOL ? "[no-]" : "");
        roff(f->name);
        printf("\\fR%s\n", kind_meta[f->kind]);
        roff(f->help ? f->help : "");
        if (f->defval) {
            printf(" (default: ");
            roff(f->defval);
            printf(")");
        }
        printf("\n");
    }
    for (size_t i = 0; c && i < collectors_count(c); i++) {
        bool on;
        const collector *col = collectors_at(c, i, &on);
        printf(".TP\n\\fB\\-\\-[no\\-]collector.");
        roff(col->name);
        printf("\\fR\n");
        roff(col->help ? col->help : "");
        printf(" (default: %s)\n", col->enabled_by_default ? "enabled" : "disabled");
    }
}

void flags_usage(const flag *table, size_t n, struct collectors *c, const char *progname)
{
    static const char *const kind_meta[] = {"=STRING",   "=VALUE ...", "",     "=INT",
                                            "=DURATION", "=NUMBER",    "=SIZE"};
    printf("usage: %s [flags]\n\nFlags:\n", progname);
    printf("  -h, --help  Show this help and exit.\n");
    printf("  --version   Show the version and exit.\n");
    for (size_t i = 0; i < n; i++) {
        const flag *f = &table[i];
        printf("  --%s%s%s  %s", f->kind == FLAG_BOOL ? "[no-]" : "", f->name, kind_meta[f->kind],
               f->help ? f->help : "");
        if (f->defval)
            printf(" (default: %s)", f->defval);
        printf("\n");
    }
    if (c && collectors_count(c) > 0) {
        printf("\nCollectors:\n");
        printf("  --collector.disable-defaults  Set all collectors to disabled by default; those given "
               "explicitly keep their setting.\n");
        for (size_t i = 0; i < collectors_count(c); i++) {
            bool on;
            const collector *col = collectors_at(c, i, &on);
            printf("  --[no-]collector.%s  %s (default: %s)\n", col->name, col->help ? col->help : "",
                   col->enabled_by_default ? "enabled" : "disabled");
        }
    }
}
