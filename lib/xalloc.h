/* xalloc.h -- allocate-or-abort, for small internal objects (Redis's zmalloc tier).
 *
 * These never return NULL: on out-of-memory they print one line on stderr and abort(). Use them for
 * objects whose size the program decides (a collector's state, a copy of a flag value). Anything sized by
 * outside input (a scrape body, a file, a Kafka reply) goes through a capped buffer (buf.h) or a
 * try-and-report allocation instead, so that input can fail a request, never the process. A size of 0
 * allocates one byte, so the result is always a unique pointer. */
#ifndef EXP_XALLOC_H
#define EXP_XALLOC_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noreturn, cold)) static inline void xalloc_die(size_t n)
{
    fprintf(stderr, "out of memory allocating %zu bytes\n", n);
    abort();
}

static inline void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        xalloc_die(n);
    return p;
}

/* Zeroed; n * size is checked for overflow. */
static inline void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        xalloc_die(n * size);
    return p;
}

/* As realloc; p is still valid only if this returns (it does not return on failure). */
static inline void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        xalloc_die(n);
    return q;
}

/* n elements of size bytes, the product checked for overflow (an overflow aborts like out-of-memory). */
static inline void *xreallocarray(void *p, size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        xalloc_die((size_t)-1);
    return xrealloc(p, n * size);
}

static inline char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* At most n bytes of s, always NUL-terminated. */
static inline char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* A formatted string (GNU vasprintf), allocated. */
__attribute__((format(printf, 1, 2))) static inline char *xasprintf(const char *fmt, ...)
{
    char *out;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (n < 0)
        xalloc_die(strlen(fmt));
    return out;
}

#endif
