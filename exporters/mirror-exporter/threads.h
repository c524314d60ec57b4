/* threads.h -- the exporter's background threads (model in state.h). Each takes the
 * mirror_state and runs until s->stopping is set. */
#ifndef MIRROR_THREADS_H
#define MIRROR_THREADS_H

void *probe_sender_main(void *state);
void *downstream_reader_main(void *state);
void *sync_reader_main(void *state);
void *poller_main(void *state);

#endif
