/* zkparse.h -- the JSON that Kafka brokers write into ZooKeeper (pure parsing).
 *
 * /brokers/ids/<id>: {"endpoints":["PLAINTEXT://host:9092",...],
 *   "listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT",...},"host":..,"port":..}
 * /controller:       {"version":2,"brokerid":1,"timestamp":"..."} */
#ifndef KX_ZKPARSE_H
#define KX_ZKPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Picks the endpoint to bootstrap from: the one of listener `listener` if given,
 * else the first whose listener uses security protocol `protocol` ("PLAINTEXT",
 * "SSL", "SASL_PLAINTEXT", "SASL_SSL"). Writes "host:port" into out.
 * Returns 0, or -1 with a reason in err (bad JSON, no such endpoint). */
int zkparse_broker_endpoint(const char *json, size_t len, const char *protocol, const char *listener,
                            char *out, size_t outlen, char *err, size_t errlen);
/* Reads "brokerid" from /controller. Returns 0, or -1 with a reason in err. */
int zkparse_controller(const char *json, size_t len, int32_t *broker_id, char *err, size_t errlen);

#endif
