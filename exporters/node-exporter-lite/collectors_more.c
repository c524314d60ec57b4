/* collectors_more.c -- shutdown of the NODE_COLLECTORS_MORE collectors' kept-open files. */
#include "node.h"

void collector_arp_free(void);
void collector_conntrack_free(void);
void collector_netclass_free(void);
void collector_schedstat_free(void);
void collector_softnet_free(void);
void collector_udp_queues_free(void);

void collectors_more_free(void)
{
    collector_arp_free();
    collector_conntrack_free();
    collector_netclass_free();
    collector_schedstat_free();
    collector_softnet_free();
    collector_udp_queues_free();
}
