/* collectors.h -- the mirror-exporter's collectors; each reads the shared state only. */
#ifndef MIRROR_COLLECTORS_H
#define MIRROR_COLLECTORS_H

#include "collector.h"

int collect_up(expo *w, collector_ctx *ctx);
int collect_probe(expo *w, collector_ctx *ctx);
int collect_lag(expo *w, collector_ctx *ctx);
int collect_mm2(expo *w, collector_ctx *ctx);
int collect_connect(expo *w, collector_ctx *ctx);

#endif
