/* test_hashtab.c -- the one hash table: find and add, colliding hashes, growth, release, FNV-1a. */
#include <stdio.h>
#include <string.h>

#include "hashtab.h"
#include "test.h"

static const char *names[5000];
static char text[5000][16];

static int named(uint64_t value, const void *owner, const void *key)
{
    const char *const *of = owner;
    return strcmp(of[value - 1], key) == 0;
}

int main(void)
{
    /* FNV-1a's published vectors: "" is the basis, "a" is 0xaf63dc4c8601ec8c. */
    CHECK(hashtab_fnv1a("", 0, HASHTAB_FNV_BASIS) == HASHTAB_FNV_BASIS);
    CHECK(hashtab_fnv1a("a", 1, HASHTAB_FNV_BASIS) == 0xaf63dc4c8601ec8cULL);
    /* Continuing from a hash is hashing the concatenation. */
    CHECK(hashtab_fnv1a("b", 1, hashtab_fnv1a("a", 1, HASHTAB_FNV_BASIS)) ==
          hashtab_fnv1a("ab", 2, HASHTAB_FNV_BASIS));

    hashtab t = HASHTAB_INIT;
    CHECK_INT_EQ(hashtab_find(&t, 1, NULL, NULL, NULL), 0); /* empty, no slots yet */

    /* Many keys, past several growths; every one found by name, absent ones not. */
    for (size_t i = 0; i < 5000; i++) {
        snprintf(text[i], sizeof text[i], "key%zu", i);
        names[i] = text[i];
        uint64_t h = hashtab_fnv1a(text[i], strlen(text[i]), HASHTAB_FNV_BASIS);
        CHECK_INT_EQ(hashtab_find(&t, h, named, names, text[i]), 0);
        CHECK_INT_EQ(hashtab_add(&t, h, i + 1), 0);
    }
    CHECK_INT_EQ(t.n, 5000);
    CHECK(t.cap >= 10000 && (t.cap & (t.cap - 1)) == 0); /* at most half full, a power of two */
    int all = 1;
    for (size_t i = 0; i < 5000; i++)
        all &= hashtab_find(&t, hashtab_fnv1a(text[i], strlen(text[i]), HASHTAB_FNV_BASIS), named, names,
                            text[i]) == i + 1;
    CHECK(all);
    CHECK_INT_EQ(hashtab_find(&t, hashtab_fnv1a("key5000", 7, HASHTAB_FNV_BASIS), named, names, "key5000"),
                 0);
    hashtab_release(&t);
    CHECK(t.slots == NULL && t.cap == 0 && t.n == 0);

    /* Entries with one hash: told apart by the match, found in the order added; wrap-around at the
     * table's end (hash cap - 1 lands in the last slot). */
    names[0] = "x";
    names[1] = "y";
    names[2] = "z";
    for (uint64_t v = 1; v <= 3; v++)
        CHECK_INT_EQ(hashtab_add(&t, 15, v), 0);
    CHECK_INT_EQ(t.cap, 16);
    CHECK_INT_EQ(hashtab_find(&t, 15, named, names, "x"), 1);
    CHECK_INT_EQ(hashtab_find(&t, 15, named, names, "z"), 3);
    CHECK_INT_EQ(hashtab_find(&t, 15, named, names, "w"), 0);
    CHECK_INT_EQ(hashtab_find(&t, 15, NULL, NULL, NULL), 1); /* no match function: the first with the hash */
    CHECK_INT_EQ(hashtab_find(&t, 31, NULL, NULL, NULL), 0); /* same slot, other hash */
    hashtab_release(&t);
    hashtab_release(&t); /* twice is harmless */
    return TEST_RESULT();
}
