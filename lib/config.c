/* config.c -- strict JSON config loading with file:line:column errors (config.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *config_load(const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line > 0)
            snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        else
            snprintf(err, errlen, "%s: %s", path, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s:1:1: the top level must be a JSON object", path);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Finds where `"key"` is followed by a colon in the file, for the error message:
 * jansson keeps no positions after parsing. Returns 0 and line/column (1-based) if found. */
static int locate_key(const char *path, const char *key, int *line, int *column)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    size_t klen = strlen(key);
    int ln = 1, col = 1, found = -1;
    int c;
    /* A tiny scanner that tracks strings, so keys are matched only as whole JSON strings. */
    char *cur = malloc(klen + 2);
    if (!cur) {
        fclose(fp);
        return -1;
    }
    int in_str = 0, esc = 0, sl = 0, scol = 0, sline = 0, overflow = 0, after_match = 0;
    while ((c = fgetc(fp)) != EOF && found < 0) {
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"') {
                in_str = 0;
                after_match = !overflow && (size_t)sl == klen && memcmp(cur, key, klen) == 0;
            }
            if (in_str && !esc && c != '\\') {
                if ((size_t)sl < klen + 1)
                    cur[sl++] = (char)c;
                else
                    overflow = 1;
            }
        } else if (c == '"') {
            in_str = 1;
            sl = 0;
            overflow = 0;
            sline = ln;
            scol = col;
            after_match = 0;
        } else if (c == ':' && after_match) {
            *line = sline;
            *column = scol;
            found = 0;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            after_match = 0;
        }
        if (c == '\n') {
            ln++;
            col = 1;
        } else {
            col++;
        }
    }
    free(cur);
    fclose(fp);
    return found;
}

int config_check_keys(const json_t *obj, const char *const *allowed, const char *path, const char *where,
                      char *err, size_t errlen)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0)
                ok = 1;
        if (ok)
            continue;
        int line = 0, column = 0;
        if (locate_key(path, key, &line, &column) == 0)
            snprintf(err, errlen, "%s:%d:%d: %s: unknown key \"%s\"", path, line, column, where, key);
        else
            snprintf(err, errlen, "%s: %s: unknown key \"%s\"", path, where, key);
        return -1;
    }
    return 0;
}
