/* check.h -- minimal assertions for the node-exporter-lite unit tests (until tests/unit/test.h lands). */
#ifndef NODE_CHECK_H
#define NODE_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                         \
            check_failures++;                                                                                \
        }                                                                                                    \
    } while (0)
#define CHECK_STR(a, b)                                                                                      \
    do {                                                                                                     \
        const char *a_ = (a), *b_ = (b);                                                                     \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                             \
            fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)",             \
                    b_ ? b_ : "(null)");                                                                     \
            check_failures++;                                                                                \
        }                                                                                                    \
    } while (0)
#define CHECK_NUM(a, b)                                                                                      \
    do {                                                                                                     \
        double a_ = (double)(a), b_ = (double)(b);                                                           \
        if (!(fabs(a_ - b_) <= 1e-9 * fmax(1.0, fabs(b_)))) {                                                \
            fprintf(stderr, "%s:%d: %s = %.17g, want %.17g\n", __FILE__, __LINE__, #a, a_, b_);              \
            check_failures++;                                                                                \
        }                                                                                                    \
    } while (0)
#define CHECK_DONE()                                                                                         \
    do {                                                                                                     \
        if (check_failures) {                                                                                \
            fprintf(stderr, "%d check(s) failed\n", check_failures);                                         \
            return 1;                                                                                        \
        }                                                                                                    \
        printf("ok\n");                                                                                      \
        return 0;                                                                                            \
    } while (0)

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
