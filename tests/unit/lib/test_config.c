/* test_config.c -- JSON config loading: errors carry file:line:column; unknown keys are found. */
#include "config.h"
#include "test.h"
#include "tmpfile.h"

int main(void)
{
    char err[512];
    const char *p = tmp_write("good.json", "{\n  \"clusters\": [1, 2],\n  \"name\": \"x\"\n}\n");
    json_t *j = config_load(p, err, sizeof(err));
    CHECK(j != NULL);
    if (j) {
        static const char *const ok[] = {"clusters", "name", NULL};
        CHECK_INT_EQ(config_check_keys(j, ok, p, "top level", err, sizeof(err)), 0);
        static const char *const narrow[] = {"clusters", NULL};
        CHECK_INT_EQ(config_check_keys(j, narrow, p, "top level", err, sizeof(err)), -1);
        char want[512];
        snprintf(want, sizeof(want), "%s:3:3: top level: unknown key \"name\"", p);
        CHECK_STR_EQ(err, want);
        json_decref(j);
    }

    /* A syntax error names line and column. */
    p = tmp_write("bad.json", "{\n  \"a\": 1,\n  \"b\": oops\n}\n");
    CHECK(config_load(p, err, sizeof(err)) == NULL);
    char want[512];
    snprintf(want, sizeof(want), "%s:3:", p);
    CHECK_CONTAINS(err, want);
    CHECK_CONTAINS(err, "invalid token");

    /* Duplicate keys are rejected. */
    p = tmp_write("dup.json", "{\"a\": 1, \"a\": 2}");
    CHECK(config_load(p, err, sizeof(err)) == NULL);
    CHECK_CONTAINS(err, "duplicate");

    /* The top level must be an object. */
    p = tmp_write("arr.json", "[1]");
    CHECK(config_load(p, err, sizeof(err)) == NULL);
    CHECK_CONTAINS(err, ":1:1: the top level must be a JSON object");

    /* Empty and missing files. */
    p = tmp_write("empty.json", "");
    CHECK(config_load(p, err, sizeof(err)) == NULL);
    CHECK_CONTAINS(err, p);
    CHECK(config_load("/nonexistent/x.json", err, sizeof(err)) == NULL);
    CHECK_CONTAINS(err, "/nonexistent/x.json");

    /* A nested unknown key is located even when the same text appears as a value earlier. */
    p = tmp_write("nested.json", "{\"k\": \"bogus\",\n \"inner\": {\n   \"bogus\" : 1}}");
    j = config_load(p, err, sizeof(err));
    CHECK(j != NULL);
    if (j) {
        static const char *const none[] = {NULL};
        CHECK_INT_EQ(config_check_keys(json_object_get(j, "inner"), none, p, "inner", err, sizeof(err)), -1);
        snprintf(want, sizeof(want), "%s:3:4: inner: unknown key \"bogus\"", p);
        CHECK_STR_EQ(err, want);
        json_decref(j);
    }

    static const char *const files[] = {"good.json",  "bad.json",    "dup.json", "arr.json",
                                        "empty.json", "nested.json", NULL};
    tmp_cleanup(files);
    return TEST_RESULT();
}
