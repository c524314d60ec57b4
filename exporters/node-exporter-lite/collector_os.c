/* collector_os.c -- node_os_info and node_os_version from os-release(5). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "node.h"
#include "parsers.h"
#include "readfile.h"
#include "xalloc.h"

enum {
    K_BUILD_ID,
    K_ID,
    K_ID_LIKE,
    K_IMAGE_ID,
    K_IMAGE_VERSION,
    K_NAME,
    K_PRETTY_NAME,
    K_VARIANT,
    K_VARIANT_ID,
    K_VERSION,
    K_VERSION_CODENAME,
    K_VERSION_ID,
    K_N
};
static const char *const keys[K_N] = {"BUILD_ID",      "ID",      "ID_LIKE",          "IMAGE_ID",
                                      "IMAGE_VERSION", "NAME",    "PRETTY_NAME",      "VARIANT",
                                      "VARIANT_ID",    "VERSION", "VERSION_CODENAME", "VERSION_ID"};

typedef struct os_release {
    const char *v[K_N];
} os_release;

static void on_kv(void *arg, const char *key, const char *value)
{
    os_release *r = arg;
    for (int i = 0; i < K_N; i++)
        if (strcmp(key, keys[i]) == 0)
            r->v[i] = value;
}

/* The collector's own (init / release): the parsed file, kept while its mtime stays the same
 * (node_exporter caches it likewise). */
typedef struct os_state {
    const char *rootfs; /* --path.rootfs */
    char *text, path[4096];
    struct timespec mtime;
    os_release cached;
} os_state;

static int init_os(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    os_state *os = xcalloc(1, sizeof *os);
    os->rootfs = ((const node_paths *)exporter_state)->rootfs;
    *self = os;
    return 0;
}

static void release_os(void *self)
{
    os_state *os = self;
    if (!os)
        return;
    free(os->text);
    free(os);
}

/* Finds and parses os-release under rootfs unless the cached copy is current. */
static int os_refresh(os_state *os, char *err, size_t errlen)
{
    static const char *const files[] = {"etc/os-release", "usr/lib/os-release"};
    char path[4096];
    struct stat sb;
    size_t i;
    for (i = 0; i < 2; i++) {
        if (node_path(path, sizeof path, os->rootfs, files[i]) < 0) {
            snprintf(err, errlen, "path too long");
            return -1;
        }
        if (stat(path, &sb) == 0)
            break;
        if (errno != ENOENT) {
            snprintf(err, errlen, "%.200s: %s", path, strerror(errno));
            return -1;
        }
    }
    if (i == 2) {
        snprintf(err, errlen, "no os-release file found");
        return -1;
    }
    if (os->text && strcmp(path, os->path) == 0 && sb.st_mtim.tv_sec == os->mtime.tv_sec &&
        sb.st_mtim.tv_nsec == os->mtime.tv_nsec)
        return 0;
    free(os->text);
    memset(&os->cached, 0, sizeof os->cached);
    os->text = readfile(path, 1 << 16, NULL, err, errlen);
    if (!os->text)
        return -1;
    if (osrelease_parse(os->text, on_kv, &os->cached, err, errlen) < 0) {
        free(os->text);
        os->text = NULL;
        return -1;
    }
    for (int k = 0; k < K_N; k++)
        if (!os->cached.v[k])
            os->cached.v[k] = "";
    memcpy(os->path, path, sizeof os->path);
    os->mtime = sb.st_mtim;
    return 0;
}

static int collect_os(expo *w, collector_ctx *ctx)
{
    os_state *os = ctx->self;
    char err[256];
    if (os_refresh(os, err, sizeof err) < 0) {
        return node_fail(ctx, "os", err);
    }
    const os_release r = os->cached;
    expo_sample(
        expo_family_get(w, "node_os_info",
                        "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
                        "image_version, name, pretty_name, variant, variant_id, version, version_codename, "
                        "version_id.",
                        EXPO_GAUGE),
        1, "build_id", r.v[K_BUILD_ID], "id", r.v[K_ID], "id_like", r.v[K_ID_LIKE], "image_id",
        r.v[K_IMAGE_ID], "image_version", r.v[K_IMAGE_VERSION], "name", r.v[K_NAME], "pretty_name",
        r.v[K_PRETTY_NAME], "variant", r.v[K_VARIANT], "variant_id", r.v[K_VARIANT_ID], "version",
        r.v[K_VERSION], "version_codename", r.v[K_VERSION_CODENAME], "version_id", r.v[K_VERSION_ID], NULL);
    double version = osrelease_version(r.v[K_VERSION_ID]);
    if (version > 0)
        expo_sample(expo_family_get(w, "node_os_version",
                                    "Metric containing the major.minor part of the OS version.", EXPO_GAUGE),
                    version, "id", r.v[K_ID], "id_like", r.v[K_ID_LIKE], "name", r.v[K_NAME], NULL);
    return 0;
}

const collector node_collector_os = {.name = "os",
                                     .enabled_by_default = true,
                                     .help = "Exposes the OS release info (os-release).",
                                     .collect = collect_os,
                                     .init = init_os,
                                     .release = release_os};
