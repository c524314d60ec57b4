/* collector_filesystem.c -- node_filesystem_*: statfs of each mount, with a deadline (fsstat.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "buf.h"
#include "fsstat.h"
#include "log.h"
#include "node.h"
#include "parsers.h"
#include "goregex.h"
#include "readfile.h"
#include "xalloc.h"

/* node_exporter 1.5's upstream defaults (Debian's build changes some; we follow upstream). The exclude
 * flags have no textual default, so a deprecated flag given alone can take their place. */
#define FS_MP_EXCLUDE_DEFAULT                                                                                \
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
#define FS_TYPES_EXCLUDE_DEFAULT                                                                             \
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|"   \
    "nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"

static struct {
    char *mp_exclude, *types_exclude, *mp_ignored_old, *types_ignored_old; /* flag targets */
    double mount_timeout;                                                  /* flag target */
} fs;

typedef struct mount_list {
    mount_rec *items;
    size_t n, cap;
    int oom;
} mount_list;

/* The mount table, parsed, kept between scrapes: procfs flags a change of the
 * table with POLLPRI on an open mounts file, so an unchanged table (the usual
 * case) costs one poll() instead of a read and a parse. */
typedef struct mount_table {
    int fd;
    int procfs; /* the fd is on procfs, so POLLPRI means something */
    int valid;
    char *text;
    mount_list list;
    /* The mounts to stat, chosen once per table: exclusions, duplicates and paths
     * depend on nothing else. reqs[k] is for list.items[pick[k]]. */
    int picked;
    size_t npick;
    size_t *pick;
    fsstat_req *reqs;
    char *paths;
} mount_table;

/* The collector's own (init / release). */
typedef struct fs_state {
    const node_paths *paths;
    double mount_timeout;
    regex_t mp_re, types_re;
    unsigned compiled; /* bits: mp_re, types_re */
    fsstat *stat;      /* made at the first scrape */
    mount_table table;
} fs_state;

static const flag filesystem_flags[] = {
    {"collector.filesystem.mount-points-exclude", FLAG_STRING, &fs.mp_exclude, NULL,
     "Regexp of mount points to exclude for filesystem collector. Default: " FS_MP_EXCLUDE_DEFAULT, 0, 0},
    {"collector.filesystem.ignored-mount-points", FLAG_STRING, &fs.mp_ignored_old, NULL,
     "DEPRECATED: use --collector.filesystem.mount-points-exclude.", 0, 0},
    {"collector.filesystem.fs-types-exclude", FLAG_STRING, &fs.types_exclude, NULL,
     "Regexp of filesystem types to exclude for filesystem collector. Default: " FS_TYPES_EXCLUDE_DEFAULT, 0,
     0},
    {"collector.filesystem.ignored-fs-types", FLAG_STRING, &fs.types_ignored_old, NULL,
     "DEPRECATED: use --collector.filesystem.fs-types-exclude.", 0, 0},
    {"collector.filesystem.mount-timeout", FLAG_DURATION, &fs.mount_timeout, "5s",
     "How long to wait for a mount to respond before marking it as stale.", 0, 0},
};

static void release_filesystem(void *self);

static int init_filesystem(void *exporter_state, void **self, char *err, size_t errlen)
{
    const char *mp, *types;
    if (node_pick_deprecated(fs.mp_exclude, fs.mp_ignored_old, "collector.filesystem.mount-points-exclude",
                             "collector.filesystem.ignored-mount-points", &mp, err, errlen) < 0 ||
        node_pick_deprecated(fs.types_exclude, fs.types_ignored_old, "collector.filesystem.fs-types-exclude",
                             "collector.filesystem.ignored-fs-types", &types, err, errlen) < 0)
        return -1;
    if (fs.mount_timeout <= 0) {
        snprintf(err, errlen, "bad --collector.filesystem.mount-timeout: must be above zero");
        return -1;
    }
    fs_state *st = xcalloc(1, sizeof *st);
    st->paths = exporter_state;
    st->mount_timeout = fs.mount_timeout;
    st->table.fd = -1;
    if (node_regex_flag(&st->mp_re, "collector.filesystem.mount-points-exclude",
                        mp ? mp : FS_MP_EXCLUDE_DEFAULT, err, errlen) < 0) {
        free(st);
        return -1;
    }
    st->compiled |= 1;
    if (node_regex_flag(&st->types_re, "collector.filesystem.fs-types-exclude",
                        types ? types : FS_TYPES_EXCLUDE_DEFAULT, err, errlen) < 0) {
        release_filesystem(st);
        return -1;
    }
    st->compiled |= 2;
    *self = st;
    return 0;
}

