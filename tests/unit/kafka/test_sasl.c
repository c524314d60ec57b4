/* test_sasl.c -- danielqsj's SASL flags: mechanism names in any case, the refusals and their reasons,
 * the password sources in order, and the OAuth token endpoint's answers and JWT claims (oauth.c). The
 * lab proves the mechanisms against real servers: tests/integration/test_kafka_compat.py. */
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "oauth.h"
#include "sasl.h"
#include "test.h"

static void test_mechanism_names(void)
{
    CHECK_STR_EQ(kx_sasl_mechanism(NULL), "PLAIN");
    CHECK_STR_EQ(kx_sasl_mechanism(""), "PLAIN");
    CHECK_STR_EQ(kx_sasl_mechanism("PLAIN"), "PLAIN");
    /* danielqsj lower-cases the flag: SCRAM-SHA512 is its scram-sha512. */
    CHECK_STR_EQ(kx_sasl_mechanism("SCRAM-SHA512"), "SCRAM-SHA-512");
    CHECK_STR_EQ(kx_sasl_mechanism("Scram-Sha256"), "SCRAM-SHA-256");
    CHECK_STR_EQ(kx_sasl_mechanism("scram-sha-512"), "SCRAM-SHA-512");
    CHECK_STR_EQ(kx_sasl_mechanism("GSSAPI"), "GSSAPI");
    CHECK_STR_EQ(kx_sasl_mechanism("OAuthBearer"), "OAUTHBEARER");
    CHECK_STR_EQ(kx_sasl_mechanism("AWSIAM"), "AWS_MSK_IAM");
    CHECK(kx_sasl_mechanism("scram") == NULL);
    CHECK(kx_sasl_mechanism("sha512") == NULL);
}

static int configure(kx_options *o, char *mech, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int rc = kx_sasl_configure(conf, o, mech, err, errlen);
    rd_kafka_conf_destroy(conf);
    kx_sasl_cleanup();
    return rc;
}

