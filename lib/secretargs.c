/* secretargs.c -- keeps secret flag values out of the process list once the flags are parsed. */
#include "secretargs.h"

#include <string.h>

static void blank(char *s)
{
    /* Same length: the kernel's view of the argument area stays one string per argument. */
    for (; *s; s++)
        *s = '*';
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
    return hidden;
}
