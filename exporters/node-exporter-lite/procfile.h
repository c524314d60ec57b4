/* procfile.h -- a /proc or /sys file kept open and re-read from offset 0 each scrape.
 *
 * Re-reading a kernel file through an open descriptor regenerates its content,
 * and saves the open/close and path walk that a fresh read costs every scrape;
 * the buffer is kept too. A collector locks the file for as long as it parses
 * the text (parsers split it in place). */
#ifndef NEL_PROCFILE_H
#define NEL_PROCFILE_H

#include <pthread.h>
#include <stddef.h>

typedef struct procfile {
    pthread_mutex_t mu;
    int fd; /* -1 until first use */
    char *data;
    size_t cap;
} procfile;

#define PROCFILE_INIT                                                                                        \
    {                                                                                                        \
        PTHREAD_MUTEX_INITIALIZER, -1, NULL, 0                                                               \
    }

/* Locks pf and reads `path` (opened on first use) into pf's buffer, NUL-terminated;
 * *text points at it until procfile_unlock. Files above `limit` bytes fail.
 * On error returns -1 with errno set, "path: reason" in err, and pf unlocked. */
int procfile_read_locked(procfile *pf, const char *path, size_t limit, char **text, char *err, size_t errlen);
void procfile_unlock(procfile *pf);
/* Closes the descriptor and frees the buffer (at shutdown). */
void procfile_close(procfile *pf);

#endif
