/* filter.h -- include/exclude regex pairs for --topic.* and --group.* flags.
 *
 * Same semantics as danielqsj/kafka_exporter: a name is kept when it matches the include pattern anywhere
 * (unanchored) and does not match the exclude pattern. Patterns are Go regexps, as there (lib/goregex.h):
 * `^events-\d+$` means what it means in Go, and a pattern POSIX cannot express is refused at start. */
#ifndef KX_FILTER_H
#define KX_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct kx_filter {
    regex_t include, exclude;
    bool compiled;
} kx_filter;

/* Compiles both patterns. Returns 0, or -1 with "--flag \"pattern\": reason" in err (the caller exits 2);
 * on error nothing needs freeing. */
int kx_filter_init(kx_filter *f, const char *include, const char *exclude, const char *include_flag,
                   const char *exclude_flag, char *err, size_t errlen);
void kx_filter_free(kx_filter *f);
/* True if `name` passes. */
bool kx_filter_match(const kx_filter *f, const char *name);

#endif
