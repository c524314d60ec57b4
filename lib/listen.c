/* listen.c -- parses listen addresses and binds the server socket (listen.h). */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flags.h"
#include "parse.h"

int listen_split(const char *addr, char *host, size_t hostlen, unsigned *port, char *err, size_t errlen)
{
    const char *colon;
    const char *h = addr;
    size_t hl;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':') {
            snprintf(err, errlen, "listen address \"%s\": want [ipv6]:port", addr);
            return -1;
        }
        h = addr + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon) {
            snprintf(err, errlen, "listen address \"%s\": missing port (want host:port or :port)", addr);
            return -1;
        }
        hl = (size_t)(colon - addr);
        if (memchr(addr, ':', hl)) {
            snprintf(err, errlen, "listen address \"%s\": put IPv6 addresses in brackets, [::1]:port", addr);
            return -1;
        }
    }
    uint64_t p;
    if (parse_uint64(colon + 1, &p) < 0 || p > 65535) {
        snprintf(err, errlen, "listen address \"%s\": bad port \"%s\"", addr, colon + 1);
        return -1;
    }
    if (hl >= hostlen) {
        snprintf(err, errlen, "listen address \"%s\": host name too long", addr);
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (unsigned)p;
    return 0;
}

static int check_peer(const char *flag, const char *a, size_t n, char *err, size_t errlen)
{
    char q[96], one[300];
    if (n >= sizeof one) {
        snprintf(err, errlen, "--%s: address of %zu bytes is too long", flag, n);
        return -1;
    }
    memcpy(one, a, n);
    one[n] = '\0';
    flag_quote(one, q, sizeof q);
    const char *colon = one[0] == '[' ? strstr(one, "]:") : strrchr(one, ':');
    if (one[0] == '[') {
        char v6[64];
        struct in6_addr ia;
        size_t hl = colon ? (size_t)(colon - one - 1) : 0;
        if (hl > 0 && hl < sizeof v6) {
            memcpy(v6, one + 1, hl);
            v6[hl] = '\0';
        }
        if (hl == 0 || hl >= sizeof v6 || inet_pton(AF_INET6, v6, &ia) != 1) {
            snprintf(err, errlen, "--%s %s: want [ipv6]:port", flag, q);
            return -1;
        }
        colon++;
    } else if (!colon) {
        snprintf(err, errlen, "--%s %s: missing port (want host:port)", flag, q);
        return -1;
    } else if (colon == one) {
        snprintf(err, errlen, "--%s %s: missing host (want host:port)", flag, q);
        return -1;
    } else {
        for (const char *h = one; h < colon; h++) {
            if (*h == ':') {
                snprintf(err, errlen, "--%s %s: put IPv6 addresses in brackets, [::1]:port", flag, q);
                return -1;
            }
            if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') ||
                  *h == '.' || *h == '-' || *h == '_')) {
                snprintf(err, errlen, "--%s %s: bad character in the host name", flag, q);
                return -1;
            }
        }
    }
    uint64_t port;
    if (parse_uint64(colon + 1, &port) < 0 || port == 0 || port > 65535) {
        snprintf(err, errlen, "--%s %s: bad port (want 1-65535)", flag, q);
        return -1;
    }
    return 0;
}

int listen_check_peers(const char *flag, const char *list, char *err, size_t errlen)
{
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0) {
            snprintf(err, errlen, "--%s: empty address (want host:port)", flag);
            return -1;
        }
        if (check_peer(flag, p, n, err, errlen) < 0)
            return -1;
        if (!end)
            return 0;
        p = end + 1;
    }
}

/* Binds and listens on one address; returns the socket or -1 with errno set. */
static int bind_one(const struct sockaddr *sa, socklen_t salen, int v6only)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (sa->sa_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    if (bind(fd, sa, salen) < 0 || listen(fd, 128) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void describe(int fd, char *bound, size_t boundlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
            port = ntohs(s6->sin6_port);
            snprintf(bound, boundlen, "[%s]:%u", ip, port);
            return;
        }
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        port = ntohs(s4->sin_port);
    }
    snprintf(bound, boundlen, "%s:%u", ip, port);
}

int listen_open(const char *addr, char *bound, size_t boundlen, char *err, size_t errlen)
{
    char host[256];
    unsigned port;
    if (listen_split(addr, host, sizeof(host), &port, err, errlen) < 0)
        return -1;
    int fd = -1;
    if (host[0] == '\0') {
        struct sockaddr_in6 s6 = {
            .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port), .sin6_addr = IN6ADDR_ANY_INIT};
        fd = bind_one((struct sockaddr *)&s6, sizeof(s6), 0);
        if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
            struct sockaddr_in s4 = {.sin_family = AF_INET,
                                     .sin_port = htons((uint16_t)port),
                                     .sin_addr.s_addr = htonl(INADDR_ANY)};
            fd = bind_one((struct sockaddr *)&s4, sizeof(s4), 0);
        }
        if (fd < 0) {
            snprintf(err, errlen, "listen address \"%s\": %s", addr, strerror(errno));
            return -1;
        }
    } else {
        struct addrinfo hints = {
            .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
        struct addrinfo *res = NULL;
        char portstr[8];
        snprintf(portstr, sizeof(portstr), "%u", port);
        int gai = getaddrinfo(host, portstr, &hints, &res);
        if (gai != 0) {
            snprintf(err, errlen, "listen address \"%s\": %s", addr, gai_strerror(gai));
            return -1;
        }
        int e = 0;
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
            fd = bind_one(ai->ai_addr, ai->ai_addrlen, 1);
            if (fd < 0)
                e = errno;
        }
        freeaddrinfo(res);
        if (fd < 0) {
            snprintf(err, errlen, "listen address \"%s\": %s", addr, strerror(e));
            return -1;
        }
    }
    describe(fd, bound, boundlen);
    return fd;
}
