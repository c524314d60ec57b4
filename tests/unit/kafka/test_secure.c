/* test_secure.c -- kafka-exporter's SASL and TLS failures: the causes logged (librdkafka's wording, seen
 * against the lab's secured listeners). The password flag's hiding is tests/unit/lib/test_secretargs.c. */
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "rdk.h"
#include "test.h"

#define RDK_2_0_2 0x020002ff
#define RDK_2_6_1 0x020601ff

static int cause(int err, const char *reason, bool cert, char *out, size_t outlen)
{
    memset(out, 'X', outlen);
    return kx_rdk_cause(err, reason, cert, RDK_2_6_1, out, outlen);
}

static void test_causes(void)
{
    char out[512];
    CHECK_INT_EQ(cause(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down", false, out, sizeof out),
                 -1);
    CHECK_INT_EQ(cause(RD_KAFKA_RESP_ERR__TRANSPORT, "", false, out, sizeof out), -1);

    CHECK_INT_EQ(
        cause(RD_KAFKA_RESP_ERR__AUTHENTICATION,
              "b/bootstrap: SASL authentication error: Authentication failed during authentication due to "
              "invalid credentials with SASL mechanism SCRAM-SHA-512",
              false, out, sizeof out),
        0);
    CHECK(strncmp(out, "_AUTHENTICATION: b/bootstrap: SASL authentication error", 55) == 0);
    CHECK(strstr(out, "(check --sasl.username and the password)") != NULL);
    /* Debian's librdkafka: its SCRAM is refused by Kafka 4 brokers whatever the password. */
    kx_rdk_cause(RD_KAFKA_RESP_ERR__AUTHENTICATION,
                 "SASL authentication error: Authentication failed during authentication due to invalid "
                 "credentials with SASL mechanism SCRAM-SHA-512",
                 false, RDK_2_0_2, out, sizeof out);
    CHECK(strstr(out, "SCRAM also needs librdkafka 2.6.1 or later)") != NULL);
    kx_rdk_cause(RD_KAFKA_RESP_ERR__AUTHENTICATION, "Authentication failed: Invalid username or password",
                 false, RDK_2_0_2, out, sizeof out);
    CHECK(strstr(out, "(check --sasl.username and the password)") != NULL);

    cause(RD_KAFKA_RESP_ERR__AUTHENTICATION,
          "SASL SCRAM-SHA-256 mechanism handshake failed: Broker: Unsupported SASL mechanism: broker's "
          "supported "
          "mechanisms: PLAIN,SCRAM-SHA-512",
          false, out, sizeof out);
    CHECK(strstr(out, "PLAIN,SCRAM-SHA-512 (check --sasl.mechanism)") != NULL);

    cause(RD_KAFKA_RESP_ERR__SSL,
          "SSL handshake failed: error:0A000086:SSL routines::certificate verify failed", true, out,
          sizeof out);
    CHECK(strstr(out, "(the broker's certificate is not trusted: check --tls.ca-file)") != NULL);

    /* The broker's alert when no client certificate was sent, and when one it does not trust was. */
    const char *bad =
        "Receive failed: error:0A000412:SSL routines::sslv3 alert bad certificate: SSL alert number 42";
    cause(RD_KAFKA_RESP_ERR__TRANSPORT, bad, false, out, sizeof out);
    CHECK(strstr(out, "requires a client certificate: give --tls.cert-file and --tls.key-file") != NULL);
    cause(RD_KAFKA_RESP_ERR__TRANSPORT, bad, true, out, sizeof out);
    CHECK(strstr(out, "rejected the client certificate of --tls.cert-file") != NULL);
    cause(RD_KAFKA_RESP_ERR__TRANSPORT, "tlsv13 alert certificate required: SSL alert number 116", false, out,
          sizeof out);
    CHECK(strstr(out, "requires a client certificate") != NULL);
    cause(RD_KAFKA_RESP_ERR__TRANSPORT, "sslv3 alert certificate unknown: SSL alert number 46", true, out,
          sizeof out);
    CHECK(strstr(out, "rejected the client certificate") != NULL);

    /* Anything else: librdkafka's words, no hint. */
    cause(RD_KAFKA_RESP_ERR__TRANSPORT, "Connect to ipv4#127.0.0.1:1 failed: Connection refused", false, out,
          sizeof out);
    CHECK_STR_EQ(out, "_TRANSPORT: Connect to ipv4#127.0.0.1:1 failed: Connection refused");

    /* A small buffer truncates, still terminated. */
    char small[16];
    CHECK_INT_EQ(cause(RD_KAFKA_RESP_ERR__TRANSPORT, bad, false, small, sizeof small), 0);
    CHECK_INT_EQ(strlen(small), sizeof small - 1);
}

static void test_last_cause(void)
{
    char out[64];
    kx_rdk_clear_cause();
    kx_rdk_last_cause(out, sizeof out);
    CHECK_STR_EQ(out, "");
}

int main(void)
{
    test_causes();
    test_last_cause();
    return TEST_RESULT();
}
