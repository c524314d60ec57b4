/* fuzz_zkparse.c -- libFuzzer target: kafka-exporter's decoding of the JSON brokers write into ZooKeeper
 * (/brokers/ids/<id> and /controller). The first byte picks the protocol and listener asked for. An endpoint
 * that comes back is "host:port" with a port 1-65535 and fits its buffer; a failure says why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const protocols[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
    static const char *const listeners[] = {NULL, "PLAINTEXT", "INTERNAL", ""};
    const char *protocol = protocols[data[0] & 3], *listener = listeners[(data[0] >> 2) & 3];
    /* Not NUL-terminated on purpose: the parsers take a length. */
    char *json = malloc(size - 1 ? size - 1 : 1);
    if (!json)
        return 0;
    memcpy(json, data + 1, size - 1);
    char out[300], err[256] = "";
    if (zkparse_broker_endpoint(json, size - 1, protocol, listener, out, sizeof out, err, sizeof err) == 0) {
        const char *colon = strrchr(out, ':');
        if (!colon || colon == out || strnlen(out, sizeof out) >= sizeof out)
            __builtin_trap();
        long port = strtol(colon + 1, NULL, 10);
        if (port < 1 || port > 65535)
            __builtin_trap();
    } else if (!err[0]) {
        __builtin_trap();
    }
    int32_t id;
    err[0] = '\0';
    if (zkparse_controller(json, size - 1, &id, err, sizeof err) < 0 && !err[0])
        __builtin_trap();
    free(json);
    return 0;
}
