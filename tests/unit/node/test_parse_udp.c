/* test_parse_udp.c -- /proc/net/udp{,6}: queued bytes summed over sockets; malformed lines rejected. */
#include "check.h"
#include "parsers.h"

static int parse(const char *text, udp_queues *q)
{
    char buf[4096], err[256];
    snprintf(buf, sizeof buf, "%s", text);
    return udp_queues_parse(buf, q, err, sizeof err);
}

#define HEAD                                                                                                 \
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref " \
    "pointer drops\n"

int main(void)
{
    udp_queues q;
    /* Real lines (IPv4 and the longer IPv6 addresses); queues are hexadecimal. */
    CHECK(parse(HEAD
                "  133: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000   107        0 "
                "18233 2 0000000000000000 0\n"
                "  200: 0100007F:0035 00000000:0000 07 0000001A:00000A00 00:00000000 00000000     0        0 "
                "9001 2 0000000000000000 3\n"
                " 1024: 00000000000000000000000001000000:0202 00000000000000000000000000000000:0000 07 "
                "00000100:00000001 00:00000000 00000000     0        0 77 2 0000000000000000 0\n",
                &q) == 0);
    CHECK_NUM(q.tx, 0x1a + 0x100);
    CHECK_NUM(q.rx, 0xa00 + 1);
    CHECK_NUM(q.sockets, 3);

    /* No sockets: only the header, zero. */
    CHECK(parse(HEAD, &q) == 0 && q.tx == 0 && q.rx == 0 && q.sockets == 0);

    /* Garbage is an error, not a silent zero. */
    CHECK(parse("", &q) < 0);
    CHECK(parse(HEAD "  1: 00000000:14E9 00000000:0000 07 zz:00 00:00000000 00000000 0 0 1 2\n", &q) < 0);
    CHECK(parse(HEAD "  1: 00000000:14E9 00000000:0000 07 0000001A 00:00000000 00000000 0 0 1 2\n", &q) < 0);
    CHECK(parse(HEAD "  1: 00000000:14E9 00000000:0000 07 1:\n", &q) < 0);
    CHECK(parse(HEAD "  1: a b c 11111111111111111:0 e f g h i\n", &q) < 0);
    CHECK_DONE();
}
