/* collector_udp_queues.c -- node_udp_queues{queue,ip}: bytes queued in UDP sockets, IPv4 and IPv6. */
#include <errno.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"

/* 1 with the sums, 0 if the file does not exist (no such protocol), -1 on failure. */
static int read_one(int i, const char *rel, udp_queues *q, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, rel) < 0)
        return node_fail(ctx, "udp_queues", "path too long");
    /* One line per socket: busy DNS or syslog hosts have thousands. */
    if (procfile_read(&NODE_FILES(ctx)[i], path, 64u << 20, &text, err, sizeof err) < 0)
        return errno == ENOENT ? 0 : node_fail(ctx, "udp_queues", err);
    int rc = udp_queues_parse(text, q, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 1;
}

static int collect_udp_queues(expo *w, collector_ctx *ctx)
{
    static const char *const rel[2] = {"net/udp", "net/udp6"};
    static const char *const ip[2] = {"v4", "v6"};
    expo_family *f =
        expo_family_get(w, "node_udp_queues",
                        "Number of allocated memory in the kernel for UDP datagrams in bytes.", EXPO_GAUGE);
    int found = 0;
    for (int i = 0; i < 2; i++) {
        udp_queues q;
        int r = read_one(i, rel[i], &q, ctx);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        found = 1;
        expo_sample(f, (double)q.tx, "queue", "tx", "ip", ip[i], NULL);
        expo_sample(f, (double)q.rx, "queue", "rx", "ip", ip[i], NULL);
    }
    return found ? 0 : node_fail(ctx, "udp_queues", "no /proc/net/udp or udp6");
}

const collector node_collector_udp_queues = {
    .name = "udp_queues",
    .enabled_by_default = true,
    .help = "Exposes UDP total lengths of the rx_queue and tx_queue from /proc/net/udp and /proc/net/udp6.",
    .collect = collect_udp_queues,
    NODE_FILES_STATE};
