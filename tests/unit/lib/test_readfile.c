/* test_readfile.c -- the capped file reader and the secret reader: whole or nothing, caps exact, pipes and
 * kept-open procfs files, secrets' first line and the wiping of what follows it. */
#include "readfile.h"
#include "secret.h"
#include "test.h"
#include "tmpfile.h"

#include <errno.h>
#include <fcntl.h>

static void test_readfile(void)
{
    char err[256], small[8];
    size_t len = 99;
    const char *p = tmp_write("f", "12345678");
    char *t = readfile(p, 8, &len, err, sizeof err);
    CHECK_STR_EQ(t, "12345678"); /* exactly the cap: whole */
    CHECK_INT_EQ(len, 8);
    free(t);
    errno = 0;
    CHECK(readfile(p, 7, &len, err, sizeof err) == NULL); /* one byte over: nothing, never a cut */
    CHECK_INT_EQ(errno, EFBIG);
    CHECK_CONTAINS(err, "file too large");
    CHECK(readfile("/nonexistent/x", 10, NULL, err, sizeof err) == NULL);
    CHECK_INT_EQ(errno, ENOENT);
    CHECK_CONTAINS(err, "/nonexistent/x: ");

    CHECK(readfile_buf(p, small, sizeof small, &len) == -1); /* 8 bytes do not fit 7 + NUL */
    CHECK_INT_EQ(errno, EFBIG);
    p = tmp_write("g", "1234567");
    CHECK_INT_EQ(readfile_buf(p, small, sizeof small, &len), 0);
    CHECK_STR_EQ(small, "1234567");
    p = tmp_write("e", "");
    CHECK_INT_EQ(readfile_buf(p, small, sizeof small, &len), 0);
    CHECK_INT_EQ(len, 0);
    CHECK_STR_EQ(small, "");

    /* procfs reports size 0 and regenerates on each read of a kept-open descriptor. */
    int fd = open("/proc/self/stat", O_RDONLY);
    char *buf = NULL;
    size_t cap = 0;
    CHECK_INT_EQ(readfile_fd(fd, 1 << 16, &buf, &cap, &len), 0);
    CHECK(len > 20 && buf[len] == '\0' && strchr(buf, ')') != NULL);
    CHECK_INT_EQ(readfile_fd(fd, 1 << 16, &buf, &cap, &len), 0);
    CHECK(len > 20);
    close(fd);
    /* A file rewritten under a kept-open descriptor: read again from offset 0, growing the buffer. */
    p = tmp_write("grow", "x");
    fd = open(p, O_RDONLY);
    CHECK_INT_EQ(readfile_fd(fd, 1 << 20, &buf, &cap, &len), 0);
    CHECK_STR_EQ(buf, "x");
    static char big[10000];
    memset(big, 'y', sizeof big - 1);
    tmp_write("grow", big);
    CHECK_INT_EQ(readfile_fd(fd, 1 << 20, &buf, &cap, &len), 0);
    CHECK_INT_EQ(len, sizeof big - 1);
    CHECK(readfile_fd(fd, 9998, &buf, &cap, &len) == -1);
    CHECK_INT_EQ(errno, EFBIG);
    close(fd);
    free(buf);

    /* A pipe (an option file given as <(...)) cannot pread: read as a stream. */
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    CHECK(write(pfd[1], "a=b\n", 4) == 4);
    close(pfd[1]);
    CHECK_INT_EQ(readfile_fd_buf(pfd[0], small, sizeof small, &len), 0);
    CHECK_STR_EQ(small, "a=b\n");
    close(pfd[0]);
}

static void test_secret(void)
{
    char err[256];
    size_t len;
    const char *p = tmp_write("pw", "s3cret\r\nsecond line\n");
    char *s = secret_read(p, SECRET_MAX, &len, err, sizeof err);
    CHECK_STR_EQ(s, "s3cret\r\nsecond line\n");
    CHECK_INT_EQ(len, 20);
    secret_free(s);
    s = secret_read_line(p, SECRET_MAX, err, sizeof err);
    CHECK_STR_EQ(s, "s3cret");
    int wiped = 1;
    for (size_t i = 6; i < 20; i++)
        wiped = wiped && s[i] == '\0'; /* the line end and the next line are gone, not just cut off */
    CHECK(wiped);
    secret_free(s);
    p = tmp_write("pw", "only");
    s = secret_read_line(p, SECRET_MAX, err, sizeof err);
    CHECK_STR_EQ(s, "only");
    secret_free(s);
    secret_free(NULL);

    static const struct {
        const char *content;
        size_t limit;
        const char *why;
    } bad[] = {
        {"", SECRET_MAX, "empty"},
        {"0123456789", 9, "larger than the limit"},
        {"\nsecond", SECRET_MAX, "first line is empty"},
        {"\r\n", SECRET_MAX, "first line is empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = tmp_write("bad", bad[i].content);
        err[0] = '\0';
        CHECK(secret_read_line(p, bad[i].limit, err, sizeof err) == NULL);
        CHECK_CONTAINS(err, bad[i].why);
        CHECK(strstr(err, "second") == NULL); /* a reason never quotes the file */
    }
    CHECK(secret_read("/nonexistent/pw", SECRET_MAX, NULL, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "/nonexistent/pw: No such file");
}

int main(void)
{
    test_readfile();
    test_secret();
    static const char *const names[] = {"f", "g", "e", "grow", "pw", "bad", NULL};
    tmp_cleanup(names);
    return TEST_RESULT();
}
