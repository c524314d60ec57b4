/* test.h -- minimal assertions for the unit tests: failures print file:line, main returns non-zero.
 *
 *   int main(void) { CHECK(1 + 1 == 2); CHECK_STR_EQ(s, "x"); return TEST_RESULT(); }
 *
 * A failed check does not stop the test, so one run shows every failure. */
#ifndef EXP_TEST_H
#define EXP_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        test_checks++;                                                                                       \
        if (!(cond)) {                                                                                       \
            test_failures++;                                                                                 \
            fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond);                                 \
        }                                                                                                    \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                                   \
    do {                                                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                                      \
        test_checks++;                                                                                       \
        if (check_a_ != check_b_) {                                                                          \
            test_failures++;                                                                                 \
            fprintf(stderr, "%s:%d: FAIL: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, check_a_,  \
                    check_b_);                                                                               \
        }                                                                                                    \
    } while (0)

#define CHECK_DBL_EQ(a, b)                                                                                   \
    do {                                                                                                     \
        double check_a_ = (a), check_b_ = (b);                                                               \
        test_checks++;                                                                                       \
        if (!(check_a_ == check_b_ || (isnan(check_a_) && isnan(check_b_)))) {                               \
            test_failures++;                                                                                 \
            fprintf(stderr, "%s:%d: FAIL: %s == %s (%.17g != %.17g)\n", __FILE__, __LINE__, #a, #b,          \
                    check_a_, check_b_);                                                                     \
        }                                                                                                    \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                                   \
    do {                                                                                                     \
        const char *check_a_ = (a), *check_b_ = (b);                                                         \
        test_checks++;                                                                                       \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                                     \
            test_failures++;                                                                                 \
            fprintf(stderr, "%s:%d: FAIL: %s == %s\n  got:  \"%s\"\n  want: \"%s\"\n", __FILE__, __LINE__,   \
                    #a, #b, check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");                 \
        }                                                                                                    \
    } while (0)

/* True if `needle` occurs in `hay`. */
#define CHECK_CONTAINS(hay, needle)                                                                          \
    do {                                                                                                     \
        const char *check_h_ = (hay), *check_n_ = (needle);                                                  \
        test_checks++;                                                                                       \
        if (!check_h_ || !strstr(check_h_, check_n_)) {                                                      \
            test_failures++;                                                                                 \
            fprintf(stderr, "%s:%d: FAIL: %s contains %s\n  in: \"%s\"\n  want: \"%s\"\n", __FILE__,         \
                    __LINE__, #hay, #needle, check_h_ ? check_h_ : "(null)", check_n_);                      \
        }                                                                                                    \
    } while (0)

/* What main returns: 0 if every check passed. */
#define TEST_RESULT()                                                                                        \
    (fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures), test_failures ? 1 : 0)

#endif
