/* log.h -- structured logging to stderr, logfmt or JSON (the exporter convention).
 *
 *   log_info("listening", "address", addr, NULL);
 *   -> ts=2026-11-25T16:00:00.000Z level=info msg=listening address=:9100
 *
 * Keys and values are strings. Never pass a secret: nothing here can tell. */
#ifndef EXP_LOG_H
#define EXP_LOG_H

#include <pthread.h>
#include <stddef.h>

enum { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* Sets level ("debug", "info", "warn", "error") and format ("logfmt", "json").
 * Returns -1 for an unknown name (nothing changed). Thread-safe to log from any thread. */
int log_setup(const char *level, const char *format);
int log_enabled(int level);
void log_kv(int level, const char *msg, ...) __attribute__((sentinel));

#define log_debug(...) log_kv(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_kv(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_kv(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_kv(LOG_LEVEL_ERROR, __VA_ARGS__)

/* A recurring event (a refused client, a bad request) logged at most once per interval, with the
 * number of events since the last line, so no client can flood the log:
 *
 *   static log_every refused = LOG_EVERY_INIT;
 *   char n[24];
 *   if (log_every_due(&refused, 10, n, sizeof n))
 *       log_warn("scrapes refused: too many at once", "count", n, NULL);
 *
 * Thread-safe; the counts themselves belong in metrics, not here. */
typedef struct log_every {
    pthread_mutex_t mu;
    double last;           /* monotonic seconds of the last line; 0: none yet */
    unsigned long pending; /* events not yet reported */
} log_every;
#define LOG_EVERY_INIT                                                                                       \
    {                                                                                                        \
        PTHREAD_MUTEX_INITIALIZER, 0, 0                                                                      \
    }
/* Counts one event. Returns 1 when a line is due now, with the count to report (this event included)
 * written into count as text; 0 otherwise (the event is kept for the next line). */
int log_every_due(log_every *e, double interval, char *count, size_t countlen);

#endif
