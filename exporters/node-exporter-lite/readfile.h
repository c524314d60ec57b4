/* readfile.h -- whole small files (procfs, sysfs) into memory, for the parsers. */
#ifndef NEL_READFILE_H
#define NEL_READFILE_H

#include <stddef.h>

/* Reads `path` into a NUL-terminated malloc'd buffer (the caller frees it).
 * Files larger than `limit` bytes fail (procfs files report size 0, so the
 * buffer grows as it reads). On error NULL is returned with errno set and a
 * "path: reason" line in err. */
char *readfile(const char *path, size_t limit, size_t *len, char *err, size_t errlen);
/* Reads a small file into `out` (at most outlen-1 bytes, NUL-terminated, trailing
 * newline removed). 0, or -1 with errno set. */
int readfile_small(const char *path, char *out, size_t outlen);

#endif
