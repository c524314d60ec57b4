/* check.h -- minimal assertions for the mirror unit tests (until tests/unit/test.h exists). */
#ifndef MIRROR_CHECK_H
#define MIRROR_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                         \
            check_failures++;                                                                                \
        }                                                                                                    \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                                                   \
    do {                                                                                                     \
        unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b);                     \
        if (va_ != vb_) {                                                                                    \
            fprintf(stderr, "%s:%d: %s == %llu, expected %s == %llu\n", __FILE__, __LINE__, #a, va_, #b,     \
                    vb_);                                                                                    \
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

#endif
