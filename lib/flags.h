/* flags.h -- command-line flags in the Prometheus exporter convention.
 *
 * `--name=value` and `--name value`; booleans as `--name` / `--no-name`;
 * `--collector.NAME` / `--no-collector.NAME` switch collectors. An unknown
 * flag, a missing or malformed value is an error (the caller exits 2). */
#ifndef EXP_FLAGS_H
#define EXP_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    FLAG_STRING,   /* target: char ** (the string is owned by flags; freed by flags_free) */
    FLAG_LIST,     /* repeatable; target: strlist * */
    FLAG_BOOL,     /* target: bool * */
    FLAG_INT,      /* target: long * ; decimal, range-checked against min/max */
    FLAG_DURATION, /* target: double * (seconds); Prometheus durations: 500ms, 10s, 1m, 1h */
    FLAG_DOUBLE,   /* target: double * */
    FLAG_SIZE,     /* target: size_t * (bytes); parse_size's units: 4096, 512KiB, 32MiB; range-checked */
} flag_kind;

typedef struct strlist {
    char **items;
    size_t n;
} strlist;

typedef struct flag {
    const char *name; /* without the leading "--" */
    flag_kind kind;
    void *target;
    const char *defval; /* textual default, parsed like a given value; NULL: none (string NULL, list empty) */
    const char *help;
    long min, max; /* FLAG_INT and FLAG_SIZE (bytes) only; min == max == 0 means no range check */
} flag;

struct collectors;

/* Parses argv against `table` (and the collector switches of `c`, which may be NULL).
 * Returns 0 to go on, 1 if --help (--help-long, --help-man: a man page) or --version was printed
 * (exit 0; --no-help and --no-version are accepted and do nothing, as kingpin's), and -1 on a
 * bad command line, with a one-line reason in err (exit 2). */
int flags_parse(const flag *table, size_t n, struct collectors *c, const char *progname,
                const char *version_line, int argc, char **argv, char *err, size_t errlen);
/* Frees strings and lists that flags_parse allocated into the targets. */
void flags_free(const flag *table, size_t n);
/* Prints the same as a man page (roff, for --help-man) to stdout. */
void flags_man(const flag *table, size_t n, struct collectors *c, const char *progname,
               const char *version_line);
/* Prints the usage text of `table` (and the collectors) to stdout. */
void flags_usage(const flag *table, size_t n, struct collectors *c, const char *progname);

/* Appends a copy of s (aborts on out-of-memory, as the flag parser does). */
void strlist_add(strlist *l, const char *s);
/* The items joined by sep, in a new string the caller frees ("" for an empty list). Cannot fail. */
char *strlist_join(const strlist *l, const char *sep);
void strlist_free(strlist *l);

/* A flag's value quoted for an error message: the whole value if short, else its first 48 bytes, "..."
 * and its length, so a long value never pushes the reason after it out of the line. Returns out. */
const char *flag_quote(const char *value, char *out, size_t outlen);

#endif
