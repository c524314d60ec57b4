/* start.h -- mirror-exporter's exporter_def.start and .stop (exporter.h). */
#ifndef MIRROR_START_H
#define MIRROR_START_H

#include <pthread.h>
#include <stddef.h>

#include "state.h"

/* Loads the option files, derives names, makes the probe accounting and both clients, starts the
 * four threads. Returns 0, or -1 with a reason in err after undoing all of it: no thread runs, no
 * client is left, s->acct is freed (exporter.h's contract). Runs on the main thread. */
int mirror_start(void *state, char *err, size_t errlen);
/* Stops and joins the threads, closes the clients (committing the final offsets) and frees the
 * (mirror_state_release frees the rest). Safe on a partly started or a stopped state. */
void mirror_stop(void *state);
/* How start makes its threads: pthread_create, swapped by a unit test to fail the Nth one. */
extern int (*mirror_thread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

#endif
