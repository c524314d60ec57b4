/* procfile.c -- kernel files kept open and re-read each scrape (procfile.h). */
#include "procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readfile.h"

int procfile_read(procfile *pf, const char *path, size_t limit, char **text, char *err, size_t errlen)
{
    size_t len;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (pf->fd < 0 && (pf->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            break;
        if (readfile_fd(pf->fd, limit, &pf->data, &pf->cap, &len) == 0) {
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
