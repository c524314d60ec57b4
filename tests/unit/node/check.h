/* check.h -- tests/unit/test.h plus the fixture helpers of the node-exporter-lite unit tests. */
#ifndef NODE_CHECK_H
#define NODE_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* test.h's assertions, plus a relative-tolerance number check and the fixture helpers. */
#define CHECK_STR(a, b) CHECK_STR_EQ(a, b)
#define CHECK_NUM(a, b)                                                                                      \
    do {                                                                                                     \
        double a_ = (double)(a), b_ = (double)(b);                                                           \
        test_checks++;                                                                                       \
        if (!(fabs(a_ - b_) <= 1e-9 * fmax(1.0, fabs(b_)))) {                                                \
            fprintf(stderr, "%s:%d: FAIL: %s = %.17g, want %.17g\n", __FILE__, __LINE__, #a, a_, b_);        \
            test_failures++;                                                                                 \
        }                                                                                                    \
    } while (0)
#define CHECK_DONE() return TEST_RESULT()

/* Reads a fixture into a malloc'd, NUL-terminated, writable buffer (abort on failure: a test bug). */
static __attribute__((unused)) char *fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
        abort();
    b[n] = '\0';
    fclose(f);
    return b;
}

/* A writable copy of a string literal (parsers split their input in place). */
static __attribute__((unused)) char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *b = malloc(n);
    if (!b)
        abort();
    memcpy(b, s, n);
    return b;
}

#endif
