/* webconfig.c -- parses the web-config YAML (libyaml), loads TLS files, verifies bcrypt basic auth. */
#include "webconfig.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "readfile.h"
#include "secret.h"
#include "xalloc.h"

#define WEB_FILE_LIMIT (1024 * 1024)

static unsigned char mac_key[32];
static pthread_once_t mac_key_once = PTHREAD_ONCE_INIT;

static void mac_key_init(void)
{
    if (gnutls_rnd(GNUTLS_RND_KEY, mac_key, sizeof(mac_key)) < 0)
        abort();
}

typedef struct wc_parse {
    const char *path;
    char *dir; /* directory of path, for relative file names */
    yaml_document_t *doc;
    char *err;
    size_t errlen;
} wc_parse;

__attribute__((format(printf, 3, 4))) static int fail_at(wc_parse *p, const yaml_node_t *node,
                                                         const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (node)
        snprintf(p->err, p->errlen, "%s:%zu:%zu: %s", p->path, node->start_mark.line + 1,
                 node->start_mark.column + 1, msg);
    else
        snprintf(p->err, p->errlen, "%s: %s", p->path, msg);
    return -1;
}

/* The scalar text of node, or NULL (with an error) if it is not a non-empty scalar. */
static const char *scalar(wc_parse *p, const yaml_node_t *node, const char *what)
{
    if (node->type != YAML_SCALAR_NODE) {
        fail_at(p, node, "%s: want a string", what);
        return NULL;
    }
    return (const char *)node->data.scalar.value;
}

/* Reads a whole file (at most WEB_FILE_LIMIT bytes) into a NUL-terminated string; a key file is a secret
 * (secret.h: free it with secret_free). */
static char *read_file(wc_parse *p, const yaml_node_t *node, const char *key, const char *name, int secret)
{
    buf path;
    buf_init(&path, 8192);
    int rc = name[0] == '/' ? buf_puts(&path, name) : buf_printf(&path, "%s/%s", p->dir, name);
    if (rc < 0) {
        buf_free(&path);
        fail_at(p, node, "%s: path too long", key);
        return NULL;
    }
    char why[512];
    size_t len = 0;
    char *text = secret ? secret_read(path.data, WEB_FILE_LIMIT, &len, why, sizeof why)
                        : readfile(path.data, WEB_FILE_LIMIT, &len, why, sizeof why);
    int e = errno;
    if (text && len == 0) {
        snprintf(why, sizeof why, "%s: empty", path.data);
        free(text); /* nothing in it to wipe */
        text = NULL;
        e = EIO;
    }
    if (!text)
        fail_at(p, node, "%s: cannot %s %s", key, e == ENOENT || e == EACCES ? "open" : "read", why);
    buf_free(&path);
    return text;
}

