/* buf.h -- a growable byte buffer with a size cap (after curl's dynbuf).
 *
 * Input from outside can never make a buffer grow past its cap: an append that
 * would cross it fails with -1 and leaves the buffer as it was. */
#ifndef EXP_BUF_H
#define EXP_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;   /* allocated */
    size_t limit; /* hard cap on len */
} buf;

/* Initialises an empty buffer that may hold at most `limit` bytes. Can't fail. */
void buf_init(buf *b, size_t limit);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void buf_free(buf *b);
/* Empties the buffer, keeping its storage. */
void buf_reset(buf *b);
/* Appends; 0 on success, -1 (buffer unchanged) if the limit or memory ran out. */
int buf_append(buf *b, const void *data, size_t len) __attribute__((warn_unused_result));
int buf_puts(buf *b, const char *s) __attribute__((warn_unused_result));
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3), warn_unused_result));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((warn_unused_result));
/* Makes room for `extra` more bytes so the next appends do not reallocate;
 * 0, or -1 (buffer unchanged) if that would cross the limit or memory ran out. */
int buf_grow(buf *b, size_t extra) __attribute__((warn_unused_result));
/* Hands the storage to the caller (who frees it with free()); the buffer is empty afterwards. */
char *buf_steal(buf *b, size_t *len);

#endif
