/* httpget.h -- a bounded HTTP(S) GET client (libcurl) for exporters that read a REST API.
 *
 * One client per thread that uses it (a curl easy handle is not shared): it keeps its connection
 * between requests. Every request ends by its deadline, and an answer larger than the cap fails
 * instead of growing memory. TLS options as curl takes them; the password is read from a file at
 * creation, kept in memory only, and wiped when the client is freed. */
#ifndef EXP_HTTPGET_H
#define EXP_HTTPGET_H

#include <stddef.h>

#include "buf.h"

typedef struct httpget_options {
    const char *ca_file;       /* verify the server against this CA bundle (default: the system's) */
    const char *cert_file;     /* client certificate (mTLS) */
    const char *key_file;      /* its key */
    int insecure_skip_verify;  /* do not verify the server's certificate (tests only) */
    const char *username;      /* HTTP basic auth */
    const char *password_file; /* its password, first line of the file */
    size_t max_bytes;          /* answer cap (0: 8 MiB) */
} httpget_options;

typedef struct httpget httpget;

/* Call once from main before any thread starts (curl_global_init is not thread-safe). */
int httpget_global_init(void);
void httpget_global_cleanup(void);

/* NULL with a one-line reason in err (unreadable password file, bad option). */
httpget *httpget_new(const httpget_options *o, char *err, size_t errlen);
void httpget_free(httpget *h);

/* GETs url into out (reset first), giving up at `deadline` (monotonic seconds). Returns the HTTP
 * status (200...599), or -1 with a one-line reason in err (connection, TLS, timeout, cap). */
long httpget_fetch(httpget *h, const char *url, double deadline, buf *out, char *err, size_t errlen);

#endif
