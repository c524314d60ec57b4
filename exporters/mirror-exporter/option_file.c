/* option_file.c -- librdkafka settings from a file, parsed apart from its reading (option_file.h). */
#include "option_file.h"

#include <stdio.h>
#include <string.h>

static char *trim(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

int option_file_parse(char *text, void (*add)(void *arg, const char *option), void *arg, char *err,
                      size_t errlen)
{
    int lineno = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        char *end = nl ? nl : line + strlen(line);
        char *next = nl ? nl + 1 : NULL;
        lineno++;
        char *eq = memchr(line, '=', (size_t)(end - line));
        char *s = trim(line, end);
        if (*s == '\0' || *s == '#') {
            line = next;
            continue;
        }
        if (!eq) {
            snprintf(err, errlen, "line %d: not name=value", lineno);
            return -1;
        }
        char *name = trim(s, eq);
        char *value = trim(eq + 1, end);
        if (*name == '\0' || strpbrk(name, " \t")) {
            snprintf(err, errlen, "line %d: no setting name before '='", lineno);
            return -1;
        }
        /* name and value are now NUL-terminated in place; join them back as "name=value". */
        size_t nlen = strlen(name), vlen = strlen(value);
        memmove(s, name, nlen);
        s[nlen] = '=';
        memmove(s + nlen + 1, value, vlen + 1);
        add(arg, s);
        line = next;
    }
    return 0;
}
