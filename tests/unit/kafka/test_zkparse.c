/* test_zkparse.c -- broker registrations and /controller as Kafka 3.9 writes them. */
#include "test.h"
#include "zkparse.h"

static const char reg[] =
    "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\",\"WAN\":\"PLAINTEXT\","
    "\"SECURE\":\"SASL_SSL\"},\"endpoints\":[\"PLAINTEXT://127.0.10.1:9092\",\"WAN://127.0.30.1:9093\","
    "\"SECURE://kafka01:9095\"],\"jmx_port\":-1,\"port\":9092,\"host\":\"127.0.10.1\",\"version\":5,"
    "\"timestamp\":\"1764086400000\"}";

int main(void)
{
    char out[64], err[128];
    CHECK(zkparse_broker_endpoint(reg, sizeof reg - 1, "PLAINTEXT", NULL, out, sizeof out, err, sizeof err) ==
          0);
    CHECK_STR_EQ(out, "127.0.10.1:9092");
    CHECK(zkparse_broker_endpoint(reg, sizeof reg - 1, "PLAINTEXT", "WAN", out, sizeof out, err,
                                  sizeof err) == 0);
    CHECK_STR_EQ(out, "127.0.30.1:9093");
    CHECK(zkparse_broker_endpoint(reg, sizeof reg - 1, "SASL_SSL", NULL, out, sizeof out, err, sizeof err) ==
          0);
    CHECK_STR_EQ(out, "kafka01:9095");
    CHECK(zkparse_broker_endpoint(reg, sizeof reg - 1, "SSL", NULL, out, sizeof out, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "SSL");
    CHECK(zkparse_broker_endpoint(reg, sizeof reg - 1, "PLAINTEXT", "NOPE", out, sizeof out, err,
                                  sizeof err) == -1);
    /* Too small an output buffer is an error, never a truncated address. */
    CHECK(zkparse_broker_endpoint(reg, sizeof reg - 1, "PLAINTEXT", NULL, out, 8, err, sizeof err) == -1);
    /* An endpoint without a port (or with port 0 or 99999) is skipped, not handed to librdkafka
     * (found by fuzz_zkparse); the next usable one is taken. */
    const char noport[] =
        "{\"endpoints\":[\"PLAINTEXT://kafka01\",\"PLAINTEXT://h:0\",\"PLAINTEXT://h:99999\","
        "\"PLAINTEXT://[::1]:\",\"PLAINTEXT://h:9092\"]}";
    CHECK(zkparse_broker_endpoint(noport, sizeof noport - 1, "PLAINTEXT", NULL, out, sizeof out, err,
                                  sizeof err) == 0);
    CHECK_STR_EQ(out, "h:9092");
    const char only[] = "{\"endpoints\":[\"PLAINTEXT://kafka01\"]}";
    CHECK(zkparse_broker_endpoint(only, sizeof only - 1, "PLAINTEXT", NULL, out, sizeof out, err,
                                  sizeof err) == -1);
    /* No protocol map: listener name is the protocol. */
    const char old[] = "{\"endpoints\":[\"SSL://h:1\",\"PLAINTEXT://h:2\"]}";
    CHECK(zkparse_broker_endpoint(old, sizeof old - 1, "PLAINTEXT", NULL, out, sizeof out, err, sizeof err) ==
          0);
    CHECK_STR_EQ(out, "h:2");
    const char *bad[] = {"", "[]", "{", "{\"endpoints\":3}", "{\"endpoints\":[\"nourl\",\"X://\"]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(zkparse_broker_endpoint(bad[i], strlen(bad[i]), "PLAINTEXT", NULL, out, sizeof out, err,
                                      sizeof err) == -1);

    int32_t id = -1;
    const char ctl[] =
        "{\"version\":2,\"brokerid\":3,\"timestamp\":\"1764086400000\",\"kraftControllerEpoch\":-1}";
    CHECK(zkparse_controller(ctl, sizeof ctl - 1, &id, err, sizeof err) == 0);
    CHECK_INT_EQ(id, 3);
    CHECK(zkparse_controller("{\"brokerid\":\"3\"}", 16, &id, err, sizeof err) == -1);
    CHECK(zkparse_controller("{\"brokerid\":-2}", 15, &id, err, sizeof err) == -1);
    CHECK(zkparse_controller("nope", 4, &id, err, sizeof err) == -1);
    CHECK_INT_EQ(id, 3);
    return TEST_RESULT();
}
