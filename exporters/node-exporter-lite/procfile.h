/* procfile.h -- a /proc or /sys file kept open and re-read from offset 0 each scrape.
 *
 * Re-reading a kernel file through an open descriptor regenerates its content,
 * and saves the open/close and path walk that a fresh read costs every scrape;
 * the buffer is kept too. No lock: collectors run on the one scrape worker
 * (lib/README.md, "Threads"), so a file is read and parsed by one scrape at a time. */
#ifndef NEL_PROCFILE_H
#define NEL_PROCFILE_H

#include <stddef.h>

typedef struct procfile {
    int fd; /* -1 until first use */
    char *data;
    size_t cap;
} procfile;

#define PROCFILE_INIT                                                                                        \
    {                                                                                                        \
        -1, NULL, 0                                                                                          \
    }

/* Reads `path` (opened on first use) into pf's buffer, NUL-terminated; *text points at it until the
 * next read or procfile_close (parsers may split it in place). Files above `limit` bytes fail.
 * On error returns -1 with errno set and "path: reason" in err. */
int procfile_read(procfile *pf, const char *path, size_t limit, char **text, char *err, size_t errlen);
/* Closes the descriptor and frees the buffer (at shutdown). */
void procfile_close(procfile *pf);

#endif
