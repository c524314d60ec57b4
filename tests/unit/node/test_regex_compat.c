/* test_regex_compat.c -- node_exporter's default patterns behave the same on POSIX regex. */
#include "check.h"
#include "regex_compat.h"

static int matches(const char *pattern, const char *s)
{
    regex_t re;
    char err[256];
    if (regex_compat_compile(&re, pattern, err, sizeof err) < 0) {
        fprintf(stderr, "compile %s: %s\n", pattern, err);
        return -1;
    }
    int m = regex_compat_match(&re, s);
    regfree(&re);
    return m;
}

int main(void)
{
    const char *disk = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
    CHECK(matches(disk, "loop0") == 1);
    CHECK(matches(disk, "ram12") == 1);
    CHECK(matches(disk, "sda1") == 1);
    CHECK(matches(disk, "nvme0n1p2") == 1);
    CHECK(matches(disk, "sda") == 0);
    CHECK(matches(disk, "vda") == 0);
    CHECK(matches(disk, "nvme0n1") == 0);
    CHECK(matches(disk, "zram0") == 0);
    CHECK(matches(disk, "dm-0") == 0);

    const char *mp =
        "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
    CHECK(matches(mp, "/dev") == 1);
    CHECK(matches(mp, "/dev/shm") == 1);
    CHECK(matches(mp, "/sys/fs/cgroup") == 1);
    CHECK(matches(mp, "/run/credentials/x.service") == 1);
    CHECK(matches(mp, "/") == 0);
    CHECK(matches(mp, "/devices") == 0);
    CHECK(matches(mp, "/run") == 0);

    CHECK(matches("\\s", "a b") == 1);
    CHECK(matches("^\\S+$", "a b") == 0);
    CHECK(matches("^[\\d.]+$", "1.5") == 1);
    CHECK(matches("^\\w+$", "eth_0") == 1);
    CHECK(matches("^\\W$", "-") == 1);
    CHECK(matches("^a\\.b$", "a.b") == 1);
    CHECK(matches("^a\\.b$", "axb") == 0);
    CHECK(matches("^[]a]$", "]") == 1);
    CHECK(matches("^[[:digit:]]+$", "42") == 1);
    CHECK(matches("", "anything") == 1); /* an empty pattern matches all, as in Go */

    /* Refused: RE2 syntax POSIX cannot promise, and plain bad patterns. */
    regex_t re;
    char err[256];
    const char *bad[] = {"(?i)eth", "a+?", "(?:a|b)", "\\bword", "[abc", "(unclosed", "a{2", "\\1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = regex_compat_compile(&re, bad[i], err, sizeof err);
        CHECK(rc == -1);
        CHECK(err[0] != '\0');
        if (rc == 0)
            regfree(&re);
    }
    char out[8];
    CHECK(regex_compat_translate("\\d\\d\\d", out, sizeof out, err, sizeof err) == -1);
    CHECK_DONE();
}
