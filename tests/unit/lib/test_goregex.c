/* test_goregex.c -- Go (RE2) patterns on POSIX regex: the cases in fixtures/goregex_cases.txt, whose
 * expectations are Go's own (tests/tools/goregex_oracle.go), plus the error messages. */
#include "goregex.h"
#include "test.h"

#include <stdlib.h>

static void run_cases(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[8192];
    int n = 0, cases = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *pattern = line, *subject = strchr(line, '\t');
        if (!subject) {
            fprintf(stderr, "%s:%d: no TAB\n", path, n);
            test_failures++;
            continue;
        }
        *subject++ = '\0';
        char *want = strchr(subject, '\t');
        regex_t re;
        char err[256] = "";
        int rc = goregex_compile(&re, pattern, err, sizeof err);
        cases++;
        test_checks++;
        if (strcmp(subject, "!") == 0) {
            if (rc == 0) {
                fprintf(stderr, "%s:%d: FAIL: \"%s\" accepted, want refused\n", path, n, pattern);
                test_failures++;
                regfree(&re);
            } else if (!err[0]) {
                fprintf(stderr, "%s:%d: FAIL: \"%s\" refused without a reason\n", path, n, pattern);
                test_failures++;
            }
            continue;
        }
        if (!want) {
            fprintf(stderr, "%s:%d: no expected value\n", path, n);
            test_failures++;
            continue;
        }
        *want++ = '\0';
        if (rc != 0) {
            fprintf(stderr, "%s:%d: FAIL: \"%s\" refused: %s\n", path, n, pattern, err);
            test_failures++;
            continue;
        }
        int got = goregex_match(&re, subject);
        if (got != atoi(want)) {
            char ere[1024];
            if (goregex_translate(pattern, ere, sizeof ere, err, sizeof err) < 0)
                snprintf(ere, sizeof ere, "(%s)", err);
            fprintf(stderr, "%s:%d: FAIL: \"%s\" (ERE \"%s\") on \"%s\": %d, Go says %s\n", path, n, pattern,
                    ere, subject, got, want);
            test_failures++;
        }
        regfree(&re);
    }
    fclose(f);
    CHECK(cases > 100);
}

static int matches(const char *pattern, const char *s)
{
    regex_t re;
    char err[256];
    if (goregex_compile(&re, pattern, err, sizeof err) < 0)
        return -1;
    int m = goregex_match(&re, s);
    regfree(&re);
    return m;
}

int main(void)
{
    run_cases(FIXTURES_DIR "/goregex_cases.txt");

    /* What the file cannot hold: TABs and newlines. Go's \s has no \v; its '.' no newline unless (?s). */
    CHECK_INT_EQ(matches("^\\t$", "\t"), 1);
    CHECK_INT_EQ(matches("^a.b$", "a\nb"), 0);
    CHECK_INT_EQ(matches("(?s)^a.b$", "a\nb"), 1);
    CHECK_INT_EQ(matches("^a[^x]b$", "a\nb"), 1);
    CHECK_INT_EQ(matches("^\\s$", "\n"), 1);
    CHECK_INT_EQ(matches("^\\s$", "\v"), 0);
    CHECK_INT_EQ(matches("^[[:space:]]$", "\v"), 1);

    /* The reason names the place, and refused patterns leave nothing to free. */
    char err[256], out[16];
    regex_t re;
    CHECK(goregex_compile(&re, "^events-\\p{L}+$", err, sizeof err) == -1);
    CHECK_CONTAINS(err, "Unicode classes");
    CHECK_CONTAINS(err, "offset 8");
    CHECK(goregex_compile(&re, "a**", err, sizeof err) == -1);
    CHECK_CONTAINS(err, "invalid nested repetition operator");
    CHECK(goregex_compile(&re, "(?i)(a", err, sizeof err) == -1);
    CHECK_CONTAINS(err, "missing closing )");
    /* Translation that does not fit: refused, never cut short. */
    CHECK(goregex_translate("(?i)abcdef", out, sizeof out, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "too long");
    char *huge = malloc(GOREGEX_MAX_PATTERN + 2);
    memset(huge, 'a', GOREGEX_MAX_PATTERN + 1);
    huge[GOREGEX_MAX_PATTERN + 1] = '\0';
    CHECK(goregex_compile(&re, huge, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "longer than");
    huge[GOREGEX_MAX_PATTERN] = '\0';
    CHECK_INT_EQ(matches(huge, huge), 1);
    free(huge);
    return TEST_RESULT();
}
