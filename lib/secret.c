/* secret.c -- secrets read from files, wiped on every path (secret.h). */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readfile.h"

void secret_free(void *secret)
{
    if (!secret)
        return;
    explicit_bzero(secret, malloc_usable_size(secret));
    free(secret);
}

char *secret_read(const char *path, size_t limit, size_t *len, char *err, size_t errlen)
{
    size_t n = 0;
    char *s = malloc(limit + 1);
    int fd = s ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    int e = !s ? ENOMEM : fd < 0 ? errno : 0;
    if (!e && readfile_fd_buf(fd, s, limit + 1, &n) < 0)
        e = errno;
    if (fd >= 0)
        close(fd);
    if (!e && n == 0)
        e = ENODATA;
    if (e) {
        snprintf(err, errlen, "%s: %s", path,
                 e == EFBIG     ? "larger than the limit for a secret file"
                 : e == ENODATA ? "empty"
                                : strerror(e));
        secret_free(s);
        errno = e;
        return NULL;
    }
    if (len)
        *len = n;
    return s;
}

char *secret_read_line(const char *path, size_t limit, char *err, size_t errlen)
{
    size_t n;
    char *s = secret_read(path, limit, &n, err, errlen);
    if (!s)
        return NULL;
    size_t line = strcspn(s, "\n");
    size_t end = line;
    if (end > 0 && s[end - 1] == '\r')
        end--;
    explicit_bzero(s + end, n - end); /* the line end and any further lines */
    if (end == 0) {
        snprintf(err, errlen, "%s: the first line is empty", path);
        secret_free(s);
        return NULL;
    }
    return s;
}
