/* goregex.h -- Go (RE2) regular expressions, as node_exporter's and kafka_exporter's flags take them, on
 * POSIX extended regex.
 *
 * The flags of the exporters we replace are Go regexps; glibc's regcomp reads `\d` as a plain `d`, so
 * `^events-\d+$` would silently match nothing. A pattern is translated into an ERE that matches the same
 * ASCII strings as Go's MatchString (an unanchored search), or refused with a reason: nothing is silently
 * reinterpreted. Translated: \d \D \s \S \w \W, [[:alpha:]] and the other ASCII classes, escapes (\t, \x41,
 * \x{41}, \101, \Q...\E, \A, \z, \b, \B), (?i) (?s) (?U) flags with their scopes, (?:...), named groups,
 * lazy quantifiers (they change what is captured, never whether a string matches), Go's rules for `{`
 * that is not a repetition, `-` and `]` inside brackets. Refused: what Go refuses (`a**`, `\1`, `x{1001}`,
 * unbalanced groups and brackets), and what has no POSIX equivalent: \p{...} Unicode classes, \C, (?m)
 * line anchors, a repeated anchor, non-ASCII characters in a class or under (?i). Non-ASCII text outside
 * classes matches byte for byte (Kafka topic names are ASCII by Kafka's own rule). */
#ifndef EXP_GOREGEX_H
#define EXP_GOREGEX_H

#include <regex.h>
#include <stddef.h>

/* The longest pattern accepted, in bytes. */
#define GOREGEX_MAX_PATTERN 4096

/* Translates `pattern` into a POSIX ERE in out (NUL-terminated). 0, or -1 with a reason in err (which
 * never quotes more than the part of the pattern at fault). Exposed for tests. */
int goregex_translate(const char *pattern, char *out, size_t outlen, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Compiles `pattern` into re (free it with regfree). 0, or -1 with a reason in err and re untouched. */
int goregex_compile(regex_t *re, const char *pattern, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* 1 if `s` matches anywhere (Go's MatchString), else 0. */
int goregex_match(const regex_t *re, const char *s);

#endif
