/* oauth.h -- OAUTHBEARER tokens from an OAuth 2.0 token endpoint (client-credentials grant), for
 * danielqsj's --sasl.mechanism=oauthbearer --sasl.oauthbearer-token-url.
 *
 * librdkafka can fetch such tokens itself (sasl.oauthbearer.method=oidc), but only when built with
 * libcurl, and Debian's 2.0.2 is not: the exporter fetches them (libcurl) in librdkafka's token refresh
 * callback, which librdkafka calls again at 80% of each token's lifetime. The callback runs on the
 * thread that serves the main queue (rdk.c's poll thread). */
#ifndef KX_OAUTH_H
#define KX_OAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* Sets up the token source and registers the refresh callback on conf. The client id and secret are
 * copied (the secret is wiped at kx_oauth_stop). Returns 0, or -1 with a reason (no secret in it). */
int kx_oauth_setup(rd_kafka_conf_t *conf, const char *token_url, const char *client_id, const char *secret,
                   char *err, size_t errlen);
/* Forgets the client secret. Safe to call without setup. */
void kx_oauth_stop(void);
/* Tokens fetched so far (successfully); for the log and tests. */
unsigned long kx_oauth_fetched(void);

/* Parses a token endpoint's JSON answer: the access token (malloc'd into *token) and its lifetime in
 * seconds (expires_in; 0 if absent). Returns 0, or -1 with the endpoint's "error" (and
 * "error_description") or a parse failure in err. Pure. */
int kx_oauth_parse_response(const char *body, size_t len, char **token, long *expires_in, char *err,
                            size_t errlen);
/* The "sub" and "exp" claims of a JWT (its payload decoded, signature unchecked: the broker checks it).
 * Returns 0 if the token is a JWT with a string sub; *exp is 0 if it has none. Pure. */
int kx_jwt_claims(const char *jwt, char *sub, size_t sublen, long long *exp);

#endif
