/* node.h -- what node-exporter-lite's collectors share: the host paths, device filters, regex flags.
 *
 * Each collector is one file, collector_NAME.c, defining `const collector node_collector_NAME`
 * with its own flags, init and release (collector.h), and one line in collectors.def. The
 * exporter's state, handed to every collector as ctx->state and to init, is a node_paths. */
#ifndef NEL_NODE_H
#define NEL_NODE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "collector.h"
#include "flags.h"
#include "procfile.h"

/* --path.procfs, --path.sysfs, --path.rootfs, --path.udev.data (node_exporter's). */
typedef struct node_paths {
    char *procfs, *sysfs, *rootfs, *udev_data;
} node_paths;

/* The paths of a scrape's collector context. */
#define NODE_PATHS(ctx) ((const node_paths *)(ctx)->state)

/* A device filter as node_exporter's: an exclude or an include pattern, or none. */
typedef struct devfilter {
    regex_t re;
    enum { DEVFILTER_NONE, DEVFILTER_EXCLUDE, DEVFILTER_INCLUDE } mode;
} devfilter;

/* Sets f from a --collector.WHAT.device-exclude / -include pair (NULL or empty: not given); they
 * are mutually exclusive. -1 with "bad --flag: reason" in err, f left unset (DEVFILTER_NONE). */
int devfilter_setup(devfilter *f, const char *what, const char *exclude, const char *include, char *err,
                    size_t errlen);
void devfilter_release(devfilter *f);
/* 1 if `name` is filtered out. */
int devfilter_ignored(const devfilter *f, const char *name);
/* Compiles the Go regexp `pattern` of --flagname; -1 with "bad --flagname "pattern": why" in err. */
int node_regex_flag(regex_t *re, const char *flagname, const char *pattern, char *err, size_t errlen);
/* node_exporter's deprecated flag names: the value of the old one if given, else of the new one;
 * both given is an error (-1 with the reason in err). */
int node_pick_deprecated(const char *now, const char *old, const char *newname, const char *oldname,
                         const char **value, char *err, size_t errlen);
/* Joins root and rel ("/proc" + "net/dev") into out; -1 if it does not fit. */
int node_path(char *out, size_t outlen, const char *root, const char *rel);
/* Writes "what: reason" into the collector's error line; returns -1. */
int node_fail(collector_ctx *ctx, const char *what, const char *reason);

/* The state of a collector that keeps only open files (NODE_FILES_MAX at most, each closed until first
 * read): NODE_FILES_STATE in its table entry, and NODE_FILES(ctx)[i] in collect.
 * Every collector's state is its own, made by its init and handed back as ctx->self: none is static. */
enum { NODE_FILES_MAX = 3 };
#define NODE_FILES(ctx) ((procfile *)(ctx)->self)
#define NODE_FILES_STATE .init = node_files_init, .release = node_files_release
/* Can't fail (aborts on out-of-memory). */
int node_files_init(void *exporter_state, void **self, char *err, size_t errlen);
void node_files_release(void *self);

/* The state of a collector that reads one kept-open file through a device filter (arp, diskstats): made
 * from devfilter_setup's arguments into *self, 0; or -1 with the reason in err, nothing made. */
typedef struct node_devfile {
    procfile file;
    devfilter filter;
} node_devfile;
int node_devfile_init(void **self, const char *what, const char *exclude, const char *include, char *err,
                      size_t errlen);
void node_devfile_release(void *self);

/* A --collector.X.fields pattern that keeps its verdicts (vmstat, netstat): the kernel's field names
 * never change while we run, and a regexec per field per scrape was most of those collectors' cost.
 * node_fields_new compiles `pattern` (the Go regexp of --flagname): NULL with the reason in err. */
typedef struct node_fields node_fields;
node_fields *node_fields_new(const char *flagname, const char *pattern, char *err, size_t errlen);
/* 1 if name matches; decided once per name (up to NODE_FIELDS_KEPT names, past that every time). */
enum { NODE_FIELDS_KEPT = 1024 };
int node_fields_match(node_fields *nf, const char *name);
/* After a scrape: if the regex ran, compiles it afresh (glibc builds a pattern's DFA lazily, to about
 * 450 kB for netstat's default, and every verdict is kept now) and gives those pages back. */
void node_fields_settle(node_fields *nf);
void node_fields_free(node_fields *nf);

/* collector_netclass_rtnl.c: netclass over rtnetlink (--collector.netclass.netlink) on netclass's own
 * sockets; `ignored` is netclass's --collector.netclass.ignored-devices (NULL: none). */
struct rtnl_sock;
int netclass_rtnl_collect(expo *w, collector_ctx *ctx, struct rtnl_sock *rtnl, const regex_t *ignored,
                          bool with_stats);

#endif
