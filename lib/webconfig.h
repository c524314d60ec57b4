/* webconfig.h -- the exporter-toolkit web-config YAML (--web.config.file): TLS and bcrypt basic auth.
 *
 *   tls_server_config:
 *     cert_file: server.crt        # paths are relative to the YAML file
 *     key_file: server.key
 *     client_ca_file: ca.crt       # optional
 *     client_auth_type: RequireAndVerifyClientCert
 *     min_version: TLS12
 *   basic_auth_users:
 *     alice: $2y$10$...            # bcrypt only
 *
 * Unknown keys are errors that name the line. Nothing here ever logs a password,
 * a hash or a key. */
#ifndef EXP_WEBCONFIG_H
#define EXP_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    WEB_CLIENT_NONE,            /* NoClientCert */
    WEB_CLIENT_REQUEST,         /* RequestClientCert */
    WEB_CLIENT_REQUIRE_ANY,     /* RequireAnyClientCert */
    WEB_CLIENT_VERIFY_IF_GIVEN, /* VerifyClientCertIfGiven */
    WEB_CLIENT_REQUIRE_VERIFY,  /* RequireAndVerifyClientCert */
} web_client_auth;

typedef struct web_user {
    char *name;
    char *hash;               /* bcrypt */
    unsigned char ok_mac[32]; /* MAC of the last password that verified; all zero if none */
    bool has_ok_mac;
} web_user;

typedef struct webconfig {
    bool tls;
    char *cert_pem; /* NUL-terminated PEM, read from cert_file (or `cert`) */
    char *key_pem;  /* wiped before it is freed */
    char *ca_pem;   /* NULL if no client_ca_file */
    web_client_auth client_auth;
    char *priorities; /* GnuTLS priority string from min_version/max_version */
    web_user *users;
    size_t nusers;
    void *lock; /* guards users[].ok_mac (a pthread mutex) */
} webconfig;

/* Loads `path` into wc (which the caller zero-initialises). On error returns -1
 * with "path:line:column: reason" in err, and wc holds nothing to free. */
int webconfig_load(const char *path, webconfig *wc, char *err, size_t errlen);
/* The same from YAML text; `name` stands for the file in errors (relative paths: the current directory). */
int webconfig_load_text(const char *name, const char *yaml, webconfig *wc, char *err, size_t errlen);
/* Frees everything webconfig_load allocated; the key is wiped first. */
void webconfig_free(webconfig *wc);
/* 1 if basic auth is configured. */
int webconfig_has_users(const webconfig *wc);
/* 1 if user/password match a configured bcrypt hash, else 0. Runs bcrypt even
 * for unknown users, compares in constant time, and caches only a keyed MAC of
 * the last good password per user so repeated scrapes cost no bcrypt. Thread-safe. */
int webconfig_check_user(webconfig *wc, const char *user, const char *password);

#endif
