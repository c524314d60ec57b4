/* procfile.c -- kernel files kept open and re-read each scrape (procfile.h). */
#include "procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the whole file from offset 0 into pf->data; 0 or -1 with errno. */
static int read_all(procfile *pf, size_t limit, size_t *len)
{
    size_t used = 0;
    for (;;) {
        if (pf->cap - used < 2) {
            if (pf->cap >= limit) {
                errno = EFBIG;
                return -1;
            }
            size_t ncap = pf->cap ? pf->cap * 2 : 4096;
            if (ncap > limit)
                ncap = limit;
            char *n = realloc(pf->data, ncap);
            if (!n) {
                errno = ENOMEM;
                return -1;
            }
            pf->data = n;
            pf->cap = ncap;
        }
        ssize_t r = pread(pf->fd, pf->data + used, pf->cap - used - 1, (off_t)used);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        used += (size_t)r;
    }
    pf->data[used] = '\0';
    *len = used;
    return 0;
}

int procfile_read(procfile *pf, const char *path, size_t limit, char **text, char *err, size_t errlen)
{
    size_t len;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (pf->fd < 0 && (pf->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            break;
        if (read_all(pf, limit, &len) == 0) {
            *text = pf->data;
            return 0;
        }
        /* A file that went away under an open descriptor (a sysfs device): reopen once. */
        int e = errno;
        close(pf->fd);
        pf->fd = -1;
        errno = e;
        if (e == EFBIG || e == ENOMEM)
            break;
    }
    int e = errno;
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    errno = e;
    return -1;
}

void procfile_close(procfile *pf)
{
    if (pf->fd >= 0)
        close(pf->fd);
    pf->fd = -1;
    free(pf->data);
    pf->data = NULL;
    pf->cap = 0;
}
