/* test_xalloc.c -- the allocate-or-abort family: results, and the one line plus abort on failure. */
#include "test.h"
#include "xalloc.h"

#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn in a child; 1 if it died of SIGABRT after saying "out of memory" on stderr. */
static int aborts_with_message(void (*fn)(void))
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        signal(SIGABRT, SIG_DFL);
        fn();
        _exit(0);
    }
    close(pipefd[1]);
    char msg[256] = "";
    ssize_t n = read(pipefd[0], msg, sizeof msg - 1);
    close(pipefd[0]);
    msg[n > 0 ? n : 0] = '\0';
    int status;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(msg, "out of memory") != NULL;
}

static void overflowing_array(void)
{
    (void)xreallocarray(NULL, SIZE_MAX / 2, 4);
}

#if !defined(__SANITIZE_ADDRESS__) /* ASan reports a failed allocation instead of returning NULL */
static void impossible_size(void)
{
    volatile size_t huge = SIZE_MAX - 4096; /* not a constant: the compiler would refuse it */
    (void)xmalloc(huge);
}
#endif

int main(void)
{
    char *s = xstrdup("abc");
    CHECK_STR_EQ(s, "abc");
    free(s);
    s = xstrndup("abcdef", 3);
    CHECK_STR_EQ(s, "abc");
    free(s);
    s = xstrndup("ab", 10);
    CHECK_STR_EQ(s, "ab");
    free(s);
    s = xasprintf("%s-%d", "x", 7);
    CHECK_STR_EQ(s, "x-7");
    free(s);
    int *z = xcalloc(0, sizeof *z); /* size 0: still a unique pointer */
    CHECK(z != NULL);
    z = xreallocarray(z, 4, sizeof *z);
    z[3] = 1;
    CHECK(z[3] == 1);
    free(z);
    CHECK(aborts_with_message(overflowing_array));
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(aborts_with_message(impossible_size));
#endif
    return TEST_RESULT();
}
