/* connect_status.h -- MirrorMaker 2's connectors as Kafka Connect's REST API reports them.
 *
 * `GET /connectors?expand=status&expand=info` answers one JSON object: connector name ->
 * {"info": {"config": {"connector.class": ...}, "type": ...}, "status": {"connector": {"state",
 * "worker_id", "trace"?}, "tasks": [{"id", "state", "worker_id", "trace"?}]}}. The decoder keeps the
 * connectors whose class is one of MirrorMaker 2's and turns a FAILED trace into its exception class
 * (a label-safe value; the trace itself can hold hosts and config values). The tracker remembers
 * when each connector and task entered its state, across answers. Pure: no I/O, no locks. */
#ifndef MIRROR_CONNECT_STATUS_H
#define MIRROR_CONNECT_STATUS_H

#include <stddef.h>

/* Connect's states (AbstractStatus.State), plus UNKNOWN: the last answer could not be had. */
enum {
    CONNECT_UNASSIGNED,
    CONNECT_RUNNING,
    CONNECT_PAUSED,
    CONNECT_STOPPED,
    CONNECT_FAILED,
    CONNECT_RESTARTING,
    CONNECT_UNKNOWN,
    CONNECT_NSTATES
};
extern const char *const connect_state_names[CONNECT_NSTATES];

#define CONNECT_NAME_MAX 249   /* Connect allows longer names; longer ones are truncated */
#define CONNECT_WORKER_MAX 255 /* host:port */
#define CONNECT_CLASS_MAX 127  /* an exception class name, or MM2's connector class without its package */

typedef struct connect_task {
    int id;
    int state;
    char worker[CONNECT_WORKER_MAX + 1];
    char error_class[CONNECT_CLASS_MAX + 1]; /* FAILED only; "" otherwise */
} connect_task;

typedef struct connect_connector {
    char name[CONNECT_NAME_MAX + 1];
    char class_name[CONNECT_CLASS_MAX + 1]; /* "MirrorSourceConnector" */
    int state;
    char worker[CONNECT_WORKER_MAX + 1];
    char error_class[CONNECT_CLASS_MAX + 1];
    connect_task *tasks;
    size_t ntasks;
} connect_connector;

typedef struct connect_status {
    connect_connector *connectors;
    size_t n;
    size_t skipped; /* connectors of other classes */
} connect_status;

/* Decodes an answer. 0 on success; -1 with a one-line reason in err (the status is then empty).
 * A state Connect may add later decodes as UNKNOWN; a connector without its class in "info" is
 * not known to be MirrorMaker 2's and is skipped. */
int connect_status_parse(const char *json, size_t len, connect_status *out, char *err, size_t errlen);
void connect_status_free(connect_status *s);

/* The exception class at the head of a Java stack trace ("org.apache...ConnectException: msg\n\tat ..."):
 * the first token, kept only if it looks like a Java class name; "unknown" otherwise. */
void connect_error_class(const char *trace, char *out, size_t outlen);

/* When each connector (task -1) and task entered its state, by (connector, task). */
typedef struct connect_since_entry {
    char name[CONNECT_NAME_MAX + 1];
    int task;
    int state;
    double since; /* monotonic seconds */
    int seen;     /* in the latest answer */
} connect_since_entry;

typedef struct connect_tracker {
    connect_since_entry *e;
    size_t n, cap;
} connect_tracker;

/* Records an answer taken at monotonic time `now`: a new or changed state starts its clock at `now`
 * (a state first seen is dated from when this exporter first saw it); entries absent from the
 * answer are forgotten. */
void connect_tracker_update(connect_tracker *t, const connect_status *s, double now);
/* The monotonic time the connector (task -1) or task entered its current state; 0 if unknown. */
double connect_tracker_since(const connect_tracker *t, const char *name, int task);
void connect_tracker_free(connect_tracker *t);

#endif
