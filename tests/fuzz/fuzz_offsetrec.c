/* fuzz_offsetrec.c -- kafka-exporter's decoder of __consumer_offsets records (bytes from the broker): the
 * input split at its first 0xff 0xfe into a key and a value (none: a tombstone). Never reads past either
 * half; a decoded key's names lie inside the key and its partition is not negative; a failed value decode
 * leaves the offset alone; and the store counts what it could not decode, once per record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offsetlog.h"
#include "offsetrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t klen = size;
    const uint8_t *value = NULL;
    size_t vlen = 0;
    for (size_t i = 0; i + 1 < size; i++)
        if (data[i] == 0xff && data[i + 1] == 0xfe) {
            klen = i;
            value = data + i + 2;
            vlen = size - i - 2;
            break;
        }
    uint8_t *key = malloc(klen ? klen : 1); /* its own allocation: ASan sees any read past it */
    memcpy(key, data, klen);
    kx_offsetrec_key k;
    int kind = kx_offsetrec_key_decode(key, klen, &k);
    if (kind == KX_OFFSETREC_COMMIT &&
        (k.partition < 0 || (const uint8_t *)k.group < key ||
         (const uint8_t *)k.group + k.group_len > key + klen || (const uint8_t *)k.topic < key ||
         (const uint8_t *)k.topic + k.topic_len > key + klen))
        abort();
    bool value_bad = false;
    if (value) {
        int64_t off = 12345;
        if (kx_offsetrec_value_decode(value, vlen, &off) != 0) {
            value_bad = true;
            if (off != 12345)
                abort();
        }
    }
    kx_offsetlog *l = kx_offsetlog_new(NULL, NULL);
    kx_offsetlog_apply(l, key, klen, value, vlen);
    uint64_t want = kind == KX_OFFSETREC_BAD || (kind == KX_OFFSETREC_COMMIT && value_bad) ? 1 : 0;
    if (kx_offsetlog_malformed(l) != want)
        abort();
    kx_offsetlog_free(l);
    free(key);
    return 0;
}
