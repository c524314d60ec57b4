/* test_assignment.c -- member assignments decoded as sarama does (--no-offset.show-all): whole or not at all.
 */
#include <string.h>

#include "assignment.h"
#include "test.h"

/* version 1, topics "ab" [0, 2] and "c" [7], user data 2 bytes */
static const unsigned char good[] = {0, 1, 0, 0, 0,   2, 0, 2, 'a', 'b', 0, 0, 0, 2, 0, 0, 0, 0,   0,  0,
                                     0, 2, 0, 1, 'c', 0, 0, 0, 1,   0,   0, 0, 7, 0, 0, 0, 2, 'u', 'd'};

static void test_decode(void)
{
    kx_assignment a = {0};
    CHECK_INT_EQ(kx_assignment_add(&a, good, sizeof good), 0);
    CHECK_INT_EQ(a.n, 3);
    CHECK(kx_assignment_has(&a, "ab", 0) && kx_assignment_has(&a, "ab", 2) && kx_assignment_has(&a, "c", 7));
    CHECK(!kx_assignment_has(&a, "ab", 1) && !kx_assignment_has(&a, "c", 0) &&
          !kx_assignment_has(&a, "a", 0));
    /* Every truncation fails and appends nothing; so does a trailing byte. */
    for (size_t len = 0; len < sizeof good; len++)
        CHECK_INT_EQ(kx_assignment_add(&a, good, len), -1);
    unsigned char longer[sizeof good + 1];
    memcpy(longer, good, sizeof good);
    longer[sizeof good] = 0;
    CHECK_INT_EQ(kx_assignment_add(&a, longer, sizeof longer), -1);
    CHECK_INT_EQ(a.n, 3);
    /* Null user data (-1), no topics. */
    static const unsigned char empty[] = {0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    CHECK_INT_EQ(kx_assignment_add(&a, empty, sizeof empty), 0);
    CHECK_INT_EQ(a.n, 3);
    /* A partition count beyond the bytes. */
    static const unsigned char huge[] = {0, 0, 0, 0, 0, 1, 0, 1, 'x', 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    CHECK_INT_EQ(kx_assignment_add(&a, huge, sizeof huge), -1);
    CHECK_INT_EQ(kx_assignment_add(&a, NULL, 0), -1);
    kx_assignment_free(&a);
    CHECK_INT_EQ(a.n, 0);
}

int main(void)
{
    test_decode();
    return TEST_RESULT();
}
