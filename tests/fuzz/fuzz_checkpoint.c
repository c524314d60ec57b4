/* fuzz_checkpoint.c -- libFuzzer target: the MM2 checkpoint decoder. Input: [u16 key length][key][value]. */
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
    mm2_checkpoint out;
    if (mm2_checkpoint_decode(data + 2, keylen, data + 2 + keylen, size - 2 - keylen, &out) == 0) {
        /* Decoded names are NUL-terminated inside their fields. */
        if (strnlen(out.group, sizeof out.group) == sizeof out.group)
            __builtin_trap();
    }
    return 0;
}
