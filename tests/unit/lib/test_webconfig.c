/* test_webconfig.c -- the web-config YAML: TLS files, versions, bcrypt users, and every error with its line.
 */
#include <crypt.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "test.h"
#include "tmpfile.h"
#include "webconfig.h"

/* Writes a fresh self-signed certificate and key (PEM) to cert.pem and key.pem. */
static void make_cert(void)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    char pem[16384];
    size_t len;
    CHECK(gnutls_x509_privkey_init(&key) == 0);
    CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                       0) == 0);
    CHECK(gnutls_x509_crt_init(&crt) == 0);
    gnutls_x509_crt_set_version(crt, 3);
    unsigned char serial[] = {1};
    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
    gnutls_x509_crt_set_activation_time(crt, time(NULL) - 60);
    gnutls_x509_crt_set_expiration_time(crt, time(NULL) + 3600);
    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9);
    gnutls_x509_crt_set_key(crt, key);
    CHECK(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) == 0);
    len = sizeof(pem);
    CHECK(gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_PEM, pem, &len) == 0);
    pem[len] = '\0';
    tmp_write("cert.pem", pem);
    len = sizeof(pem);
    CHECK(gnutls_x509_privkey_export(key, GNUTLS_X509_FMT_PEM, pem, &len) == 0);
    pem[len] = '\0';
    tmp_write("key.pem", pem);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
}

/* Loads YAML text written to web.yml; returns webconfig_load's result. */
static int load(const char *yaml, webconfig *wc, char *err, size_t errlen)
{
    const char *p = tmp_write("web.yml", yaml);
    err[0] = '\0';
    return webconfig_load(p, wc, err, errlen);
}

/* Checks that loading fails with `want` after "path:" in the message. */
static void expect_error(const char *yaml, const char *want, int line)
{
    webconfig wc;
    char err[512];
    int rc = load(yaml, &wc, err, sizeof(err));
    if (rc != -1 || !strstr(err, want))
        fprintf(stderr, "  (case at test line %d)\n", line);
    CHECK_INT_EQ(rc, -1);
    CHECK_CONTAINS(err, want);
}
#define EXPECT_ERROR(yaml, want) expect_error(yaml, want, __LINE__)

int main(void)
{
    webconfig wc;
    char err[512];
    make_cert();

    /* Empty file: valid, nothing enabled. */
    CHECK_INT_EQ(load("", &wc, err, sizeof(err)), 0);
    CHECK(!wc.tls);
    CHECK(!webconfig_has_users(&wc));
    webconfig_free(&wc);

    /* TLS with files relative to the YAML file. */
    CHECK_INT_EQ(
        load("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n", &wc, err, sizeof(err)), 0);
    CHECK(wc.tls);
    CHECK_CONTAINS(wc.cert_pem, "BEGIN CERTIFICATE");
    CHECK_CONTAINS(wc.key_pem, "PRIVATE KEY");
    CHECK_STR_EQ(wc.priorities, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
    webconfig_free(&wc);

    CHECK_INT_EQ(load("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  min_version: TLS13\n"
                      "  client_ca_file: cert.pem\n  client_auth_type: RequireAndVerifyClientCert\n",
                      &wc, err, sizeof(err)),
                 0);
    CHECK_STR_EQ(wc.priorities, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
    CHECK(wc.ca_pem != NULL);
    CHECK_INT_EQ(wc.client_auth, WEB_CLIENT_REQUIRE_VERIFY);
    webconfig_free(&wc);

    /* Errors, each with the line and column of the culprit. */
    EXPECT_ERROR("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  bogus: 1\n",
                 "web.yml:4:3: tls_server_config: unknown key \"bogus\"");
    EXPECT_ERROR("nope: 1\n", "web.yml:1:1: unknown key \"nope\"");
    EXPECT_ERROR("tls_server_config:\n  cert_file: cert.pem\n",
                 "web.yml:2:3: tls_server_config: missing key_file");
    EXPECT_ERROR("tls_server_config:\n  cert_file: missing.pem\n  key_file: key.pem\n",
                 "web.yml:2:14: cert_file: cannot open");
    EXPECT_ERROR("tls_server_config:\n  cert_file: key.pem\n  key_file: key.pem\n",
                 "certificate/key unusable");
    EXPECT_ERROR("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  min_version: TLS14\n",
                 "web.yml:4:16: min_version: unknown TLS version \"TLS14\"");
    EXPECT_ERROR("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  min_version: TLS13\n"
                 "  max_version: TLS12\n",
                 "min_version is above max_version");
    EXPECT_ERROR(
        "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  client_auth_type: Maybe\n",
        "client_auth_type: unknown value \"Maybe\"");
    EXPECT_ERROR("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                 "  client_auth_type: RequireAndVerifyClientCert\n",
                 "needs client_ca_file");
    EXPECT_ERROR("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  cipher_suites: [a]\n",
                 "web.yml:4:3: tls_server_config: \"cipher_suites\" is not supported");
    EXPECT_ERROR("basic_auth_users:\n  bob: [1\n", "web.yml:3:1:");
    EXPECT_ERROR("basic_auth_users:\n  bob: plaintext-password\n",
                 "web.yml:2:8: basic_auth_users: the hash of user "
                 "\"bob\" is not a bcrypt hash");
    EXPECT_ERROR("a: 1\na: 2\n", "web.yml:2:1: key \"a\" appears twice");
    EXPECT_ERROR("- 1\n", "web.yml:1:1: the top level must be a mapping");
    EXPECT_ERROR("http_server_config:\n  headers: {}\n",
                 "web.yml:2:3: http_server_config: \"headers\" is not");

    /* The error for a bad hash never shows the hash itself. */
    CHECK_INT_EQ(load("basic_auth_users:\n  bob: secret-looking-thing\n", &wc, err, sizeof(err)), -1);
    CHECK(strstr(err, "secret-looking-thing") == NULL);

    /* A missing file. */
    CHECK_INT_EQ(webconfig_load("/nonexistent/web.yml", &wc, err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "/nonexistent/web.yml: cannot open web config");

    /* bcrypt users: the right password, a wrong one, an unknown user; repeated (cached) checks. */
    char salt[64];
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    CHECK(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)) != NULL);
    const char *hash = crypt_r("s3cret pass", salt, &cd);
    CHECK(hash != NULL && strncmp(hash, "$2b$04$", 7) == 0);
    char yaml[256];
    snprintf(yaml, sizeof(yaml), "basic_auth_users:\n  alice: '%s'\n", hash);
    CHECK_INT_EQ(load(yaml, &wc, err, sizeof(err)), 0);
    CHECK(webconfig_has_users(&wc));
    CHECK_INT_EQ(webconfig_check_user(&wc, "alice", "s3cret pass"), 1);
    CHECK_INT_EQ(webconfig_check_user(&wc, "alice", "s3cret pass"), 1); /* from the MAC cache */
    CHECK_INT_EQ(webconfig_check_user(&wc, "alice", "s3cret pasS"), 0);
    CHECK_INT_EQ(webconfig_check_user(&wc, "alice", ""), 0);
    CHECK_INT_EQ(webconfig_check_user(&wc, "bob", "s3cret pass"), 0);
    CHECK_INT_EQ(webconfig_check_user(&wc, NULL, "s3cret pass"), 0);
    CHECK_INT_EQ(webconfig_check_user(&wc, "alice", "s3cret pass"), 1);
    webconfig_free(&wc);

    static const char *const files[] = {"cert.pem", "key.pem", "web.yml", NULL};
    tmp_cleanup(files);
    return TEST_RESULT();
}
