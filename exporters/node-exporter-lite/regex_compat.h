/* regex_compat.h -- node_exporter's (RE2) exclude/include patterns on POSIX regex.
 *
 * node_exporter's flags are Go regexps; POSIX extended regex lacks the Perl
 * classes its defaults use (\d in the diskstats default). This translates
 * \d \D \s \S \w \W into bracket expressions and rejects RE2 syntax that POSIX
 * cannot express ((?i), (?:...), lazy quantifiers), so a pattern either means
 * the same thing here as there, or is refused with a clear message. */
#ifndef NEL_REGEX_COMPAT_H
#define NEL_REGEX_COMPAT_H

#include <regex.h>
#include <stddef.h>

/* Compiles `pattern` (unanchored search, like Go's MatchString) into re.
 * 0 on success (free with regfree); -1 with a reason in err. */
int regex_compat_compile(regex_t *re, const char *pattern, char *err, size_t errlen);
/* Translation only (exposed for tests): 0, or -1 with a reason in err. */
int regex_compat_translate(const char *pattern, char *out, size_t outlen, char *err, size_t errlen);
/* 1 if `s` matches. */
int regex_compat_match(const regex_t *re, const char *s);

#endif
