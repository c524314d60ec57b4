/* secretargs.c -- keeps secret flag values out of the process list once the flags are parsed. */
#include "secretargs.h"

#include <string.h>

/* "***" whatever the secret's length (a shorter secret: as many '*'); the rest of its bytes become NULs,
 * which compact() moves to the end of the argument area. */
static void blank(char *s)
{
    size_t n = strlen(s);
    memset(s, '*', n < 3 ? n : 3);
    if (n > 3)
        memset(s + 3, '\0', n - 3);
}

/* Moves the arguments after argv[0] together again (each blanked secret left NULs behind it) and
 * zeroes the space freed at the end, so /proc/PID/cmdline does not show where a secret was or how
 * long. Only for the kernel's argument area, where the strings lie back to back (lens: before blanking). */
static void compact(int argc, char **argv, const size_t *lens)
{
    char *end = argv[argc - 1] + lens[argc - 1] + 1;
    char *dst = argv[0] + lens[0] + 1;
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        memmove(dst, argv[i], n);
        argv[i] = dst;
        dst += n;
    }
    memset(dst, 0, (size_t)(end - dst));
}

/* The value of argument i of the flag `name` (--name=V or --name V), or NULL; *next is set when the
 * value is the following argument. */
static char *flag_value(int argc, char **argv, int i, const char *name, int *next)
{
    size_t len = strlen(name);
    *next = 0;
    if (strncmp(argv[i], name, len) != 0)
        return NULL;
    if (argv[i][len] == '=')
        return argv[i] + len + 1;
    if (argv[i][len] == '\0' && i + 1 < argc) {
        *next = 1;
        return argv[i + 1];
    }
    return NULL;
}

/* 1 if the client option `name` (up to `end`) holds a secret. */
static int secret_option(const char *name, const char *end)
{
    size_t n = (size_t)(end - name);
    return memmem(name, n, "password", 8) || memmem(name, n, "secret", 6) ||
           (n >= 4 && memcmp(end - 4, ".key", 4) == 0) || (n >= 8 && memcmp(end - 8, ".key.pem", 8) == 0);
}

int hide_secret_args(int argc, char **argv, const char *const *flags, const char *const *option_flags)
{
    int hidden = 0;
    /* Back to back, as the kernel lays out argv? (Not in tests, where each is its own array.) */
    size_t lens[256];
    int contiguous = argc > 1 && argc <= 256;
    for (int i = 0; contiguous && i < argc; i++) {
        lens[i] = strlen(argv[i]);
        if (i > 0 && argv[i] != argv[i - 1] + lens[i - 1] + 1)
            contiguous = 0;
    }
    for (int i = 1; i < argc; i++) {
        int next = 0;
        char *v = NULL;
        for (const char *const *f = flags; f && *f && !v; f++)
            if ((v = flag_value(argc, argv, i, *f, &next)) && *v) {
                blank(v);
                hidden++;
            }
        for (const char *const *f = option_flags; f && *f && !v; f++) {
            if (!(v = flag_value(argc, argv, i, *f, &next)))
                continue;
            char *eq = strchr(v, '=');
            if (eq && eq[1] && secret_option(v, eq)) {
                blank(eq + 1);
                hidden++;
            }
        }
        i += next;
    }
    if (hidden && contiguous)
        compact(argc, argv, lens);
    return hidden;
}
