/* zkparse.c -- broker registrations and the controller znode, parsed with jansson. */
#include "zkparse.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* 1 if s is "host:port" with a host and a port of 1-65535 (found by the fuzzer: "PLAINTEXT://host"
 * without a port was handed to librdkafka as a bootstrap server). */
static int has_port(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1] || strlen(colon + 1) > 5)
        return 0;
    long port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        port = port * 10 + (*p - '0');
    }
    return port >= 1 && port <= 65535;
}

/* Splits "NAME://host:port" into the listener name and "host:port". */
static int split_endpoint(const char *ep, char *name, size_t namelen, const char **hostport)
{
    const char *sep = strstr(ep, "://");
    if (!sep || sep == ep || (size_t)(sep - ep) >= namelen || !has_port(sep + 3))
        return -1;
    memcpy(name, ep, (size_t)(sep - ep));
    name[sep - ep] = '\0';
    *hostport = sep + 3;
    return 0;
}

int zkparse_broker_endpoint(const char *json, size_t len, const char *protocol, const char *listener,
                            char *out, size_t outlen, char *err, size_t errlen)
{
    int rc = -1;
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    if (!root || !json_is_object(root)) {
        snprintf(err, errlen, "broker registration is not a JSON object: %s", root ? "" : jerr.text);
        goto out;
    }
    json_t *endpoints = json_object_get(root, "endpoints");
    json_t *protomap = json_object_get(root, "listener_security_protocol_map");
    if (!json_is_array(endpoints)) {
        snprintf(err, errlen, "broker registration has no \"endpoints\" array");
        goto out;
    }
    size_t i;
    json_t *ep;
    json_array_foreach(endpoints, i, ep)
    {
        char name[64];
        const char *hostport;
        if (!json_is_string(ep) || split_endpoint(json_string_value(ep), name, sizeof name, &hostport) != 0)
            continue;
        bool wanted;
        if (listener && *listener) {
            wanted = strcmp(name, listener) == 0;
        } else {
            /* Without a protocol map, Kafka's convention is listener name == protocol. */
            json_t *p = json_is_object(protomap) ? json_object_get(protomap, name) : NULL;
            const char *proto = json_is_string(p) ? json_string_value(p) : name;
            wanted = strcmp(proto, protocol) == 0;
        }
        if (!wanted)
            continue;
        int n = snprintf(out, outlen, "%s", hostport);
        if (n < 0 || (size_t)n >= outlen) {
            snprintf(err, errlen, "endpoint too long");
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (listener && *listener)
        snprintf(err, errlen, "no endpoint for listener %s", listener);
    else
        snprintf(err, errlen, "no endpoint with security protocol %s", protocol);
out:
    json_decref(root);
    return rc;
}

int zkparse_controller(const char *json, size_t len, int32_t *broker_id, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    json_t *id = root ? json_object_get(root, "brokerid") : NULL;
    int rc = -1;
    if (!root)
        snprintf(err, errlen, "controller znode is not JSON: %s", jerr.text);
    else if (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) > INT32_MAX)
        snprintf(err, errlen, "controller znode has no valid \"brokerid\"");
    else {
        *broker_id = (int32_t)json_integer_value(id);
        rc = 0;
    }
    json_decref(root);
    return rc;
}
