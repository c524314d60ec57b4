/* listen.h -- opens the listening socket for --web.listen-address (host:port, [v6]:port, :port). */
#ifndef EXP_LISTEN_H
#define EXP_LISTEN_H

#include <stddef.h>

/* Parses `addr` and returns a bound, listening, non-blocking socket. ":port"
 * listens on every address (IPv6 dual-stack when available, else IPv4).
 * `bound` receives the address actually bound ("[::]:9100", "127.0.0.1:40123").
 * On error returns -1 with a one-line reason in err. */
int listen_open(const char *addr, char *bound, size_t boundlen, char *err, size_t errlen);
/* Splits "host:port" / "[host]:port" / ":port"; host may come back empty.
 * Returns -1 with a reason in err if malformed. Exposed for tests. */
int listen_split(const char *addr, char *host, size_t hostlen, unsigned *port, char *err, size_t errlen);
/* Checks an address to connect to, as given in flag --`flag` (a Kafka bootstrap server): "host:port" or
 * "[ipv6]:port", several separated by commas; the host may not be empty, the port is 1-65535. 0, or -1
 * with a one-line reason naming the flag in err. */
int listen_check_peers(const char *flag, const char *list, char *err, size_t errlen);

#endif
