/* textutil.c -- in-place tokenising and strict number parsing (textutil.h). */
#include "textutil.h"

#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *text_next_line(char **cursor)
{
    char *start = *cursor;
    if (!start || !*start)
        return NULL;
    char *nl = strchr(start, '\n');
    if (nl) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = start + strlen(start);
    }
    return start;
}

/* The C locale's white space, without a call per byte: kernel text is split field by field here. */
static inline int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *text_next_field(char **cursor)
{
    char *p = *cursor;
    while (*p && is_space(*p))
        p++;
    if (!*p) {
        *cursor = p;
        return NULL;
    }
    char *start = p;
    while (*p && !is_space(*p))
        p++;
    if (*p)
        *p++ = '\0';
    *cursor = p;
    return start;
}

int text_next_keyed(char **cursor, int *lineno, char **key, char **rest)
{
    char *line;
    while ((line = text_next_line(cursor))) {
        ++*lineno;
        if ((*key = text_next_field(&line))) {
            *rest = line;
            return 1;
        }
    }
    return 0;
}

size_t text_fields(char *line, char **out, size_t max)
{
    size_t n = 0;
    while (n < max && (out[n] = text_next_field(&line)))
        n++;
    return n;
}

int text_u64(const char *s, uint64_t *out)
{
    /* parse_uint64 still takes "+1"; kernel counters are plain digits. */
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    return parse_uint64(s, out);
}

/* Not parse_double: that takes "inf", "nan" and underflow ("1e-400"), which a kernel
 * counter never is, and this one has an exact fast path for plain integers. */
int text_double(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    /* Kernel counters are plain integers: up to 15 digits convert exactly without strtod. */
    const char *p = s + (*s == '-');
    size_t n = 0;
    uint64_t digits = 0;
    while (n < 16 && p[n] >= '0' && p[n] <= '9') {
        digits = digits * 10 + (uint64_t)(p[n] - '0');
        n++;
    }
    if (n > 0 && n < 16 && p[n] == '\0') {
        *out = *s == '-' ? -(double)digits : (double)digits;
        return 0;
    }
    return parse_double_finite(s, out);
}

int text_strip_colon(char *field)
{
    size_t n = strlen(field);
    if (n < 2 || field[n - 1] != ':')
        return -1;
    field[n - 1] = '\0';
    return 0;
}

char *text_trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

int text_fail(char *err, size_t errlen, int lineno, const char *reason)
{
    if (err && errlen)
        snprintf(err, errlen, "line %d: %s", lineno, reason); /* truncation is fine: a message */
    return -1;
}

int text_join(char *out, size_t outlen, ...)
{
    va_list ap;
    va_start(ap, outlen);
    size_t o = 0;
    const char *s;
    int rc = 0;
    while ((s = va_arg(ap, const char *))) {
        size_t n = strlen(s);
        if (o + n >= outlen) {
            rc = -1;
            break;
        }
        memcpy(out + o, s, n);
        o += n;
    }
    va_end(ap);
    if (outlen)
        out[o] = '\0';
    return rc;
}

/* Strict hex (digits only, no "0x"), as Go's ParseUint(s, 16, bits). */
int text_hex_u64(const char *s, unsigned bits, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (v >> (bits - 4))
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}
