/* secret.h -- passwords and keys read from files, and wiped on every path.
 *
 * A secret is read into one allocation made at its cap (never grown: a realloc would leave a copy behind
 * in freed memory), and wiped with explicit_bzero, which the compiler may not drop as it may drop a
 * memset before free, whether reading succeeded or not. */
#ifndef EXP_SECRET_H
#define EXP_SECRET_H

#include <stddef.h>

/* The cap for password and option files. */
#define SECRET_MAX (64 * 1024)

/* Reads path whole: at most limit bytes, NUL-terminated, length in *len if not NULL. Free with
 * secret_free. NULL on error (missing, unreadable, larger than limit, empty), with "path: reason" in err;
 * the reason never quotes the file. */
char *secret_read(const char *path, size_t limit, size_t *len, char *err, size_t errlen);
/* The first line of a password file, without its line end ("\n" or "\r\n"); what follows is wiped. As
 * secret_read, and an empty first line is an error too. */
char *secret_read_line(const char *path, size_t limit, char *err, size_t errlen);
/* Wipes the whole allocation and frees it; NULL is fine. Also for a strdup'd password (from a flag or the
 * environment): any malloc'd block. */
void secret_free(void *secret);

#endif
