/* readfile.c -- whole small files into memory (readfile.h). */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *readfile(const char *path, size_t limit, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        errno = e;
        return NULL;
    }
    size_t cap = 4096, used = 0;
    char *data = malloc(cap);
    int e = 0;
    if (!data) {
        e = ENOMEM;
        goto fail;
    }
    for (;;) {
        if (cap - used < 2) {
            if (cap >= limit) {
                e = EFBIG;
                goto fail;
            }
            size_t ncap = cap * 2 > limit ? limit : cap * 2;
            char *n = realloc(data, ncap);
            if (!n) {
                e = ENOMEM;
                goto fail;
            }
            data = n;
            cap = ncap;
        }
        ssize_t r = read(fd, data + used, cap - used - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            goto fail;
        }
        if (r == 0)
            break;
        used += (size_t)r;
    }
    close(fd);
    data[used] = '\0';
    if (len)
        *len = used;
    return data;
fail:
    close(fd);
    free(data);
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    errno = e;
    return NULL;
}

int readfile_small(const char *path, char *out, size_t outlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r;
    do {
        r = read(fd, out, outlen - 1);
    } while (r < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (r < 0) {
        errno = e;
        return -1;
    }
    out[r] = '\0';
    while (r > 0 && (out[r - 1] == '\n' || out[r - 1] == ' '))
        out[--r] = '\0';
    return 0;
}
