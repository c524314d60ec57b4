/* collectors.h -- kafka-exporter's collectors (one file each) and the table main() registers. */
#ifndef KX_COLLECTORS_H
#define KX_COLLECTORS_H

#include "collector.h"

int kx_collect_brokers(expo *w, collector_ctx *ctx);
int kx_collect_topics(expo *w, collector_ctx *ctx);
int kx_collect_consumergroups(expo *w, collector_ctx *ctx);
int kx_collect_zookeeper(expo *w, collector_ctx *ctx);

extern const collector kx_collectors[];
extern const size_t kx_ncollectors;

#endif
