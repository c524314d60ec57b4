/* regex_compat.c -- RE2-style patterns on POSIX extended regex (regex_compat.h). */
#include "regex_compat.h"

#include <stdio.h>
#include <string.h>

static int put(char *out, size_t outlen, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o + n + 1 > outlen)
        return -1;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
    return 0;
}

/* The class body for \d \s \w (inside brackets) or NULL. */
static const char *class_body(char c)
{
    switch (c) {
    case 'd':
        return "0-9";
    case 's':
        return "[:space:]";
    case 'w':
        return "[:alnum:]_";
    default:
        return NULL;
    }
}

int regex_compat_translate(const char *pattern, char *out, size_t outlen, char *err, size_t errlen)
{
    size_t o = 0;
    int in_bracket = 0;
    out[0] = '\0';
    for (const char *p = pattern; *p; p++) {
        char tmp[32];
        if (*p == '\\' && p[1]) {
            char c = p[1];
            char lower = (char)(c | 0x20);
            const char *body = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? class_body(lower) : NULL;
            if (body) {
                int negated = c != lower;
                if (in_bracket) {
                    if (negated)
                        goto unsupported;
                    snprintf(tmp, sizeof tmp, "%s", body);
                } else {
                    snprintf(tmp, sizeof tmp, "[%s%s]", negated ? "^" : "", body);
                }
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
                goto unsupported; /* \b, \A, \1 ...: no POSIX meaning we can promise */
            } else if (in_bracket && c == '\\') {
                snprintf(tmp, sizeof tmp, "\\");
            } else if (in_bracket) {
                snprintf(tmp, sizeof tmp, "%c", c);
            } else {
                snprintf(tmp, sizeof tmp, "\\%c", c);
            }
            if (put(out, outlen, &o, tmp) < 0)
                goto too_long;
            p++;
            continue;
        }
        if (!in_bracket && *p == '(' && p[1] == '?')
            goto unsupported;
        if (!in_bracket && (*p == '*' || *p == '+' || *p == '?' || *p == '}') && p[1] == '?')
            goto unsupported;
        if (!in_bracket && *p == '[') {
            in_bracket = 1;
            tmp[0] = '[';
            size_t t = 1;
            /* A leading ^ and a leading ] belong to the bracket, not its end. */
            if (p[1] == '^')
                tmp[t++] = *++p;
            if (p[1] == ']')
                tmp[t++] = *++p;
            tmp[t] = '\0';
            if (put(out, outlen, &o, tmp) < 0)
                goto too_long;
            continue;
        }
        if (in_bracket && *p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
            const char *end = strstr(p + 2, (char[]){p[1], ']', '\0'});
            if (!end)
                goto unsupported;
            size_t n = (size_t)(end + 2 - p);
            if (o + n + 1 > outlen)
                goto too_long;
            memcpy(out + o, p, n);
            o += n;
            out[o] = '\0';
            p = end + 1;
            continue;
        }
        if (in_bracket && *p == ']')
            in_bracket = 0;
        tmp[0] = *p;
        tmp[1] = '\0';
        if (put(out, outlen, &o, tmp) < 0)
            goto too_long;
    }
    if (in_bracket) {
        snprintf(err, errlen, "missing closing ]");
        return -1;
    }
    return 0;
unsupported:
    snprintf(err, errlen, "unsupported regex syntax near \"%.20s\" (POSIX extended regex with \\d \\s \\w)",
             pattern);
    return -1;
too_long:
    snprintf(err, errlen, "pattern too long");
    return -1;
}

int regex_compat_compile(regex_t *re, const char *pattern, char *err, size_t errlen)
{
    char ere[4096];
    if (regex_compat_translate(pattern, ere, sizeof ere, err, errlen) < 0)
        return -1;
    int rc = regcomp(re, ere, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, re, why, sizeof why);
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    return 0;
}

int regex_compat_match(const regex_t *re, const char *s)
{
    return regexec(re, s, 0, NULL, 0) == 0;
}