static int parse_tls_version(const char *s, int *out)
{
    static const char *const names[] = {"TLS10", "TLS11", "TLS12", "TLS13"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

static int parse_tls(wc_parse *p, const yaml_node_t *map, webconfig *wc)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail_at(p, map, "tls_server_config: want a mapping");
    const yaml_node_t *cert_node = NULL, *key_node = NULL, *ca_node = NULL;
    const char *cert_file = NULL, *key_file = NULL, *ca_file = NULL, *cert_inline = NULL, *key_inline = NULL;
    int min_v = 2, max_v = 3;
    wc->client_auth = WEB_CLIENT_NONE;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
        const char *key = scalar(p, k, "tls_server_config key");
        if (!key)
            return -1;
        if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0 &&
            v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
            continue; /* `key:` with no value is the same as leaving it out */
        const char *val;
        if (strcmp(key, "cert_file") == 0) {
            if (!(cert_file = scalar(p, v, key)))
                return -1;
            cert_node = v;
        } else if (strcmp(key, "key_file") == 0) {
            if (!(key_file = scalar(p, v, key)))
                return -1;
            key_node = v;
        } else if (strcmp(key, "cert") == 0) {
            if (!(cert_inline = scalar(p, v, key)))
                return -1;
            cert_node = v;
        } else if (strcmp(key, "key") == 0) {
            if (!(key_inline = scalar(p, v, key)))
                return -1;
            key_node = v;
        } else if (strcmp(key, "client_ca_file") == 0) {
            if (!(ca_file = scalar(p, v, key)))
                return -1;
            ca_node = v;
        } else if (strcmp(key, "client_auth_type") == 0) {
            static const char *const types[] = {"NoClientCert", "RequestClientCert", "RequireAnyClientCert",
                                                "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"};
            if (!(val = scalar(p, v, key)))
                return -1;
            int found = -1;
            for (int i = 0; i < 5; i++)
                if (strcmp(val, types[i]) == 0)
                    found = i;
            if (found < 0)
                return fail_at(p, v, "client_auth_type: unknown value \"%s\"", val);
            wc->client_auth = (web_client_auth)found;
        } else if (strcmp(key, "min_version") == 0 || strcmp(key, "max_version") == 0) {
            if (!(val = scalar(p, v, key)))
                return -1;
            if (parse_tls_version(val, key[1] == 'i' ? &min_v : &max_v) < 0)
                return fail_at(p, v, "%s: unknown TLS version \"%s\" (want TLS10..TLS13)", key, val);
        } else if (strcmp(key, "prefer_server_cipher_suites") == 0) {
            /* GnuTLS always follows the server's priority order; nothing to do. */
        } else if (strcmp(key, "cipher_suites") == 0 || strcmp(key, "curve_preferences") == 0) {
            return fail_at(p, k, "tls_server_config: \"%s\" is not supported by this exporter", key);
        } else {
            return fail_at(p, k, "tls_server_config: unknown key \"%s\"", key);
        }
    }
    if (min_v > max_v)
        return fail_at(p, map, "tls_server_config: min_version is above max_version");
    if (!cert_file && !cert_inline)
        return fail_at(p, map, "tls_server_config: missing cert_file");
    if (!key_file && !key_inline)
        return fail_at(p, map, "tls_server_config: missing key_file");
    if (cert_file && cert_inline)
        return fail_at(p, cert_node, "tls_server_config: give cert_file or cert, not both");
    if (key_file && key_inline)
        return fail_at(p, key_node, "tls_server_config: give key_file or key, not both");
    if (!ca_file && wc->client_auth != WEB_CLIENT_NONE)
        return fail_at(p, map, "tls_server_config: client_auth_type needs client_ca_file here");
    if (ca_file && wc->client_auth == WEB_CLIENT_NONE)
        wc->client_auth = WEB_CLIENT_REQUIRE_VERIFY; /* exporter-toolkit's default with a CA */

    wc->cert_pem = cert_file ? read_file(p, cert_node, "cert_file", cert_file, 0) : xstrdup(cert_inline);
    if (!wc->cert_pem)
        return -1;
    wc->key_pem = key_file ? read_file(p, key_node, "key_file", key_file, 1) : xstrdup(key_inline);
    if (!wc->key_pem)
        return -1;
    if (ca_file && !(wc->ca_pem = read_file(p, ca_node, "client_ca_file", ca_file, 0)))
        return -1;

    /* Check the PEM now: libmicrohttpd would only say "failed to start". */
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return fail_at(p, map, "tls_server_config: out of memory");
    gnutls_datum_t c = {(unsigned char *)wc->cert_pem, (unsigned)strlen(wc->cert_pem)};
    gnutls_datum_t k = {(unsigned char *)wc->key_pem, (unsigned)strlen(wc->key_pem)};
    int rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        gnutls_certificate_free_credentials(cred);
        return fail_at(p, cert_node, "tls_server_config: certificate/key unusable: %s", gnutls_strerror(rc));
    }
    if (wc->ca_pem) {
        gnutls_datum_t ca = {(unsigned char *)wc->ca_pem, (unsigned)strlen(wc->ca_pem)};
        rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            gnutls_certificate_free_credentials(cred);
            return fail_at(p, ca_node, "client_ca_file: no usable CA certificate%s%s", rc < 0 ? ": " : "",
                           rc < 0 ? gnutls_strerror(rc) : "");
        }
    }
    gnutls_certificate_free_credentials(cred);

    static const char *const vers[] = {"+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2", "+VERS-TLS1.3"};
    buf pri;
    buf_init(&pri, 256);
    if (buf_puts(&pri, "NORMAL:-VERS-ALL") < 0)
        abort();
    for (int i = max_v; i >= min_v; i--)
        if (buf_printf(&pri, ":%s", vers[i]) < 0)
            abort();
    wc->priorities = buf_steal(&pri, NULL);
    wc->tls = true;
    return 0;
}

/* NULL if h is a whole bcrypt hash as Go's bcrypt makes and checks them: "$2a$", "$2b$" or "$2y$", a
 * two-digit cost 04-31, "$", then 22 salt and 31 hash characters of bcrypt's alphabet; else why not.
 * (A bad one accepted here would answer 401 to every request instead of failing at start.) */
