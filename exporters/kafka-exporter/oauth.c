/* oauth.c -- OAUTHBEARER tokens from an OAuth 2.0 token endpoint (oauth.h). */
#include "oauth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "log.h"
#include "secret.h"
#include "xalloc.h"
#include "parse.h"

#define KX_OAUTH_MAX_RESPONSE (64 * 1024)
#define KX_OAUTH_TIMEOUT_S 10L
#define KX_OAUTH_DEFAULT_LIFETIME_S 3600

/* One token source per process: the exporter has one librdkafka handle. */
static pthread_mutex_t oauth_lock = PTHREAD_MUTEX_INITIALIZER;
static char *token_url, *client_id, *client_secret;
static unsigned long fetched;

int kx_oauth_parse_response(const char *body, size_t len, char **token, long *expires_in, char *err,
                            size_t errlen)
{
    *token = NULL;
    *expires_in = 0;
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    if (!root || !json_is_object(root)) {
        snprintf(err, errlen, "the token endpoint's answer is not a JSON object");
        json_decref(root);
        return -1;
    }
    int rc = -1;
    const char *error = json_string_value(json_object_get(root, "error"));
    const char *tok = json_string_value(json_object_get(root, "access_token"));
    if (error || !tok || !*tok) {
        const char *desc = json_string_value(json_object_get(root, "error_description"));
        snprintf(err, errlen, "the token endpoint answered %s%s%s", error ? error : "without an access_token",
                 desc ? ": " : "", desc ? desc : "");
        goto out;
    }
    json_t *exp = json_object_get(root, "expires_in");
    if (json_is_integer(exp))
        *expires_in = (long)json_integer_value(exp);
    else if (json_is_string(exp)) { /* some endpoints send it quoted */
        int64_t v;
        *expires_in = parse_int64(json_string_value(exp), &v) == 0 ? (long)v : 0;
    }
    if (*expires_in < 0)
        *expires_in = 0;
    *token = xstrdup(tok);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* base64url (no padding) of s[0..len) into a malloc'd buffer; NULL on a bad character. */
static unsigned char *b64url_decode(const char *s, size_t len, size_t *outlen)
{
    unsigned char *out = xmalloc(len * 3 / 4 + 3);
    unsigned int acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-' || c == '+' ? 62
                : c == '_' || c == '/' ? 63
                : c == '='             ? -2
                                       : -1;
        if (v == -2)
            break;
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    *outlen = n;
    return out;
}

int kx_jwt_claims(const char *jwt, char *sub, size_t sublen, long long *exp)
{
    *exp = 0;
    const char *dot1 = strchr(jwt, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2)
        return -1;
    size_t n = 0;
    unsigned char *payload = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &n);
    if (!payload)
        return -1;
    json_error_t je;
    json_t *claims = json_loadb((const char *)payload, n, 0, &je);
    free(payload);
    int rc = -1;
    const char *s = json_string_value(json_object_get(claims, "sub"));
    if (s && *s && strlen(s) < sublen) {
        snprintf(sub, sublen, "%s", s);
        rc = 0;
    }
    json_t *e = json_object_get(claims, "exp");
    if (json_is_integer(e))
        *exp = (long long)json_integer_value(e);
    json_decref(claims);
    return rc;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    buf *b = arg;
    return buf_append(b, data, size * nmemb) < 0 ? 0 : size * nmemb; /* 0: too big, curl stops */
}

