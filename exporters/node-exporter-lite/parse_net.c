/* parse_net.c -- /proc/net/sockstat, /proc/net/netstat, /proc/net/snmp and snmp6; udev property files. */
#include "parsers.h"

#include <string.h>

#include "textutil.h"

int sockstat_parse(char *text, sockstat_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *f, *proto;
    int lineno = 0;
    while (text_next_keyed(&cur, &lineno, &proto, &f)) {
        if (text_strip_colon(proto) < 0)
            return text_fail(err, errlen, lineno, "expected \"PROTO: key value ...\"");
        char *key;
        while ((key = text_next_field(&f))) {
            char *val = text_next_field(&f);
            uint64_t v;
            if (!val || text_u64(val, &v) < 0)
                return text_fail(err, errlen, lineno, "expected key value pairs");
            cb(arg, proto, key, v);
        }
    }
    return 0;
}

int netstat_parse(char *text, netstat_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *names;
    int lineno = 0;
    while ((names = text_next_line(&cur))) {
        lineno++;
        if (!*text_trim(names))
            continue;
        char *values = text_next_line(&cur);
        lineno++;
        if (!values)
            return text_fail(err, errlen, lineno, "header line without a value line");
        char *nf = names, *vf = values;
        char *proto = text_next_field(&nf), *vproto = text_next_field(&vf);
        size_t plen = proto ? strlen(proto) : 0;
        if (plen < 2 || proto[plen - 1] != ':' || !vproto || strcmp(proto, vproto) != 0)
            return text_fail(err, errlen, lineno, "header and value lines differ in protocol");
        proto[plen - 1] = '\0';
        char *name;
        while ((name = text_next_field(&nf))) {
            char *val = text_next_field(&vf);
            double v;
            if (!val || text_double(val, &v) < 0)
                return text_fail(err, errlen, lineno, "missing or non-numeric value");
            cb(arg, proto, name, v);
        }
        if (text_next_field(&vf))
            return text_fail(err, errlen, lineno, "more values than names");
    }
    return 0;
}

int snmp6_parse(char *text, netstat_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *f, *key;
    int lineno = 0;
    while (text_next_keyed(&cur, &lineno, &key, &f)) {
        char *val = text_next_field(&f);
        double v;
        if (!val || text_next_field(&f) || text_double(val, &v) < 0)
            return text_fail(err, errlen, lineno, "expected \"Name value\"");
        char *six = strchr(key, '6');
        if (!six || !six[1])
            continue; /* node_exporter skips keys without a protocol prefix */
        char proto[64];
        size_t plen = (size_t)(six - key) + 1;
        if (plen >= sizeof proto)
            return text_fail(err, errlen, lineno, "protocol name too long");
        memcpy(proto, key, plen);
        proto[plen] = '\0';
        cb(arg, proto, six + 1, v);
    }
    return 0;
}

int udev_parse(char *text, kv_cb cb, void *arg, char *err, size_t errlen)
{
    char *cur = text, *line;
    int lineno = 0;
    while ((line = text_next_line(&cur))) {
        lineno++;
        if (strncmp(line, "E:", 2) != 0)
            continue;
        char *eq = strchr(line + 2, '=');
        if (!eq)
            continue; /* node_exporter skips a property without a value */
        if (eq == line + 2)
            return text_fail(err, errlen, lineno, "property without a name");
        *eq = '\0';
        cb(arg, line + 2, eq + 1);
    }
    return 0;
}
