/* assignment.c -- consumer group members' assignments (assignment.h). */
#include "assignment.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

typedef struct reader {
    const unsigned char *p;
    size_t left;
} reader;

static int get_i16(reader *r, int16_t *v)
{
    if (r->left < 2)
        return -1;
    *v = (int16_t)((r->p[0] << 8) | r->p[1]);
    r->p += 2;
    r->left -= 2;
    return 0;
}

static int get_i32(reader *r, int32_t *v)
{
    if (r->left < 4)
        return -1;
    *v =
        (int32_t)(((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) | ((uint32_t)r->p[2] << 8) | r->p[3]);
    r->p += 4;
    r->left -= 4;
    return 0;
}

static void push(kx_assignment *a, const unsigned char *topic, size_t len, int32_t partition)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->items = xreallocarray(a->items, a->cap, sizeof *a->items);
    }
    char *t = xmalloc(len + 1);
    memcpy(t, topic, len);
    t[len] = '\0';
    a->items[a->n++] = (kx_assigned){t, partition};
}

int kx_assignment_add(kx_assignment *a, const void *bytes, size_t len)
{
    size_t first = a->n;
    reader r = {bytes, bytes ? len : 0};
    int16_t version, tlen; /* any version: v0 to v3 share this layout */
    int32_t ntopics, nparts, udlen;
    if (get_i16(&r, &version) || get_i32(&r, &ntopics) || ntopics < -1) /* -1: a null array */
        goto bad;
    for (int32_t t = 0; t < ntopics; t++) {
        if (get_i16(&r, &tlen) || tlen < -1 || (tlen > 0 && (size_t)tlen > r.left))
            goto bad;
        if (tlen < 0) /* a null string reads as "" */
            tlen = 0;
        const unsigned char *name = r.p;
        r.p += tlen;
        r.left -= (size_t)tlen;
        if (get_i32(&r, &nparts) || nparts < 0 || (size_t)nparts > r.left / 4)
            goto bad;
        for (int32_t i = 0; i < nparts; i++) {
            int32_t part;
            if (get_i32(&r, &part))
                goto bad;
            push(a, name, (size_t)tlen, part);
        }
    }
    if (get_i32(&r, &udlen) || (udlen > 0 && (size_t)udlen > r.left) || udlen < -1)
        goto bad;
    if (udlen > 0)
        r.left -= (size_t)udlen;
    if (r.left != 0) /* sarama: "invalid length" */
        goto bad;
    return 0;
bad:
    while (a->n > first)
        free(a->items[--a->n].topic);
    return -1;
}

bool kx_assignment_has(const kx_assignment *a, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].partition == partition && strcmp(a->items[i].topic, topic) == 0)
            return true;
    return false;
}

void kx_assignment_free(kx_assignment *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->items[i].topic);
    free(a->items);
    memset(a, 0, sizeof *a);
}
