/* secretargs.c -- keeps secret flag values out of the process list once the flags are parsed. */
#include "secretargs.h"

#include <string.h>

static const char *const secret_flags[] = {"--sasl.password"};

static void blank(char *s)
{
    /* Same length: the kernel's view of the argument area stays one string per argument. */
    for (; *s; s++)
        *s = '*';
}

int kx_hide_secret_args(int argc, char **argv)
{
    int hidden = 0;
    for (int i = 1; i < argc; i++) {
        for (size_t f = 0; f < sizeof secret_flags / sizeof secret_flags[0]; f++) {
            size_t len = strlen(secret_flags[f]);
            if (strncmp(argv[i], secret_flags[f], len) != 0)
                continue;
            if (argv[i][len] == '=') {
                blank(argv[i] + len + 1);
                hidden++;
            } else if (argv[i][len] == '\0' && i + 1 < argc) {
                blank(argv[++i]);
                hidden++;
            }
        }
    }
    return hidden;
}
