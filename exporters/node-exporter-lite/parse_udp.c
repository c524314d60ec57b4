/* parse_udp.c -- /proc/net/udp and udp6: the kernel's queued bytes summed over sockets (parsers.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"
#include "textutil.h"

/* Strict hexadecimal of the whole string [s, end). */
static int hex_u64(const char *s, const char *end, uint64_t *out)
{
    if (s == end || end - s > 16)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; p < end; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

int udp_queues_parse(char *text, udp_queues *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        if (++lineno == 1)
            continue; /* the header */
        char *f[10];
        size_t n = 0;
        char *c = line;
        while (n < 10 && (f[n] = text_next_field(&c)))
            n++;
        if (n == 0)
            continue;
        /* sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode ...: as procfs, at least 10 */
        if (n < 10)
            return text_fail(err, errlen, lineno, "fewer than 10 fields");
        char *colon = strchr(f[4], ':');
        uint64_t tx, rx;
        if (!colon || hex_u64(f[4], colon, &tx) < 0 || hex_u64(colon + 1, colon + strlen(colon), &rx) < 0)
            return text_fail(err, errlen, lineno, "tx_queue:rx_queue is not two hexadecimal numbers");
        out->tx += tx;
        out->rx += rx;
        out->sockets++;
    }
    if (lineno == 0)
        return text_fail(err, errlen, 1, "empty file");
    return 0;
}
