/* fuzz_webconfig.c -- libFuzzer target: the web-config YAML (TLS settings, basic_auth_users, bcrypt hashes).
 * Paths in the input point nowhere useful; what is fuzzed is the YAML walk, the key checks and the hash
 * parsing. Whatever loads must free cleanly (ASan); every failure must give a reason. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *yaml = malloc(size + 1);
    if (!yaml)
        return 0;
    memcpy(yaml, data, size);
    yaml[size] = '\0';
    webconfig wc;
    memset(&wc, 0, sizeof wc);
    char err[1024] = "";
    if (webconfig_load_text("fuzz.yml", yaml, &wc, err, sizeof err) == 0) {
        /* Users loaded: a check against a wrong password must say no (and not crash). Only when the
         * hashes are cheap: a cost-31 hash would take days. */
        int cheap = 1;
        for (size_t i = 0; i < wc.nusers; i++)
            if (strncmp(wc.users[i].hash + 4, "04", 2) != 0)
                cheap = 0;
        if (cheap && wc.nusers && webconfig_check_user(&wc, wc.users[0].name, "not the password\x01"))
            __builtin_trap();
        webconfig_free(&wc);
    } else if (!err[0]) {
        __builtin_trap(); /* every failure says why */
    }
    free(yaml);
    return 0;
}