static const char *bcrypt_problem(const char *h)
{
    static const char alphabet[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    if (h[0] != '$' || h[1] != '2' || (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$')
        return "it does not start with $2a$, $2b$ or $2y$";
    if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
        return "the cost is not two digits followed by $";
    int cost = (h[4] - '0') * 10 + (h[5] - '0');
    if (cost < 4 || cost > 31)
        return "the cost is outside 04-31";
    size_t n = strlen(h + 7);
    if (n != 53)
        return "the salt and hash are not 22 + 31 characters";
    if (strspn(h + 7, alphabet) != 53)
        return "the salt or hash has a character outside bcrypt's alphabet (./A-Za-z0-9)";
    return NULL;
}

static int parse_users(wc_parse *p, const yaml_node_t *map, webconfig *wc)
{
    if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
        return 0;
    if (map->type != YAML_MAPPING_NODE)
        return fail_at(p, map, "basic_auth_users: want a mapping of user to bcrypt hash");
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    wc->users = xcalloc(n, sizeof(web_user));
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
        const char *user = scalar(p, k, "basic_auth_users key");
        if (!user)
            return -1;
        if (!user[0] || strchr(user, ':'))
            return fail_at(p, k, "basic_auth_users: user names must be non-empty and have no ':'");
        const char *hash = scalar(p, v, "basic_auth_users value");
        if (!hash)
            return -1;
        const char *why = bcrypt_problem(hash);
        if (why)
            return fail_at(p, v, "basic_auth_users: the hash of user \"%s\" is not a bcrypt hash: %s", user,
                           why);
        for (size_t i = 0; i < wc->nusers; i++)
            if (strcmp(wc->users[i].name, user) == 0)
                return fail_at(p, k, "basic_auth_users: user \"%s\" appears twice", user);
        wc->users[wc->nusers].name = xstrdup(user);
        wc->users[wc->nusers].hash = xstrdup(hash);
        wc->nusers++;
    }
    return 0;
}

static int check_duplicate_keys(wc_parse *p, const yaml_node_t *map)
{
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top; a++) {
        yaml_node_t *ka = yaml_document_get_node(p->doc, a->key);
        if (ka->type != YAML_SCALAR_NODE)
            return fail_at(p, ka, "keys must be strings");
        for (yaml_node_pair_t *b = map->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *kb = yaml_document_get_node(p->doc, b->key);
            if (kb->type == YAML_SCALAR_NODE &&
                strcmp((char *)ka->data.scalar.value, (char *)kb->data.scalar.value) == 0)
                return fail_at(p, ka, "key \"%s\" appears twice", (char *)ka->data.scalar.value);
        }
    }
    return 0;
}

static int parse_root(wc_parse *p, webconfig *wc)
{
    yaml_node_t *root = yaml_document_get_root_node(p->doc);
    if (!root)
        return 0; /* an empty file: plain HTTP, no auth */
    if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
        return 0;
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(p, root, "the top level must be a mapping");
    if (check_duplicate_keys(p, root) < 0)
        return -1;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
        const char *key = (const char *)k->data.scalar.value;
        if (v->type == YAML_MAPPING_NODE && check_duplicate_keys(p, v) < 0)
            return -1;
        if (strcmp(key, "tls_server_config") == 0) {
            if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
                continue;
            if (parse_tls(p, v, wc) < 0)
                return -1;
        } else if (strcmp(key, "basic_auth_users") == 0) {
            if (parse_users(p, v, wc) < 0)
                return -1;
        } else if (strcmp(key, "http_server_config") == 0) {
            if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
                continue;
            if (v->type != YAML_MAPPING_NODE)
                return fail_at(p, v, "http_server_config: want a mapping");
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
                yaml_node_t *hk = yaml_document_get_node(p->doc, q->key);
                const char *hkey = (const char *)hk->data.scalar.value;
                /* HTTP/2 is a Go server choice; we serve HTTP/1.1 whatever it says. */
                if (strcmp(hkey, "http2") != 0)
                    return fail_at(p, hk, "http_server_config: \"%s\" is not supported by this exporter",
                                   hkey);
            }
        } else {
            return fail_at(p, k, "unknown key \"%s\"", key);
        }
    }
    return 0;
}

/* Loads from fp, or from text if fp is NULL; `path` names the source in errors, its directory anchors
 * relative file names. */