/* One client-credentials request. Returns 0 with the token and its lifetime, or -1 with a reason. */
static int fetch(char **token, long *expires_in, char *err, size_t errlen)
{
    pthread_mutex_lock(&oauth_lock);
    int rc = -1;
    CURL *c = curl_easy_init();
    buf body;
    buf_init(&body, KX_OAUTH_MAX_RESPONSE);
    char *user = NULL, *pass = NULL;
    if (!c || !token_url) {
        snprintf(err, errlen, "token endpoint client not set up");
        goto out;
    }
    /* RFC 6749 2.3.1: the id and secret are form-encoded before they go into HTTP Basic. */
    user = curl_easy_escape(c, client_id, 0);
    pass = curl_easy_escape(c, client_secret, 0);
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, token_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "grant_type=client_credentials");
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, KX_OAUTH_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    struct curl_slist *hdr = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    CURLcode cr = curl_easy_perform(c);
    curl_slist_free_all(hdr);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cr != CURLE_OK) {
        snprintf(err, errlen, "token endpoint %s: %s", token_url,
                 curl_err[0] ? curl_err : curl_easy_strerror(cr));
        goto out;
    }
    char perr[256];
    if (kx_oauth_parse_response(body.data ? body.data : "", body.len, token, expires_in, perr, sizeof perr) !=
            0 ||
        status != 200) {
        secret_free(*token);
        *token = NULL;
        snprintf(err, errlen, "token endpoint %s: HTTP %ld, %s%s", token_url, status,
                 status == 200 ? perr : (body.len ? perr : "no body"),
                 status == 401 || status == 400
                     ? " (check --sasl.username and the password: the OAuth client id "
                       "and secret)"
                     : "");
        goto out;
    }
    fetched++;
    rc = 0;
out:
    if (body.data)
        explicit_bzero(body.data, body.cap);
    buf_free(&body);
    if (pass)
        explicit_bzero(pass, strlen(pass));
    curl_free(user);
    curl_free(pass);
    if (c)
        curl_easy_cleanup(c);
    pthread_mutex_unlock(&oauth_lock);
    return rc;
}

static void on_refresh(rd_kafka_t *rk, const char *config, void *opaque)
{
    (void)config;
    (void)opaque;
    char err[512];
    char *token = NULL;
    long expires_in = 0;
    if (fetch(&token, &expires_in, err, sizeof err) != 0) {
        log_debug("oauthbearer token not fetched", "error", err, NULL);
        rd_kafka_oauthbearer_set_token_failure(rk, err); /* reaches the error callback: kafka_up's cause */
        return;
    }
    char sub[256];
    long long exp = 0;
    const char *principal = kx_jwt_claims(token, sub, sizeof sub, &exp) == 0 ? sub : client_id;
    long long now_ms = (long long)time(NULL) * 1000;
    long long lifetime_ms = expires_in > 0 ? now_ms + (long long)expires_in * 1000
                            : exp > 0      ? exp * 1000
                                           : now_ms + KX_OAUTH_DEFAULT_LIFETIME_S * 1000LL;
    char errstr[512];
    if (rd_kafka_oauthbearer_set_token(rk, token, lifetime_ms, principal, NULL, 0, errstr, sizeof errstr) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_oauthbearer_set_token_failure(rk, errstr);
    } else {
        char life[32];
        snprintf(life, sizeof life, "%lld", (lifetime_ms - now_ms) / 1000);
        log_debug("oauthbearer token fetched", "principal", principal, "lifetime_seconds", life, NULL);
    }
    explicit_bzero(token, strlen(token));
    free(token);
}

int kx_oauth_setup(rd_kafka_conf_t *conf, const char *url, const char *id, const char *secret, char *err,
                   size_t errlen)
{
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        snprintf(err, errlen, "--sasl.oauthbearer-token-url %s: want an http:// or https:// URL", url);
        return -1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl initialisation failed");
        return -1;
    }
    pthread_mutex_lock(&oauth_lock);
    free(token_url);
    free(client_id);
    secret_free(client_secret);
    token_url = xstrdup(url);
    client_id = xstrdup(id);
    client_secret = xstrdup(secret);
    pthread_mutex_unlock(&oauth_lock);
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, on_refresh);
    return 0;
}

void kx_oauth_stop(void)
{
    pthread_mutex_lock(&oauth_lock);
    bool was_set = token_url != NULL;
    free(token_url);
    free(client_id);
    secret_free(client_secret);
    token_url = client_id = client_secret = NULL;
    pthread_mutex_unlock(&oauth_lock);
    if (was_set)
        curl_global_cleanup();
}

unsigned long kx_oauth_fetched(void)
{
    pthread_mutex_lock(&oauth_lock);
    unsigned long n = fetched;
    pthread_mutex_unlock(&oauth_lock);
    return n;
}
