/* parse_udp.c -- /proc/net/udp and udp6: the kernel's queued bytes summed over sockets (parsers.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"
#include "textutil.h"

int udp_queues_parse(char *text, udp_queues *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        if (++lineno == 1)
            continue; /* the header */
        char *f[10];
        size_t n = text_fields(line, f, 10);
        if (n == 0)
            continue;
        /* sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode ...: as procfs, at least 10 */
        if (n < 10)
            return text_fail(err, errlen, lineno, "fewer than 10 fields");
        char *colon = strchr(f[4], ':');
        uint64_t tx, rx;
        if (colon)
            *colon = '\0';
        if (!colon || text_hex_u64(f[4], 64, &tx) < 0 || text_hex_u64(colon + 1, 64, &rx) < 0)
            return text_fail(err, errlen, lineno, "tx_queue:rx_queue is not two hexadecimal numbers");
        out->tx += tx;
        out->rx += rx;
        out->sockets++;
    }
    if (lineno == 0)
        return text_fail(err, errlen, 1, "empty file");
    return 0;
}
