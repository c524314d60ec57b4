/* fsstat.h -- statfs(2) with a deadline, remembering mounts that did not answer.
 *
 * A hung NFS or FUSE mount blocks statfs() forever, in the kernel, and no
 * signal gets the thread back. So the calls run on a worker thread and the
 * scrape waits only until its deadline. A worker that misses it is abandoned
 * (it lives on, blocked) and its mount point is "stuck": later calls skip it
 * at once, until the abandoned call finally returns and clears the mark --
 * node_exporter's stuck-mount rule, without its first hung scrape.
 *
 * All mounts of a scrape go to the worker in one hand-over: a thread wake-up
 * costs more than a statfs, and hosts have a dozen mounts. */
#ifndef NEL_FSSTAT_H
#define NEL_FSSTAT_H

#include <stddef.h>
#include <sys/statfs.h>

typedef struct fsstat fsstat;
/* The stat call; tests inject a slow one. NULL means statfs(2). */
typedef int (*fsstat_fn)(const char *path, struct statfs *out);

enum {
    FSSTAT_OK = 0,
    FSSTAT_ERROR = -1,   /* the call failed (err says why), or the deadline came before it */
    FSSTAT_TIMEOUT = -2, /* no answer in time: the mount point is now stuck */
    FSSTAT_STUCK = -3,   /* skipped: still stuck from an earlier call */
    FSSTAT_BUSY = -4,    /* another caller held the worker past the deadline */
};

typedef struct fsstat_req {
    const char *path; /* in */
    int rc;           /* out: an FSSTAT_* code */
    int err;          /* out: errno of a failed call */
    struct statfs st; /* out, when rc is FSSTAT_OK */
} fsstat_req;

/* Creates the worker pool (threads start lazily). NULL on out-of-memory. */
fsstat *fsstat_new(fsstat_fn fn);
/* Stops the idle worker and drops this handle; abandoned workers free what they
 * share with it when their call returns. */
void fsstat_free(fsstat *s);
/* Stats every path, each given at most `timeout` seconds, none past `deadline`
 * (CLOCK_MONOTONIC seconds, now_monotonic()). Thread-safe. */
void fsstat_stat_all(fsstat *s, fsstat_req *reqs, size_t n, double timeout, double deadline);
/* 1 if `path` is marked stuck. */
int fsstat_is_stuck(fsstat *s, const char *path);

#endif
