/* account.h -- per-(run, partition) probe accounting: the state machine that decides, for every
 * probe this run sent, whether it was received, lost, duplicated, reordered or late.
 *
 * Pure: no I/O, no clock, no locks (the caller holds the state mutex and passes `now`, in
 * CLOCK_MONOTONIC seconds). Each partition keeps a ring of the last `window` sequence numbers
 * (more than the probes sent per deadline); a slot moves
 *   PENDING --ack ok--> INFLIGHT --received--> RECEIVED --received again--> (duplicate)
 *   PENDING --ack failed--> FAILED (counted as a send error, not as loss)
 *   PENDING/INFLIGHT --deadline passed--> LOST --received--> LATE
 * Probes of an earlier run of this exporter are settled (counted apart, not as loss or
 * duplicates); probes of other exporters are ignored; a probe of this run that was never sent,
 * or that arrives on another partition than it names, is invalid. */
#ifndef MIRROR_ACCOUNT_H
#define MIRROR_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define ACCOUNT_MAX_BOUNDS 40
#define ACCOUNT_MAX_PARTITIONS 4096

typedef enum {
    RECV_OK,          /* first receipt, in time */
    RECV_LATE,        /* first receipt after it was counted lost */
    RECV_DUPLICATE,   /* an exact re-delivery */
    RECV_UNTRACKED,   /* this run, but older than the window: cannot be classified */
    RECV_EARLIER_RUN, /* this exporter, earlier run: settled */
    RECV_FOREIGN,     /* another exporter's probe: ignored */
    RECV_INVALID,     /* claims to be ours but was never sent, or wrong partition */
} recv_outcome;

typedef struct account_part {
    uint64_t next_seq;     /* sequence number of the next probe to send */
    uint64_t base;         /* every seq below base is settled */
    uint64_t max_received; /* highest seq received, plus one; 0 if none */
    uint8_t *state;        /* ring of `window` slots */
    uint32_t *sent_ms;     /* send time, ms since the run started, modulo 2^32 */
    double last_received;  /* monotonic seconds; the run start until the first receipt */
    uint64_t in_flight;
    uint64_t sent, send_errors, received, lost, duplicated, reordered, late, untracked;
    uint64_t *bucket_counts; /* nbounds per-bucket (not cumulative) counts */
    uint64_t inf_count;
    double latency_sum;
} account_part;

typedef struct account {
    char exporter_id[PROBE_ID_MAX + 1];
    uint64_t run_id;
    double start;    /* monotonic seconds at run start */
    double deadline; /* seconds after sending at which an unreceived probe counts as lost */
    size_t window;
    double bounds[ACCOUNT_MAX_BOUNDS];
    size_t nbounds;
    account_part *parts;
    size_t nparts;
    uint64_t invalid, earlier_run, foreign;
} account;

/* Creates the accounting of one run, tracking `window` sequence numbers per partition (min 64).
 * Returns NULL if the id is not a valid probe id, deadline <= 0 or memory ran out. */
account *account_new(const char *exporter_id, uint64_t run_id, double start, double deadline, size_t window);
void account_free(account *a);
/* Grows to n partitions (never shrinks). 0, or -1 if n is too large or memory ran out. */
int account_ensure_partitions(account *a, size_t n);
/* Reserves the next sequence number of partition p for a probe sent at `now`. Returns 0 and
 * *seq, or -1 if p is out of range. If the ring is full of unsettled probes, the oldest is
 * counted lost to make room. */
int account_on_send(account *a, int32_t p, double now, uint64_t *seq);
/* The producer's delivery report for (p, seq). */
void account_on_ack(account *a, int32_t p, uint64_t seq, int ok);
/* A decoded probe read from partition `arrived_on` of the mirrored topic at `now` (monotonic
 * seconds, the clock of probe->send_ns). */
recv_outcome account_on_receive(account *a, const probe *pr, int32_t arrived_on, double now);
/* A record of the mirrored topic that is not a probe at all. */
void account_on_invalid(account *a);
/* Counts as lost every probe older than the deadline that has not arrived. */
void account_tick(account *a, double now);

double account_oldest_in_flight_age(const account *a, int32_t p, double now);
double account_last_received_age(const account *a, int32_t p, double now);

#endif