static void on_mount(void *arg, const mount_rec *m)
{
    mount_list *l = arg;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 32;
        mount_rec *n = realloc(l->items, ncap * sizeof *n);
        if (!n) {
            l->oom = 1;
            return;
        }
        l->items = n;
        l->cap = ncap;
    }
    l->items[l->n++] = *m;
}

static int same_labels(const mount_rec *a, const mount_rec *b)
{
    return strcmp(a->device, b->device) == 0 && strcmp(a->mountpoint, b->mountpoint) == 0 &&
           strcmp(a->fstype, b->fstype) == 0;
}

/* The mountpoint label: node_exporter strips --path.rootfs from it. */
static const char *label_mountpoint(const char *root, const char *mp)
{
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    if (rl <= 1 || strncmp(mp, root, rl) != 0 || (mp[rl] != '/' && mp[rl] != '\0'))
        return mp;
    return mp[rl] ? mp + rl : "/";
}

static void emit(expo *w, const mount_rec *m, const char *mp, int error, const struct statfs *st)
{
    const char *dev = m->device, *fst = m->fstype;
    expo_sample(expo_family_get(w, "node_filesystem_device_error",
                                "Whether an error occurred while getting statistics for the given device.",
                                EXPO_GAUGE),
                error ? 1 : 0, "device", dev, "fstype", fst, "mountpoint", mp, NULL);
    if (error)
        return;
    double bs = (double)st->f_bsize;
    expo_sample(expo_family_get(w, "node_filesystem_size_bytes", "Filesystem size in bytes.", EXPO_GAUGE),
                (double)st->f_blocks * bs, "device", dev, "fstype", fst, "mountpoint", mp, NULL);
    expo_sample(
        expo_family_get(w, "node_filesystem_free_bytes", "Filesystem free space in bytes.", EXPO_GAUGE),
        (double)st->f_bfree * bs, "device", dev, "fstype", fst, "mountpoint", mp, NULL);
    expo_sample(expo_family_get(w, "node_filesystem_avail_bytes",
                                "Filesystem space available to non-root users in bytes.", EXPO_GAUGE),
                (double)st->f_bavail * bs, "device", dev, "fstype", fst, "mountpoint", mp, NULL);
    expo_sample(expo_family_get(w, "node_filesystem_files", "Filesystem total file nodes.", EXPO_GAUGE),
                (double)st->f_files, "device", dev, "fstype", fst, "mountpoint", mp, NULL);
    expo_sample(
        expo_family_get(w, "node_filesystem_files_free", "Filesystem total free file nodes.", EXPO_GAUGE),
        (double)st->f_ffree, "device", dev, "fstype", fst, "mountpoint", mp, NULL);
    expo_sample(expo_family_get(w, "node_filesystem_readonly", "Filesystem read-only status.", EXPO_GAUGE),
                mounts_has_ro(m->options), "device", dev, "fstype", fst, "mountpoint", mp, NULL);
}

static void unpick(mount_table *t)
{
    free(t->pick);
    free(t->reqs);
    free(t->paths);
    t->pick = NULL;
    t->reqs = NULL;
    t->paths = NULL;
    t->npick = 0;
    t->picked = 0;
}

/* Chooses the mounts to stat and their paths under --path.rootfs. */
static int pick_mounts(fs_state *st, char *err, size_t errlen)
{
    mount_table *t = &st->table;
    unpick(t);
    size_t n = t->list.n;
    t->pick = malloc((n ? n : 1) * sizeof *t->pick);
    t->reqs = calloc(n ? n : 1, sizeof *t->reqs);
    size_t *offset = malloc((n ? n : 1) * sizeof *offset); /* of each path in `paths`, which may move */
    buf paths;
    buf_init(&paths, (size_t)-1);
    if (!t->pick || !t->reqs || !offset)
        goto oom;
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        const mount_rec *m = &t->list.items[i];
        const char *mp = label_mountpoint(st->paths->rootfs, m->mountpoint);
        if (goregex_match(&st->mp_re, mp) || goregex_match(&st->types_re, m->fstype))
            continue;
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++)
            dup = same_labels(&t->list.items[j], m); /* the same labels twice would be a duplicate series */
        if (dup)
            continue;
        if (node_path(path, sizeof path, st->paths->rootfs, mp[0] == '/' ? mp + 1 : mp) < 0)
            continue; /* longer than any real path: not a mount we can stat */
        offset[t->npick] = paths.len;
        if (buf_append(&paths, path, strlen(path) + 1) < 0)
            goto oom;
        t->pick[t->npick++] = i;
    }
    size_t len;
    t->paths = buf_steal(&paths, &len);
    for (size_t k = 0; k < t->npick; k++)
        t->reqs[k].path = t->paths + offset[k];
    free(offset);
    t->picked = 1;
    return 0;
