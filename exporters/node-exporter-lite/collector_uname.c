/* collector_uname.c -- node_uname_info: uname(2) as labels (dashboards pick hosts by nodename). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "node.h"

static int collect_uname(expo *w, collector_ctx *ctx)
{
    struct utsname u;
    if (uname(&u) < 0)
        return node_fail(ctx, "uname", strerror(errno));
    expo_sample(expo_family_get(w, "node_uname_info",
                                "Labeled system information as provided by the uname system call.",
                                EXPO_GAUGE),
                1, "sysname", u.sysname, "release", u.release, "version", u.version, "machine", u.machine,
                "nodename", u.nodename, "domainname", u.domainname, NULL);
    return 0;
}

const collector node_collector_uname = {
    .name = "uname",
    .enabled_by_default = true,
    .help = "Exposes system information as provided by the uname system call.",
    .collect = collect_uname};
