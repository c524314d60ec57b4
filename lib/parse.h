/* parse.h -- strict number parsing (no atoi): the whole string must be a number
 * in range, else -1 and *out untouched. */
#ifndef EXP_PARSE_H
#define EXP_PARSE_H

#include <stdint.h>

int parse_int64(const char *s, int64_t *out) __attribute__((warn_unused_result));
int parse_uint64(const char *s, uint64_t *out) __attribute__((warn_unused_result));
int parse_double(const char *s, double *out) __attribute__((warn_unused_result));
/* parse_double without inf, nan or any out-of-range value (overflow or underflow): kernel counters. */
int parse_double_finite(const char *s, double *out) __attribute__((warn_unused_result));
/* Go's strconv.ParseInt(s, 0, 64) and ParseUint(s, 0, 64) for the forms the kernel writes: decimal, 0x hex,
 * 0 octal; a sign only on the signed one (as Go; "-0x10" is -16). */
int parse_int64_base0(const char *s, int64_t *out) __attribute__((warn_unused_result));
int parse_uint64_base0(const char *s, uint64_t *out) __attribute__((warn_unused_result));
/* Prometheus durations ("250ms", "15s", "1m30s", "2h"); -1 on anything else. */
int parse_duration(const char *s, double *seconds) __attribute__((warn_unused_result));
/* Prometheus sizes: a whole number of bytes, or of B, KB/KiB, MB/MiB, GB/GiB, TB/TiB, all powers of 1024
 * ("32MiB", "512MB"); -1 on anything else or past 2^64 - 1. */
int parse_size(const char *s, uint64_t *bytes) __attribute__((warn_unused_result));

#endif
