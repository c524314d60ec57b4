/* fuzz_goregex.c -- libFuzzer target: lib/goregex's translator. Whatever it accepts must compile with
 * regcomp (a translation is never handed to POSIX half-formed) and must match without crashing. */
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "goregex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > GOREGEX_MAX_PATTERN)
        return 0;
    char *pattern = malloc(size + 1);
    if (!pattern)
        return 0;
    memcpy(pattern, data, size);
    pattern[size] = '\0';
    char ere[65536], err[256];
    if (goregex_translate(pattern, ere, sizeof ere, err, sizeof err) == 0) {
        regex_t re;
        if (regcomp(&re, ere, REG_EXTENDED | REG_NOSUB) != 0)
            __builtin_trap();
        (void)goregex_match(&re, "events-12 a_b\tc.d");
        regfree(&re);
    } else if (!err[0]) {
        __builtin_trap(); /* a refusal always says why */
    }
    free(pattern);
    return 0;
}