static void test_refusals(void)
{
    char mech[16], err[512];
    kx_options o = {.sasl_enabled = true, .sasl_mechanism = "awsiam", .sasl_username = "u"};
    CHECK_INT_EQ(configure(&o, mech, err, sizeof err), -1);
    CHECK(strstr(err, "Amazon MSK") != NULL);
    CHECK(strstr(err, "scram-sha512") != NULL);

    o.sasl_mechanism = "kerberos";
    CHECK_INT_EQ(configure(&o, mech, err, sizeof err), -1);
    CHECK(strstr(err, "gssapi") != NULL);

    o.sasl_mechanism = "gssapi";
    o.sasl_kerberos_auth_type = "keytab";
    CHECK_INT_EQ(configure(&o, mech, err, sizeof err), -1);
    CHECK(strstr(err, "keytabAuth or userAuth") != NULL);
    o.sasl_kerberos_auth_type = "keytabAuth";
    CHECK_INT_EQ(configure(&o, mech, err, sizeof err), -1);
    CHECK(strstr(err, "needs --sasl.keytab-path") != NULL);
    o.sasl_keytab_path = "/nonexistent/x.keytab";
    CHECK_INT_EQ(configure(&o, mech, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/x.keytab") != NULL);
    /* librdkafka pastes the keytab path into a shell command. */
    o.sasl_keytab_path = "/tmp/$(id).keytab";
    CHECK_INT_EQ(configure(&o, mech, err, sizeof err), -1);
    CHECK(strstr(err, "not allowed") != NULL);
    o.sasl_keytab_path = "/dev/null";
    o.sasl_username = "a b;rm";
    CHECK_INT_EQ(configure(&o, mech, err, sizeof err), -1);
    CHECK(strstr(err, "not a Kerberos principal") != NULL);
    o.sasl_username = "exporter";
    o.sasl_realm = "LAB.TEST";
    CHECK_INT_EQ(configure(&o, mech, err, sizeof err), 0);
    CHECK_STR_EQ(mech, "GSSAPI");

    kx_options oa = {.sasl_enabled = true, .sasl_mechanism = "oauthbearer", .sasl_username = "client"};
    unsetenv("SASL_OAUTHBEARER_TOKEN_URL");
    unsetenv("KAFKA_SASL_PASSWORD");
    setenv("SASL_USER_PASSWORD", "s3cret", 1);
    CHECK_INT_EQ(configure(&oa, mech, err, sizeof err), -1);
    CHECK(strstr(err, "--sasl.oauthbearer-token-url") != NULL);
    CHECK(strstr(err, "s3cret") == NULL);
    oa.sasl_oauthbearer_token_url = "ftp://x/token";
    CHECK_INT_EQ(configure(&oa, mech, err, sizeof err), -1);
    CHECK(strstr(err, "http://") != NULL);
    oa.sasl_oauthbearer_token_url = "http://127.0.0.1:1/token";
    CHECK_INT_EQ(configure(&oa, mech, err, sizeof err), 0);
    CHECK_STR_EQ(mech, "OAUTHBEARER");
    unsetenv("SASL_USER_PASSWORD");
    CHECK_INT_EQ(configure(&oa, mech, err, sizeof err), -1);
    CHECK(strstr(err, "$SASL_USER_PASSWORD") != NULL);
}

static void test_token_response(void)
{
    char *tok, err[256];
    long exp;
    const char *ok = "{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\",\"expires_in\":300}";
    CHECK_INT_EQ(kx_oauth_parse_response(ok, strlen(ok), &tok, &exp, err, sizeof err), 0);
    CHECK_STR_EQ(tok, "a.b.c");
    CHECK_INT_EQ(exp, 300);
    free(tok);
    const char *quoted = "{\"access_token\":\"t\",\"expires_in\":\"60\"}";
    CHECK_INT_EQ(kx_oauth_parse_response(quoted, strlen(quoted), &tok, &exp, err, sizeof err), 0);
    CHECK_INT_EQ(exp, 60);
    free(tok);
    const char *bad = "{\"error\":\"invalid_client\",\"error_description\":\"unknown client\"}";
    CHECK_INT_EQ(kx_oauth_parse_response(bad, strlen(bad), &tok, &exp, err, sizeof err), -1);
    CHECK(tok == NULL);
    CHECK_STR_EQ(err, "the token endpoint answered invalid_client: unknown client");
    CHECK_INT_EQ(kx_oauth_parse_response("<html>", 6, &tok, &exp, err, sizeof err), -1);
    CHECK(strstr(err, "not a JSON object") != NULL);
    CHECK_INT_EQ(kx_oauth_parse_response("{}", 2, &tok, &exp, err, sizeof err), -1);
}

static void test_jwt_claims(void)
{
    char sub[64];
    long long exp;
    /* {"alg":"none"} . {"sub":"exporter","exp":1700000000} . (no signature) */
    const char *jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJleHBvcnRlciIsImV4cCI6MTcwMDAwMDAwMH0.";
    CHECK_INT_EQ(kx_jwt_claims(jwt, sub, sizeof sub, &exp), 0);
    CHECK_STR_EQ(sub, "exporter");
    CHECK(exp == 1700000000LL);
    CHECK_INT_EQ(kx_jwt_claims("opaque-token", sub, sizeof sub, &exp), -1);
    CHECK_INT_EQ(kx_jwt_claims("a.!!!.c", sub, sizeof sub, &exp), -1);
    char tiny[4];
    CHECK_INT_EQ(kx_jwt_claims(jwt, tiny, sizeof tiny, &exp), -1);
}

static void test_kerberos_cause_none(void)
{
    char out[64] = "untouched";
    CHECK_INT_EQ(kx_sasl_kerberos_cause(out, sizeof out), 0);
    CHECK_STR_EQ(out, "untouched");
}

int main(void)
{
    test_mechanism_names();
    test_refusals();
    test_token_response();
    test_jwt_claims();
    test_kerberos_cause_none();
    return TEST_RESULT();
}
