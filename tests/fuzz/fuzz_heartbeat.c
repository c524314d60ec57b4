/* fuzz_heartbeat.c -- libFuzzer target: the MM2 heartbeat decoder. Input: [u16 key length][key][value]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mm2_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t keylen = (size_t)data[0] << 8 | data[1];
    if (keylen > size - 2)
        keylen = size - 2;
    mm2_heartbeat out;
    if (mm2_heartbeat_decode(data + 2, keylen, data + 2 + keylen, size - 2 - keylen, &out) == 0) {
        /* Decoded names are NUL-terminated inside their fields. */
        if (strnlen(out.source_alias, sizeof out.source_alias) == sizeof out.source_alias)
            __builtin_trap();
    }
    return 0;
}
