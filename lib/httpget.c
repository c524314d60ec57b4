/* httpget.c -- bounded GETs over libcurl. */
#include "httpget.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "secret.h"

struct httpget {
    CURL *curl;
    char *userpwd; /* "user:password", wiped at free */
    size_t max_bytes;
};

int httpget_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void httpget_global_cleanup(void)
{
    curl_global_cleanup();
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
    buf *b = arg; /* capped by its limit: a longer answer fails the transfer */
    return buf_append(b, ptr, size * nmemb) == 0 ? size * nmemb : 0;
}

httpget *httpget_new(const httpget_options *o, char *err, size_t errlen)
{
    httpget *h = calloc(1, sizeof *h);
    if (!h || !(h->curl = curl_easy_init())) {
        free(h);
        snprintf(err, errlen, "cannot create an HTTP client");
        return NULL;
    }
    h->max_bytes = o->max_bytes ? o->max_bytes : 8u << 20;
    if (o->username) {
        if (!o->password_file) {
            snprintf(err, errlen, "a username needs a password file");
            httpget_free(h);
            return NULL;
        }
        char *pw = secret_read_line(o->password_file, 4096, err, errlen);
        if (!pw) {
            httpget_free(h);
            return NULL;
        }
        size_t len = strlen(o->username) + 1 + strlen(pw) + 1;
        h->userpwd = malloc(len);
        if (h->userpwd)
            snprintf(h->userpwd, len, "%s:%s", o->username, pw);
        secret_free(pw);
        if (!h->userpwd) {
            snprintf(err, errlen, "out of memory");
            httpget_free(h);
            return NULL;
        }
    } else if (o->password_file) {
        snprintf(err, errlen, "a password file needs a username");
        httpget_free(h);
        return NULL;
    }
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_bytes);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mirror-exporter");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* whatever curl can decode */
    if (o->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    if (o->cert_file)
        curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert_file);
    if (o->key_file)
        curl_easy_setopt(c, CURLOPT_SSLKEY, o->key_file);
    if (o->insecure_skip_verify) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (h->userpwd) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, h->userpwd);
    }
    return h;
}

void httpget_free(httpget *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    if (h->userpwd) {
        explicit_bzero(h->userpwd, strlen(h->userpwd));
        free(h->userpwd);
    }
    free(h);
}

long httpget_fetch(httpget *h, const char *url, double deadline, buf *out, char *err, size_t errlen)
{
    double left = deadline - now_monotonic();
    if (left <= 0.001) {
        snprintf(err, errlen, "no time left before the deadline");
        return -1;
    }
    buf_reset(out);
    if (out->limit > h->max_bytes)
        out->limit = h->max_bytes;
    CURL *c = h->curl;
    long ms = (long)(left * 1000);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
    if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "answer larger than %zu bytes", h->max_bytes);
        return -1;
    }
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", curl_easy_strerror(rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 100 || status > 599) {
        snprintf(err, errlen, "no HTTP status");
        return -1;
    }
    return status;
}
