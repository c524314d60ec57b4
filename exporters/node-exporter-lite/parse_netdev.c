/* parse_netdev.c -- /proc/net/dev: two header lines, then "name: 16 counters". */
#include "parsers.h"

#include <string.h>

#include "textutil.h"

const char *const netdev_field_names[NETDEV_FIELDS] = {
    "receive_bytes",  "receive_packets",  "receive_errs",       "receive_drop",
    "receive_fifo",   "receive_frame",    "receive_compressed", "receive_multicast",
    "transmit_bytes", "transmit_packets", "transmit_errs",      "transmit_drop",
    "transmit_fifo",  "transmit_colls",   "transmit_carrier",   "transmit_compressed",
};

int netdev_parse(char *text, netdev_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        lineno++;
        /* Header lines contain '|'; device lines "  eth0: 1 2 ..." a ':' after the name. */
        if (strchr(line, '|'))
            continue;
        char *colon = strchr(line, ':');
        if (!colon) {
            if (*text_trim(line) == '\0')
                continue;
            return text_fail(err, errlen, lineno, "expected \"device: counters\"");
        }
        *colon = '\0';
        netdev_rec rec = {.name = text_trim(line)};
        if (!*rec.name)
            return text_fail(err, errlen, lineno, "empty device name");
        char *f = colon + 1;
        for (int i = 0; i < NETDEV_FIELDS; i++) {
            char *tok = text_next_field(&f);
            if (!tok || text_u64(tok, &rec.v[i]) < 0)
                return text_fail(err, errlen, lineno, "expected 16 numeric counters");
        }
        if (text_next_field(&f))
            return text_fail(err, errlen, lineno, "more than 16 counters");
        cb(arg, &rec);
    }
    return 0;
}
