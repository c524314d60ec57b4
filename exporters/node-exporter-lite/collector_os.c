/* collector_os.c -- node_os_info and node_os_version from os-release(5). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "readfile.h"

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

int collect_os(expo *w, collector_ctx *ctx)
{
    static const char *const files[] = {"etc/os-release", "usr/lib/os-release"};
    char path[4096], err[256] = "no os-release file found";
    char *text = NULL;
    for (size_t i = 0; i < 2 && !text; i++) {
        if (node_path(path, sizeof path, node_cfg.rootfs, files[i]) < 0)
            return node_fail(ctx, "os", "path too long");
        text = readfile(path, 1 << 16, NULL, err, sizeof err);
        if (!text && errno != ENOENT)
            break;
    }
    if (!text)
        return node_fail(ctx, "os", err);
    os_release r = {{0}};
    int rc = osrelease_parse(text, on_kv, &r, err, sizeof err);
    if (rc < 0) {
        free(text);
        return node_fail(ctx, "os", err);
    }
    for (int i = 0; i < K_N; i++)
        if (!r.v[i])
            r.v[i] = "";
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
    free(text);
    return 0;
}
