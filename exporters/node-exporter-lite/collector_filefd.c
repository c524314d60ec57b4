/* collector_filefd.c -- node_filefd_allocated and node_filefd_maximum from /proc/sys/fs/file-nr. */
#include <errno.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"

static int collect_filefd(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    uint64_t allocated, maximum;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "sys/fs/file-nr") < 0)
        return node_fail(ctx, "filefd", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[0], path, 4096, &text, err, sizeof err) < 0)
        return node_fail(ctx, "filefd", err);
    int rc = filenr_parse(text, &allocated, &maximum, err, sizeof err);
    if (rc < 0)
        return node_fail(ctx, path, err);
    expo_sample(
        expo_family_get(w, "node_filefd_allocated", "File descriptor statistics: allocated.", EXPO_GAUGE),
        (double)allocated, NULL);
    expo_sample(expo_family_get(w, "node_filefd_maximum", "File descriptor statistics: maximum.", EXPO_GAUGE),
                (double)maximum, NULL);
    return 0;
}

const collector node_collector_filefd = {.name = "filefd",
                                         .enabled_by_default = true,
                                         .help =
                                             "Exposes file descriptor statistics from /proc/sys/fs/file-nr.",
                                         .collect = collect_filefd,
                                         NODE_FILES_STATE};
