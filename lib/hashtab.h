/* hashtab.h -- the one open-addressing hash table: 64-bit hashes to nonzero 64-bit values.
 *
 * The table keeps no keys: a value names the caller's entry (its index in the caller's array plus one,
 * or a key's second hash half), and a lookup asks the caller whether an entry with the same hash is the
 * key it looks for. Linear probing, a power-of-two number of slots, at most half of them full, so
 * probes stay short; the stored hash is compared first and makes growing a copy, never a re-hash.
 * No lock: a table belongs to one thread at a time. */
#ifndef EXP_HASHTAB_H
#define EXP_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct hashtab_slot {
    uint64_t hash;
    uint64_t value; /* 0 = empty */
} hashtab_slot;

typedef struct hashtab {
    hashtab_slot *slots;
    size_t cap; /* power of two, or 0 before the first add */
    size_t n;
} hashtab;

#define HASHTAB_INIT                                                                                         \
    {                                                                                                        \
        NULL, 0, 0                                                                                           \
    }

/* FNV-1a's 64-bit offset basis, the h to start hashtab_fnv1a with (the copies this replaced had lost
 * its last digit: still a hash, not FNV-1a). */
#define HASHTAB_FNV_BASIS 14695981039346656037ULL

/* FNV-1a of the n bytes at p, continuing from h (HASHTAB_FNV_BASIS for a fresh hash). Can't fail. */
uint64_t hashtab_fnv1a(const void *p, size_t n, uint64_t h);

/* 1 if the entry named `value` (of the caller's `owner`, its array) is the `key` being looked up. */
typedef int (*hashtab_match)(uint64_t value, const void *owner, const void *key);

/* The value of the first entry with this hash that match(value, owner, key) accepts (match NULL: the
 * first with this hash), or 0 if there is none. Can't fail. */
uint64_t hashtab_find(const hashtab *t, uint64_t hash, hashtab_match match, const void *owner,
                      const void *key);

/* Adds (hash, value); value must not be 0. It does not look for an equal entry: find first. Grows the
 * table as needed. Returns 0, or -1 when memory ran out (the table is then unchanged and still usable). */
int hashtab_add(hashtab *t, uint64_t hash, uint64_t value) __attribute__((warn_unused_result));

/* Frees the slots; t is empty (HASHTAB_INIT) again. The caller's entries are its own. */
void hashtab_release(hashtab *t);

#endif
