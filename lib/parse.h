/* parse.h -- strict number parsing (no atoi): the whole string must be a number
 * in range, else -1 and *out untouched. */
#ifndef EXP_PARSE_H
#define EXP_PARSE_H

#include <stdint.h>

int parse_int64(const char *s, int64_t *out) __attribute__((warn_unused_result));
int parse_uint64(const char *s, uint64_t *out) __attribute__((warn_unused_result));
int parse_double(const char *s, double *out) __attribute__((warn_unused_result));
/* Prometheus durations ("250ms", "15s", "1m30s", "2h"); -1 on anything else. */
int parse_duration(const char *s, double *seconds) __attribute__((warn_unused_result));

#endif
