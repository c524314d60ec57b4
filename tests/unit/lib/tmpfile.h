/* tmpfile.h -- writes test input into a temporary directory the test removes again. */
#ifndef TEST_TMPFILE_H
#define TEST_TMPFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_dir[64];

/* Creates the directory once; aborts the test if it cannot. */
static const char *tmp_dir_get(void)
{
    if (!tmp_dir[0]) {
        snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/exp-unit-XXXXXX");
        if (!mkdtemp(tmp_dir))
            abort();
    }
    return tmp_dir;
}

/* Writes content to dir/name; returns the full path in a static-per-call buffer the caller copies. */
static const char *tmp_write(const char *name, const char *content)
{
    static char path[4][256];
    static int slot;
    char *p = path[slot++ % 4];
    snprintf(p, 256, "%s/%s", tmp_dir_get(), name);
    FILE *fp = fopen(p, "w");
    if (!fp)
        abort();
    fputs(content, fp);
    fclose(fp);
    return p;
}

/* Removes dir/name for each name given, then the directory. */
static void tmp_cleanup(const char *const *names)
{
    char p[256];
    for (size_t i = 0; names[i]; i++) {
        snprintf(p, sizeof(p), "%s/%s", tmp_dir_get(), names[i]);
        unlink(p);
    }
    rmdir(tmp_dir_get());
}

#endif