oom:
    free(offset);
    buf_free(&paths);
    unpick(t);
    snprintf(err, errlen, "out of memory");
    return -1;
}

static int table_refresh(fs_state *st, char *err, size_t errlen)
{
    mount_table *t = &st->table;
    char path[4096];
    if (t->fd < 0) {
        /* PID 1's view: ours may be a private mount namespace (node_exporter does the same). */
        if (node_path(path, sizeof path, st->paths->procfs, "1/mounts") == 0)
            t->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (t->fd < 0 && errno == ENOENT && node_path(path, sizeof path, st->paths->procfs, "mounts") == 0)
            t->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (t->fd < 0) {
            snprintf(err, errlen, "%s/1/mounts: %s", st->paths->procfs, strerror(errno));
            return -1;
        }
        struct statfs sf;
        t->procfs = fstatfs(t->fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
        t->valid = 0;
    }
    if (t->valid && t->procfs) {
        struct pollfd pfd = {.fd = t->fd, .events = POLLPRI};
        if (poll(&pfd, 1, 0) == 0 || !(pfd.revents & (POLLPRI | POLLERR)))
            return 0;
    }
    t->valid = 0;
    unpick(t);
    free(t->text);
    t->text = NULL;
    t->list.n = 0;
    t->list.oom = 0;
    size_t cap = 0;
    if (readfile_fd(t->fd, 16u << 20, &t->text, &cap, NULL) < 0) {
        if (errno == EFBIG || errno == ENOMEM) {
            snprintf(err, errlen, "mount table too large");
            return -1;
        }
        snprintf(err, errlen, "reading mounts: %s", strerror(errno));
        close(t->fd);
        t->fd = -1;
        return -1;
    }
    if (mounts_parse(t->text, on_mount, &t->list, err, errlen) < 0)
        return -1;
    if (t->list.oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->valid = 1;
    return 0;
}

static int collect_filesystem(expo *w, collector_ctx *ctx)
{
    fs_state *st = ctx->self;
    mount_table *t = &st->table;
    char err[256];
    int rc = 0;
    if (!st->stat)
        st->stat = fsstat_new(NULL);
    if (!st->stat) {
        rc = node_fail(ctx, "filesystem", "out of memory");
        goto out;
    }
    if (table_refresh(st, err, sizeof err) < 0) {
        rc = node_fail(ctx, "filesystem", err);
        goto out;
    }
    if (!t->picked && pick_mounts(st, err, sizeof err) < 0) {
        rc = node_fail(ctx, "filesystem", err);
        goto out;
    }
    fsstat_stat_all(st->stat, t->reqs, t->npick, st->mount_timeout, ctx->deadline);
    for (size_t k = 0; k < t->npick; k++) {
        const mount_rec *m = &t->list.items[t->pick[k]];
        const char *mp = label_mountpoint(st->paths->rootfs, m->mountpoint);
        const fsstat_req *r = &t->reqs[k];
        if (r->rc == FSSTAT_TIMEOUT)
            log_warn("mount point timed out, it is being labeled as stuck and will not be monitored",
                     "mountpoint", mp, NULL);
        emit(w, m, mp, r->rc != FSSTAT_OK, &r->st);
    }
out:
    return rc;
}

static void release_filesystem(void *self)
{
    fs_state *st = self;
    if (!st)
        return;
    fsstat_free(st->stat);
    if (st->table.fd >= 0)
        close(st->table.fd);
    unpick(&st->table);
    free(st->table.text);
    free(st->table.list.items);
    if (st->compiled & 1)
        regfree(&st->mp_re);
    if (st->compiled & 2)
        regfree(&st->types_re);
    free(st);
}

const collector node_collector_filesystem = {.name = "filesystem",
                                             .enabled_by_default = true,
                                             .help =
                                                 "Exposes filesystem statistics, such as disk space used.",
                                             .collect = collect_filesystem,
                                             .flags = filesystem_flags,
                                             .nflags = 5,
                                             .init = init_filesystem,
                                             .release = release_filesystem};
