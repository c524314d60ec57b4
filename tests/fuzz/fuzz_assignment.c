/* fuzz_assignment.c -- kafka-exporter's consumer-group assignment decoder (bytes from the broker): never
 * reads past the input, appends all or nothing, and every appended pair is found again. */
#include <stdint.h>
#include <stdlib.h>

#include "assignment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kx_assignment a = {0};
    if (kx_assignment_add(&a, data, size) == 0) {
        for (size_t i = 0; i < a.n; i++)
            if (!kx_assignment_has(&a, a.items[i].topic, a.items[i].partition))
                abort();
    } else if (a.n != 0) {
        abort();
    }
    kx_assignment_free(&a);
    return 0;
}
