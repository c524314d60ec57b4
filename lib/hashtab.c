/* hashtab.c -- the one open-addressing hash table (hashtab.h). */
#include "hashtab.h"

#include <stdlib.h>

uint64_t hashtab_fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t hashtab_find(const hashtab *t, uint64_t hash, hashtab_match match, const void *owner,
                      const void *key)
{
    if (!t->cap)
        return 0;
    size_t mask = t->cap - 1;
    for (size_t j = hash & mask; t->slots[j].value; j = (j + 1) & mask) {
        const hashtab_slot *s = &t->slots[j];
        if (s->hash == hash && (!match || match(s->value, owner, key)))
            return s->value;
    }
    return 0;
}

static void put(hashtab_slot *slots, size_t cap, uint64_t hash, uint64_t value)
{
    size_t j = hash & (cap - 1);
    while (slots[j].value)
        j = (j + 1) & (cap - 1);
    slots[j].hash = hash;
    slots[j].value = value;
}

int hashtab_add(hashtab *t, uint64_t hash, uint64_t value)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        hashtab_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].value)
                put(ns, ncap, t->slots[i].hash, t->slots[i].value);
        free(t->slots);
        t->slots = ns;
        t->cap = ncap;
    }
    put(t->slots, t->cap, hash, value);
    t->n++;
    return 0;
}

void hashtab_release(hashtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}
