/* buf.c -- the capped growable buffer declared in buf.h. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

void buf_free(buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reset(buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for `extra` more bytes plus the NUL; -1 if that would cross the limit. */
static int buf_reserve(buf *b, size_t extra)
{
    if (extra > b->limit || b->len > b->limit - extra)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    /* Never allocate far beyond what the limit allows. */
    if (b->limit < SIZE_MAX && cap > b->limit + 1)
        cap = b->limit + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_grow(buf *b, size_t extra)
{
    if (extra > b->limit || b->len > b->limit - extra)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    /* Exactly what was asked for: the caller knows the final size. */
    char *p = realloc(b->data, need);
    if (!p)
        return -1;
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = need;
    return 0;
}

int buf_append(buf *b, const void *data, size_t len)
{
    /* Fast path first: appends to a buffer with room are on every sample's path. */
    if (!(b->data && len < b->cap - b->len && b->len + len <= b->limit) && buf_reserve(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof(small))
        return buf_append(b, small, (size_t)n);
    if (buf_reserve(b, (size_t)n) < 0)
        return -1;
    int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    if (m != n) {
        b->data[b->len] = '\0';
        return -1;
    }
    b->len += (size_t)n;
    return 0;
}

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_steal(buf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
