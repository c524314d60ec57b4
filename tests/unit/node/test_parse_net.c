/* test_parse_net.c -- /proc/net parsers (dev, sockstat, netstat, snmp, snmp6) and udev data. */
#include "check.h"
#include "parsers.h"

static netdev_rec devs[8];
static char dev_names[8][32];
static int ndevs;
static void on_dev(void *arg, const netdev_rec *r)
{
    (void)arg;
    if (ndevs < 8) {
        devs[ndevs] = *r;
        snprintf(dev_names[ndevs], 32, "%s", r->name);
        devs[ndevs].name = dev_names[ndevs];
        ndevs++;
    }
}

static void test_netdev(void)
{
    char err[128];
    char *t = fixture("netdev");
    ndevs = 0;
    CHECK(netdev_parse(t, on_dev, NULL, err, sizeof err) == 0);
    CHECK(ndevs == 4);
    CHECK_STR(devs[0].name, "lo");
    CHECK_STR(devs[3].name, "eth0");
    CHECK(devs[3].v[0] == 412092959 && devs[3].v[1] == 12695 && devs[3].v[8] == 1386923 &&
          devs[3].v[9] == 9957);
    CHECK_STR(netdev_field_names[13], "transmit_colls");
    free(t);

    const char *bad[] = {"eth0: 1 2 3\n", "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n",
                         "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", "garbage line\n",
                         " : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(netdev_parse(t, on_dev, NULL, err, sizeof err) == -1);
        free(t);
    }
}

typedef struct triple {
    char a[32], b[64];
    double v;
} triple;
static triple trip[256];
static int ntrip;
static void on_sock(void *arg, const char *proto, const char *key, uint64_t v)
{
    (void)arg;
    if (ntrip < 256) {
        snprintf(trip[ntrip].a, 32, "%s", proto);
        snprintf(trip[ntrip].b, 64, "%s", key);
        trip[ntrip++].v = (double)v;
    }
}
static void on_stat(void *arg, const char *proto, const char *name, double v)
{
    (void)arg;
    if (ntrip < 256) {
        snprintf(trip[ntrip].a, 32, "%s", proto);
        snprintf(trip[ntrip].b, 64, "%s", name);
        trip[ntrip++].v = v;
    }
}
static double trip_get(const char *a, const char *b)
{
    for (int i = 0; i < ntrip; i++)
        if (strcmp(trip[i].a, a) == 0 && strcmp(trip[i].b, b) == 0)
            return trip[i].v;
    return -12345;
}

static void test_sockstat(void)
{
    char err[128];
    char *t = fixture("sockstat");
    ntrip = 0;
    CHECK(sockstat_parse(t, on_sock, NULL, err, sizeof err) == 0);
    CHECK_NUM(trip_get("sockets", "used"), 16);
    CHECK_NUM(trip_get("TCP", "mem"), 115);
    CHECK_NUM(trip_get("FRAG", "memory"), 0);
    CHECK(ntrip == 12);
    free(t);
    t = fixture("sockstat6");
    ntrip = 0;
    CHECK(sockstat_parse(t, on_sock, NULL, err, sizeof err) == 0 && ntrip == 6);
    CHECK_NUM(trip_get("TCP6", "inuse"), 0);
    free(t);
    const char *bad[] = {"TCP inuse 1\n", "TCP: inuse\n", "TCP: inuse x\n", "TCP: inuse -1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(sockstat_parse(t, on_sock, NULL, err, sizeof err) == -1);
        free(t);
    }
}

static void test_netstat(void)
{
    char err[128];
    char *t = fixture("netstat");
    ntrip = 0;
    CHECK(netstat_parse(t, on_stat, NULL, err, sizeof err) == 0);
    CHECK_NUM(trip_get("IpExt", "InOctets"), 412024457);
    CHECK_NUM(trip_get("TcpExt", "SyncookiesSent"), 0);
    CHECK_NUM(trip_get("TcpExt", "TW"), 160);
    free(t);
    t = fixture("snmp");
    ntrip = 0;
    CHECK(netstat_parse(t, on_stat, NULL, err, sizeof err) == 0);
    CHECK_NUM(trip_get("Ip", "Forwarding"), 2);
    CHECK_NUM(trip_get("Icmp", "InMsgs"), 1);
    CHECK_NUM(trip_get("Tcp", "MaxConn"), -1); /* the one negative value in the kernel's tables */
    free(t);
    t = fixture("snmp6");
    ntrip = 0;
    CHECK(snmp6_parse(t, on_stat, NULL, err, sizeof err) == 0);
    CHECK(ntrip == 90);
    CHECK_NUM(trip_get("Ip6", "InOctets"), 128);
    CHECK_NUM(trip_get("Icmp6", "InMsgs"), 1);
    CHECK_NUM(trip_get("Udp6", "InDatagrams"), 0);
    free(t);

    const char *bad[] = {"Tcp: A B\n",         "Tcp: A B\nUdp: 1 2\n", "Tcp: A B\nTcp: 1\n",
                         "Tcp: A\nTcp: 1 2\n", "Tcp: A\nTcp: x\n",     "Tcp A\nTcp 1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(netstat_parse(t, on_stat, NULL, err, sizeof err) == -1);
        free(t);
    }
    const char *bad6[] = {"Ip6InOctets\n", "Ip6InOctets x\n", "Ip6InOctets 1 2\n"};
    for (size_t i = 0; i < sizeof bad6 / sizeof bad6[0]; i++) {
        t = dup_text(bad6[i]);
        CHECK(snmp6_parse(t, on_stat, NULL, err, sizeof err) == -1);
        free(t);
    }
}

static char kv[8][2][64];
static int nkv;
static void on_kv(void *arg, const char *k, const char *v)
{
    (void)arg;
    if (nkv < 8) {
        snprintf(kv[nkv][0], 64, "%s", k);
        snprintf(kv[nkv][1], 64, "%s", v);
        nkv++;
    }
}

static void test_udev(void)
{
    char err[128];
    char *t = dup_text("S:disk/by-id/virtio-abc\nW:1\nE:ID_PATH=pci-0000:00:05.0\nE:ID_SERIAL_SHORT=abc=1\n"
                       "G:systemd\n");
    nkv = 0;
    CHECK(udev_parse(t, on_kv, NULL, err, sizeof err) == 0 && nkv == 2);
    CHECK_STR(kv[0][0], "ID_PATH");
    CHECK_STR(kv[0][1], "pci-0000:00:05.0");
    CHECK_STR(kv[1][1], "abc=1");
    free(t);
    t = dup_text("E:NOVALUE\nE:ID_ATA=1\n"); /* skipped, as node_exporter does */
    nkv = 0;
    CHECK(udev_parse(t, on_kv, NULL, err, sizeof err) == 0 && nkv == 1);
    CHECK_STR(kv[0][0], "ID_ATA");
    free(t);
    t = dup_text("E:=value\n");
    CHECK(udev_parse(t, on_kv, NULL, err, sizeof err) == -1);
    free(t);
}

int main(void)
{
    test_netdev();
    test_sockstat();
    test_netstat();
    test_udev();
    CHECK_DONE();
}
