/* fuzz_connect_status.c -- libFuzzer target: Kafka Connect's expanded /connectors answer, then the state
 * clock over two answers (the fuzzed one and the same again). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    connect_status s;
    char err[256];
    if (connect_status_parse((const char *)data, size, &s, err, sizeof err) < 0) {
        if (s.n != 0 || s.connectors != NULL || strnlen(err, sizeof err) == sizeof err)
            __builtin_trap();
        return 0;
    }
    connect_tracker t = {0};
    connect_tracker_update(&t, &s, 1);
    connect_tracker_update(&t, &s, 2);
    for (size_t i = 0; i < s.n; i++) {
        const connect_connector *c = &s.connectors[i];
        if (c->state < 0 || c->state >= CONNECT_NSTATES || connect_tracker_since(&t, c->name, -1) != 1)
            __builtin_trap();
        for (size_t j = 0; j < c->ntasks; j++)
            if (c->tasks[j].state < 0 || c->tasks[j].state >= CONNECT_NSTATES ||
                strnlen(c->tasks[j].error_class, sizeof c->tasks[j].error_class) ==
                    sizeof c->tasks[j].error_class)
                __builtin_trap();
    }
    connect_tracker_free(&t);
    connect_status_free(&s);
    return 0;
}
