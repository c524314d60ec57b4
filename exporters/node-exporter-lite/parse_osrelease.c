/* parse_osrelease.c -- os-release(5): KEY=value lines with shell-like quoting. */
#include "parsers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "textutil.h"
#include "parse.h"

/* Decodes the value starting at v in place. Returns 0, or -1 on an unterminated
 * quote or stray text after a closing quote. */
static int decode_value(char *v)
{
    char *w = v;
    const char *r = v;
    while (*r) {
        if (*r == '\'') {
            const char *end = strchr(r + 1, '\'');
            if (!end)
                return -1;
            size_t n = (size_t)(end - r - 1);
            memmove(w, r + 1, n);
            w += n;
            r = end + 1;
        } else if (*r == '"') {
            r++;
            while (*r && *r != '"') {
                if (*r == '\\' && r[1] && strchr("\"\\$`", r[1]))
                    r++;
                *w++ = *r++;
            }
            if (*r != '"')
                return -1;
            r++;
        } else if (*r == '\\' && r[1]) {
            *w++ = r[1];
            r += 2;
        } else if (isspace((unsigned char)*r)) {
            /* Unquoted whitespace ends the value; only a comment may follow. */
            while (isspace((unsigned char)*r))
                r++;
            if (*r && *r != '#')
                return -1;
            break;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return 0;
}

int osrelease_parse(char *text, kv_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        lineno++;
        line = text_trim(line);
        if (!*line || *line == '#')
            continue;
        if (strncmp(line, "export ", 7) == 0)
            line = text_trim(line + 7);
        char *eq = strchr(line, '=');
        if (!eq || eq == line)
            return text_fail(err, errlen, lineno, "expected KEY=value");
        *eq = '\0';
        for (const char *k = line; *k; k++)
            if (!isalnum((unsigned char)*k) && *k != '_')
                return text_fail(err, errlen, lineno, "invalid key");
        if (decode_value(eq + 1) < 0)
            return text_fail(err, errlen, lineno, "bad quoting in value");
        cb(arg, line, eq + 1);
    }
    return 0;
}

double osrelease_version(const char *version_id)
{
    /* node_exporter takes ^[0-9]+\.?[0-9]* of VERSION_ID. */
    char num[64];
    size_t n = 0;
    const char *p = version_id;
    while (isdigit((unsigned char)*p) && n + 1 < sizeof num)
        num[n++] = *p++;
    if (n == 0)
        return 0;
    if (*p == '.' && n + 1 < sizeof num) {
        num[n++] = *p++;
        while (isdigit((unsigned char)*p) && n + 1 < sizeof num)
            num[n++] = *p++;
    }
    num[n] = '\0';
    double v;
    return parse_double(num, &v) == 0 ? v : 0; /* digits and at most one '.': always parses */
}