static int load(const char *path, FILE *fp, const char *text, webconfig *wc, char *err, size_t errlen)
{
    int rc = -1;
    memset(wc, 0, sizeof(*wc));
    wc_parse p = {.path = path, .err = err, .errlen = errlen};
    const char *slash = strrchr(path, '/');
    p.dir = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : xstrdup(".");
    yaml_parser_t parser;
    yaml_document_t doc;
    int have_doc = 0;
    if (!yaml_parser_initialize(&parser))
        abort();
    if (fp)
        yaml_parser_set_input_file(&parser, fp);
    else
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", path, parser.problem_mark.line + 1,
                 parser.problem_mark.column + 1, parser.problem ? parser.problem : "YAML error",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        goto out;
    }
    have_doc = 1;
    p.doc = &doc;
    if (parse_root(&p, wc) < 0)
        goto out;
    pthread_mutex_t *m = xmalloc(sizeof(*m));
    pthread_mutex_init(m, NULL);
    wc->lock = m;
    pthread_once(&mac_key_once, mac_key_init);
    rc = 0;
out:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(p.dir);
    if (rc < 0)
        webconfig_free(wc);
    return rc;
}

int webconfig_load(const char *path, webconfig *wc, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        memset(wc, 0, sizeof(*wc));
        snprintf(err, errlen, "%s: cannot open web config: %s", path, strerror(errno));
        return -1;
    }
    int rc = load(path, fp, NULL, wc, err, errlen);
    fclose(fp);
    return rc;
}

int webconfig_load_text(const char *name, const char *yaml, webconfig *wc, char *err, size_t errlen)
{
    return load(name, NULL, yaml, wc, err, errlen);
}

void webconfig_free(webconfig *wc)
{
    free(wc->cert_pem);
    secret_free(wc->key_pem);
    free(wc->ca_pem);
    free(wc->priorities);
    for (size_t i = 0; i < wc->nusers; i++) {
        free(wc->users[i].name);
        free(wc->users[i].hash);
    }
    free(wc->users);
    if (wc->lock) {
        pthread_mutex_destroy(wc->lock);
        free(wc->lock);
    }
    memset(wc, 0, sizeof(*wc));
}

int webconfig_has_users(const webconfig *wc)
{
    return wc && wc->nusers > 0;
}

/* Constant-time equality of two n-byte strings. */
static int ct_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

static void password_mac(const web_user *u, const char *password, unsigned char out[32])
{
    buf m;
    buf_init(&m, 8192);
    /* user, hash and password, NUL-separated, so a changed hash never matches an old MAC */
    if (buf_append(&m, u->name, strlen(u->name) + 1) < 0 ||
        buf_append(&m, u->hash, strlen(u->hash) + 1) < 0 || buf_append(&m, password, strlen(password)) < 0) {
        memset(out, 0xff, 32);
    } else if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, mac_key, sizeof(mac_key), m.data, m.len, out) < 0) {
        memset(out, 0xff, 32);
    }
    if (m.data)
        explicit_bzero(m.data, m.cap);
    buf_free(&m);
}

int webconfig_check_user(webconfig *wc, const char *user, const char *password)
{
    if (!wc || wc->nusers == 0 || !user || !password)
        return 0;
    web_user *u = NULL;
    for (size_t i = 0; i < wc->nusers; i++)
        if (strcmp(wc->users[i].name, user) == 0)
            u = &wc->users[i];
    if (strlen(password) > 4096)
        return 0;
    unsigned char mac[32];
    if (u) {
        password_mac(u, password, mac);
        pthread_mutex_lock(wc->lock);
        int cached = u->has_ok_mac && ct_equal(mac, u->ok_mac, sizeof(mac));
        pthread_mutex_unlock(wc->lock);
        if (cached)
            return 1;
    }
    /* An unknown user still costs one bcrypt, so timing does not tell who exists. */
    const char *hash = u ? u->hash : wc->users[0].hash;
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    if (!cd)
        return 0;
    const char *out = crypt_r(password, hash, cd);
    int ok = out && strlen(out) == strlen(hash) && ct_equal(out, hash, strlen(hash)) && u != NULL;
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    if (ok) {
        pthread_mutex_lock(wc->lock);
        memcpy(u->ok_mac, mac, sizeof(mac));
        u->has_ok_mac = true;
        pthread_mutex_unlock(wc->lock);
    }
    return ok;
}
