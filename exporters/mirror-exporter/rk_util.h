/* rk_util.h -- creating librdkafka handles the same way for every thread, and small helpers. */
#ifndef MIRROR_RK_UTIL_H
#define MIRROR_RK_UTIL_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "flags.h"

/* Creates a handle of `type` for `bootstrap`, with `options` (name=value librdkafka settings,
 * applied last) and `extra` (NULL-terminated name, value pairs). `label` names the handle in
 * logs. Returns NULL with a reason in err. `conf_hook`, if not NULL, may add callbacks. */
rd_kafka_t *rk_new(rd_kafka_type_t type, const char *label, const char *bootstrap, const strlist *options,
                   const char *const *extra, void (*conf_hook)(rd_kafka_conf_t *conf, void *arg), void *arg,
                   char *err, size_t errlen);
/* Milliseconds for a librdkafka timeout from seconds (at least 1). */
int rk_ms(double seconds);

#endif
