/* readfile.h -- whole small files into memory, with a size cap: the one reader for procfs and sysfs files,
 * option files, web-config certificates and (through secret.h) secrets.
 *
 * A file is read whole or not at all: one larger than the cap fails with EFBIG and is never silently cut
 * short, so a parser never sees half a file as if it were all of it. Reads retry on EINTR and go on to end
 * of file (a procfs file may come in several reads). */
#ifndef EXP_READFILE_H
#define EXP_READFILE_H

#include <stddef.h>

/* Reads what fd holds from offset 0 (pread: a kept-open procfs or sysfs file is regenerated) into *buf,
 * which grows (realloc; *cap is its allocated size, NULL and 0 at first) up to limit bytes plus a NUL.
 * 0 with the text NUL-terminated and its length in *len (if len is not NULL), or -1 with errno: EFBIG
 * past limit, ENOMEM, or that of the read. On error *buf is still the caller's to reuse or free. */
int readfile_fd(int fd, size_t limit, char **buf, size_t *cap, size_t *len)
    __attribute__((warn_unused_result));
/* The same into a fixed buffer: at most outlen-1 bytes of text, NUL-terminated. 0, or -1 with errno
 * (EFBIG if the file does not fit). */
int readfile_fd_buf(int fd, char *out, size_t outlen, size_t *len) __attribute__((warn_unused_result));
/* Opens and reads path: a malloc'd NUL-terminated text (caller frees), length in *len if not NULL. NULL
 * on error, with errno set and "path: reason" in err. */
char *readfile(const char *path, size_t limit, size_t *len, char *err, size_t errlen);
/* Opens and reads path into out, as readfile_fd_buf. 0, or -1 with errno. */
int readfile_buf(const char *path, char *out, size_t outlen, size_t *len) __attribute__((warn_unused_result));

#endif
