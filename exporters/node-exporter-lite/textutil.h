/* textutil.h -- in-place tokenising and strict number parsing for the parsers.
 *
 * The parsers split kernel text in place (they write NULs into it), so they take
 * `char *` and the caller owns the buffer. Nothing here allocates. */
#ifndef NEL_TEXTUTIL_H
#define NEL_TEXTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Cuts the next line off *cursor (NUL-terminating it in place) and returns it,
 * or NULL at the end of the text. A final line without '\n' is returned too. */
char *text_next_line(char **cursor);
/* Cuts the next whitespace-separated field off *cursor; NULL when none is left. */
char *text_next_field(char **cursor);
/* Cuts the next line with a field off *cursor, skipping blank ones and counting every line in *lineno:
 * its first field into *key and the rest of it into *rest (for text_next_field). 0 at the end of the
 * text, else 1. The "Key value ..." files' loop. */
int text_next_keyed(char **cursor, int *lineno, char **key, char **rest);
/* Cuts up to `max` fields off `line` into out[]; returns how many (fewer when the line has fewer). */
size_t text_fields(char *line, char **out, size_t max);
/* Strict decimal parse of the whole string: 0, or -1 (out untouched). No sign. */
int text_u64(const char *s, uint64_t *out) __attribute__((warn_unused_result));
/* Strict hexadecimal (digits only, no "0x") of the whole string that fits in `bits` bits, as Go's
 * ParseUint(s, 16, bits): 0, or -1 (out untouched). */
int text_hex_u64(const char *s, unsigned bits, uint64_t *out) __attribute__((warn_unused_result));
/* Strict parse of a finite decimal number ("1.5", "12"): 0 or -1. */
int text_double(const char *s, double *out) __attribute__((warn_unused_result));
/* Drops the ':' ending a "Key:" field in place: 0, or -1 when it is not one (or is only ':'). */
int text_strip_colon(char *field) __attribute__((warn_unused_result));
/* Strips leading and trailing whitespace in place; returns the new start. */
char *text_trim(char *s);
/* Concatenates the strings up to a NULL into out (always NUL-terminated);
 * -1 if they did not fit. For names built per sample, where snprintf costs. */
int text_join(char *out, size_t outlen, ...) __attribute__((sentinel));
/* Writes "line N: reason" into err (never overflows; truncates). Returns -1. */
int text_fail(char *err, size_t errlen, int lineno, const char *reason);

#endif
