/* fuzz_probe.c -- libFuzzer target: the probe decoder, and the accounting fed whatever decodes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "account.h"
#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    probe p;
    if (probe_decode(data, size, &p) != 0)
        return 0;
    uint8_t again[PROBE_MAX_LEN];
    int n = probe_encode(&p, again, sizeof again);
    /* Whatever decodes must re-encode to exactly the same bytes. */
    if (n != (int)size || memcmp(again, data, size) != 0)
        __builtin_trap();
    account *a = account_new(p.exporter_id, p.run_id, 0, 10, 64);
    if (!a || account_ensure_partitions(a, 4) != 0)
        __builtin_trap();
    uint64_t seq;
    for (int i = 0; i < 70; i++)
        if (account_on_send(a, (int32_t)(p.seq % 4), i * 0.1, &seq) == 0)
            account_on_ack(a, (int32_t)(p.seq % 4), seq, (int)(p.send_ns & 1));
    account_on_receive(a, &p, p.partition, (double)(p.send_ns % 100));
    account_on_receive(a, &p, (int32_t)(p.seq % 4), 20);
    account_tick(a, (double)(p.run_id % 50));
    for (int32_t i = 0; i < 5; i++) {
        (void)account_oldest_in_flight_age(a, i, 30);
        (void)account_last_received_age(a, i, 30);
    }
    account_free(a);
    return 0;
}
