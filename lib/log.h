/* log.h -- structured logging to stderr, logfmt or JSON (the exporter convention).
 *
 *   log_info("listening", "address", addr, NULL);
 *   -> ts=2026-11-25T16:00:00.000Z level=info msg=listening address=:9100
 *
 * Keys and values are strings. Never pass a secret: nothing here can tell. */
#ifndef EXP_LOG_H
#define EXP_LOG_H

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

#endif
