/* readfile.c -- whole small files into memory, capped (readfile.h). */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pread at off, or read where the descriptor cannot seek (a pipe given as an option file). */
static ssize_t read_at(int fd, void *p, size_t n, size_t off, int *stream)
{
    ssize_t r;
    do {
        r = *stream ? read(fd, p, n) : pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == ESPIPE && !*stream && off == 0) {
            *stream = 1;
            r = -1;
            errno = EINTR; /* retry as a stream */
        }
    } while (r < 0 && errno == EINTR);
    return r;
}

/* Reads fd from offset 0 into buf[0..cap-1) (growing it up to limit+1 if grow); 0 or -1 with errno. */
static int read_all(int fd, char **buf, size_t *cap, size_t limit, int grow, size_t *len)
{
    size_t used = 0;
    int stream = 0;
    for (;;) {
        /* A buffer kept from an earlier, larger read still holds at most limit bytes now. */
        size_t room = *cap < limit + 1 ? *cap : limit + 1;
        if (room - used < 2 || room == 0) {
            if (!grow || room > limit) {
                /* Full: one more byte says whether there is more. */
                char probe;
                ssize_t r = read_at(fd, &probe, 1, used, &stream);
                if (r < 0)
                    return -1;
                if (r == 0)
                    break;
                errno = EFBIG;
                return -1;
            }
            size_t ncap = *cap ? *cap * 2 : 4096;
            if (ncap > limit + 1)
                ncap = limit + 1;
            char *n = realloc(*buf, ncap);
            if (!n) {
                errno = ENOMEM;
                return -1;
            }
            *buf = n;
            *cap = ncap;
            continue;
        }
        ssize_t r = read_at(fd, *buf + used, room - used - 1, used, &stream);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        used += (size_t)r;
    }
    (*buf)[used] = '\0';
    if (len)
        *len = used;
    return 0;
}

int readfile_fd(int fd, size_t limit, char **buf, size_t *cap, size_t *len)
{
    return read_all(fd, buf, cap, limit, 1, len);
}

int readfile_fd_buf(int fd, char *out, size_t outlen, size_t *len)
{
    if (outlen == 0) {
        errno = EINVAL;
        return -1;
    }
    size_t cap = outlen;
    return read_all(fd, &out, &cap, outlen - 1, 0, len);
}

char *readfile(const char *path, size_t limit, size_t *len, char *err, size_t errlen)
{
    char *data = NULL;
    size_t cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || readfile_fd(fd, limit, &data, &cap, len) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        free(data);
        snprintf(err, errlen, "%s: %s", path, e == EFBIG ? "file too large" : strerror(e));
        errno = e;
        return NULL;
    }
    close(fd);
    return data;
}

int readfile_buf(const char *path, char *out, size_t outlen, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = readfile_fd_buf(fd, out, outlen, len);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}
