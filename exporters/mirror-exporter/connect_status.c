/* connect_status.c -- decoding Connect's expanded /connectors answer, and state clocks. */
#include "connect_status.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const connect_state_names[CONNECT_NSTATES] = {
    "UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING", "UNKNOWN",
};

/* MirrorSourceConnector, MirrorCheckpointConnector, MirrorHeartbeatConnector live here. */
static const char mm2_package[] = "org.apache.kafka.connect.mirror.";

static int state_of(const char *s)
{
    for (int i = 0; s && i < CONNECT_UNKNOWN; i++)
        if (strcmp(s, connect_state_names[i]) == 0)
            return i;
    return CONNECT_UNKNOWN;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static bool java_ident_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
           (!first && c >= '0' && c <= '9');
}

void connect_error_class(const char *trace, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    size_t n = 0;
    bool ok = trace != NULL, first = true;
    for (const char *p = trace; ok && *p && *p != ':' && *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t';
         p++, n++) {
        if (*p == '.') {
            ok = !first; /* no empty segment */
            first = true;
        } else {
            ok = java_ident_char(*p, first);
            first = false;
        }
    }
    if (!ok || n == 0 || first || n >= outlen) {
        copy_str(out, outlen, "unknown");
        return;
    }
    memcpy(out, trace, n);
    out[n] = '\0';
}

static const char *str_at(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* One status object ({"state", "worker_id", "trace"?}) into its fields. */
static void decode_state(json_t *st, int *state, char *worker, char *error_class)
{
    *state = state_of(str_at(st, "state"));
    copy_str(worker, CONNECT_WORKER_MAX + 1, str_at(st, "worker_id"));
    error_class[0] = '\0';
    if (*state == CONNECT_FAILED)
        connect_error_class(str_at(st, "trace"), error_class, CONNECT_CLASS_MAX + 1);
}

static int decode_connector(const char *name, json_t *v, connect_connector *c, char *err, size_t errlen)
{
    json_t *status = json_object_get(v, "status");
    json_t *cst = json_object_get(status, "connector");
    json_t *tasks = json_object_get(status, "tasks");
    if (!json_is_object(cst) || (tasks && !json_is_array(tasks))) {
        snprintf(err, errlen, "connector %.64s: no \"status\" with \"connector\" and \"tasks\"", name);
        return -1;
    }
    copy_str(c->name, sizeof c->name, name);
    decode_state(cst, &c->state, c->worker, c->error_class);
    size_t n = json_array_size(tasks);
    c->tasks = n ? calloc(n, sizeof *c->tasks) : NULL;
    if (n && !c->tasks) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t)
    {
        json_t *id = json_object_get(t, "id");
        if (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) > 1000000) {
            snprintf(err, errlen, "connector %.64s: task %zu without a valid \"id\"", name, i);
            return -1;
        }
        connect_task *ct = &c->tasks[c->ntasks++];
        ct->id = (int)json_integer_value(id);
        decode_state(t, &ct->state, ct->worker, ct->error_class);
    }
    return 0;
}

int connect_status_parse(const char *json, size_t len, connect_status *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        snprintf(err, errlen, "not a JSON object%s%s", root ? "" : ": ", root ? "" : jerr.text);
        json_decref(root);
        return -1;
    }
    size_t n = json_object_size(root);
    out->connectors = n ? calloc(n, sizeof *out->connectors) : NULL;
    if (n && !out->connectors) {
        snprintf(err, errlen, "out of memory");
        json_decref(root);
        return -1;
    }
    const char *name;
    json_t *v;
    int rc = 0;
    json_object_foreach(root, name, v)
    {
        if (!json_is_object(v)) {
            snprintf(err, errlen, "connector %.64s: not an object", name);
            rc = -1;
            break;
        }
        const char *cls = str_at(json_object_get(json_object_get(v, "info"), "config"), "connector.class");
        if (!cls || strncmp(cls, mm2_package, sizeof mm2_package - 1) != 0) {
            out->skipped++;
            continue;
        }
        connect_connector *c = &out->connectors[out->n++];
        copy_str(c->class_name, sizeof c->class_name, cls + sizeof mm2_package - 1);
        if ((rc = decode_connector(name, v, c, err, errlen)) < 0)
            break;
    }
    json_decref(root);
    if (rc < 0)
        connect_status_free(out);
    return rc;
}

void connect_status_free(connect_status *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->connectors[i].tasks);
    free(s->connectors);
    memset(s, 0, sizeof *s);
}

static connect_since_entry *find(const connect_tracker *t, const char *name, int task)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].task == task && strcmp(t->e[i].name, name) == 0)
            return &t->e[i];
    return NULL;
}

static void note(connect_tracker *t, const char *name, int task, int state, double now)
{
    connect_since_entry *e = find(t, name, task);
    if (!e) {
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 16;
            connect_since_entry *ne = realloc(t->e, cap * sizeof *ne);
            if (!ne)
                return; /* the clock of this one is then unknown (0) */
            t->e = ne;
            t->cap = cap;
        }
        e = &t->e[t->n++];
        copy_str(e->name, sizeof e->name, name);
        e->task = task;
        e->state = -1;
    }
    if (e->state != state) {
        e->state = state;
        e->since = now;
    }
    e->seen = 1;
}

void connect_tracker_update(connect_tracker *t, const connect_status *s, double now)
{
    for (size_t i = 0; i < t->n; i++)
        t->e[i].seen = 0;
    for (size_t i = 0; i < s->n; i++) {
        const connect_connector *c = &s->connectors[i];
        note(t, c->name, -1, c->state, now);
        for (size_t j = 0; j < c->ntasks; j++)
            note(t, c->name, c->tasks[j].id, c->tasks[j].state, now);
    }
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].seen)
            t->e[k++] = t->e[i];
    t->n = k;
}

double connect_tracker_since(const connect_tracker *t, const char *name, int task)
{
    const connect_since_entry *e = find(t, name, task);
    return e ? e->since : 0;
}

void connect_tracker_free(connect_tracker *t)
{
    free(t->e);
    memset(t, 0, sizeof *t);
}
