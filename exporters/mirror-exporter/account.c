/* account.c -- the probe accounting state machine (see account.h). */
#include "account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SLOT_NONE, SLOT_PENDING, SLOT_INFLIGHT, SLOT_FAILED, SLOT_RECEIVED, SLOT_LOST, SLOT_LATE };

/* Standard latency bounds; those past the deadline are cut and replaced by deadline and 2x. */
static const double std_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3,
                                    0.4,   0.5,    0.75,  1,    1.5,   2,    3,     5,   7.5,  10,  15,
                                    20,    30,     45,    60,   90,    120,  180,   300, 600,  900, 1800};

account *account_new(const char *exporter_id, uint64_t run_id, double start, double deadline, size_t window)
{
    if (!probe_valid_id(exporter_id) || !(deadline > 0) || deadline > 86400)
        return NULL;
    account *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    snprintf(a->exporter_id, sizeof a->exporter_id, "%s", exporter_id);
    a->run_id = run_id;
    a->start = start;
    a->deadline = deadline;
    /* Exact, not rounded up to a power of two: at 64 partitions x 10/s and 2 min that is 1.5k
     * slots instead of 2k, a quarter of the accounting's memory. */
    a->window = window < 64 ? 64 : window > ((size_t)1 << 24) ? ((size_t)1 << 24) : window;
    for (size_t i = 0; i < sizeof std_bounds / sizeof std_bounds[0]; i++)
        if (std_bounds[i] < deadline && a->nbounds < ACCOUNT_MAX_BOUNDS - 2)
            a->bounds[a->nbounds++] = std_bounds[i];
    a->bounds[a->nbounds++] = deadline;
    a->bounds[a->nbounds++] = 2 * deadline;
    return a;
}

void account_free(account *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nparts; i++) {
        free(a->parts[i].state);
        free(a->parts[i].sent_ms);
        free(a->parts[i].bucket_counts);
    }
    free(a->parts);
    free(a);
}

int account_ensure_partitions(account *a, size_t n)
{
    if (n <= a->nparts)
        return 0;
    if (n > ACCOUNT_MAX_PARTITIONS)
        return -1;
    account_part *parts = realloc(a->parts, n * sizeof *parts);
    if (!parts)
        return -1;
    a->parts = parts;
    for (size_t i = a->nparts; i < n; i++) {
        account_part *p = &parts[i];
        memset(p, 0, sizeof *p);
        /* Touched now, so that the memory a run will use shows from its start. */
        p->state = malloc(a->window);
        p->sent_ms = malloc(a->window * sizeof *p->sent_ms);
        if (p->state)
            memset(p->state, 0, a->window);
        if (p->sent_ms)
            memset(p->sent_ms, 0, a->window * sizeof *p->sent_ms);
        p->bucket_counts = calloc(a->nbounds, sizeof *p->bucket_counts);
        p->last_received = a->start;
        if (!p->state || !p->sent_ms || !p->bucket_counts) {
            free(p->state);
            free(p->sent_ms);
            free(p->bucket_counts);
            return -1; /* the partitions before i stay usable */
        }
        a->nparts = i + 1;
    }
    return 0;
}

static account_part *part_at(account *a, int32_t p)
{
    return p >= 0 && (size_t)p < a->nparts ? &a->parts[p] : NULL;
}

static size_t slot_of(const account *a, uint64_t seq)
{
    return (size_t)(seq % a->window);
}

/* Milliseconds since the run started, modulo 2^32: ages are taken as differences modulo 2^32,
 * right for anything younger than 24 days (the deadline is at most one day), so a run never
 * outlives its clock (a plain count would stop at 49.7 days). */
static uint32_t run_ms(const account *a, double now)
{
    double ms = (now - a->start) * 1000.0;
    return ms <= 0 ? 0 : (uint32_t)(uint64_t)ms;
}

/* Seconds since slot's probe was sent (0 if the clock went backwards). */
static double sent_age(const account *a, const account_part *p, size_t slot, double now)
{
    uint32_t d = run_ms(a, now) - p->sent_ms[slot];
    return d >= UINT32_C(0x80000000) ? 0 : d / 1000.0;
}

static int unsettled(uint8_t s)
{
    return s == SLOT_PENDING || s == SLOT_INFLIGHT;
}

static void advance_base(account *a, account_part *p)
{
    while (p->base < p->next_seq && !unsettled(p->state[slot_of(a, p->base)]))
        p->base++;
}

int account_on_send(account *a, int32_t pi, double now, uint64_t *seq)
{
    account_part *p = part_at(a, pi);
    if (!p)
        return -1;
    size_t slot = slot_of(a, p->next_seq);
    if (p->next_seq >= a->window) {
        uint64_t evicted = p->next_seq - a->window;
        if (unsettled(p->state[slot])) {
            /* The ring wrapped over a probe still unsettled: the window is too small for the
             * deadline; settle it now rather than lose track of it silently. */
            p->lost++;
            p->in_flight--;
        }
        if (p->base <= evicted)
            p->base = evicted + 1;
    }
    p->state[slot] = SLOT_PENDING;
    p->sent_ms[slot] = run_ms(a, now);
    p->in_flight++;
    *seq = p->next_seq++;
    advance_base(a, p);
    return 0;
}

static int in_window(const account *a, const account_part *p, uint64_t seq)
{
    return seq < p->next_seq && p->next_seq - seq <= a->window;
}

void account_on_ack(account *a, int32_t pi, uint64_t seq, int ok)
{
    account_part *p = part_at(a, pi);
    if (!p || !in_window(a, p, seq))
        return;
    uint8_t *s = &p->state[slot_of(a, seq)];
    if (ok) {
        p->sent++;
        if (*s == SLOT_PENDING)
            *s = SLOT_INFLIGHT;
        return;
    }
    p->send_errors++;
    if (*s == SLOT_PENDING) {
        *s = SLOT_FAILED;
        p->in_flight--;
        advance_base(a, p);
    }
}

static void observe_latency(account *a, account_part *p, double latency)
{
    if (latency < 0)
        latency = 0;
    p->latency_sum += latency;
    for (size_t i = 0; i < a->nbounds; i++)
        if (latency <= a->bounds[i]) {
            p->bucket_counts[i]++;
            return;
        }
    p->inf_count++;
}

recv_outcome account_on_receive(account *a, const probe *pr, int32_t arrived_on, double now)
{
    if (strcmp(pr->exporter_id, a->exporter_id) != 0) {
        a->foreign++;
        return RECV_FOREIGN;
    }
    if (pr->run_id != a->run_id) {
        a->earlier_run++;
        return RECV_EARLIER_RUN;
    }
    account_part *p = part_at(a, pr->partition);
    if (!p || pr->partition != arrived_on || pr->seq >= p->next_seq) {
        a->invalid++;
        return RECV_INVALID;
    }
    if (!in_window(a, p, pr->seq)) {
        p->untracked++;
        return RECV_UNTRACKED;
    }
    uint8_t *s = &p->state[slot_of(a, pr->seq)];
    recv_outcome out;
    switch (*s) {
    case SLOT_RECEIVED:
    case SLOT_LATE:
        p->duplicated++;
        return RECV_DUPLICATE;
    case SLOT_LOST:
        p->late++;
        *s = SLOT_LATE;
        out = RECV_LATE;
        break;
    case SLOT_PENDING:
    case SLOT_INFLIGHT:
        p->in_flight--;
        /* fall through */
    default: /* FAILED: the producer gave up, yet the broker had it */
        *s = SLOT_RECEIVED;
        out = RECV_OK;
        break;
    }
    p->received++;
    if (pr->seq + 1 < p->max_received)
        p->reordered++;
    else
        p->max_received = pr->seq + 1;
    p->last_received = now;
    observe_latency(a, p, now - (double)pr->send_ns / 1e9);
    advance_base(a, p);
    return out;
}

void account_on_invalid(account *a)
{
    a->invalid++;
}

void account_tick(account *a, double now)
{
    for (size_t i = 0; i < a->nparts; i++) {
        account_part *p = &a->parts[i];
        for (uint64_t seq = p->base; seq < p->next_seq; seq++) {
            size_t slot = slot_of(a, seq);
            if (!unsettled(p->state[slot]))
                continue;
            if (sent_age(a, p, slot, now) < a->deadline)
                break; /* sent in order: every later one is younger */
            p->state[slot] = SLOT_LOST;
            p->lost++;
            p->in_flight--;
        }
        advance_base(a, p);
    }
}

double account_oldest_in_flight_age(const account *a, int32_t pi, double now)
{
    if (pi < 0 || (size_t)pi >= a->nparts)
        return 0;
    const account_part *p = &a->parts[pi];
    for (uint64_t seq = p->base; seq < p->next_seq; seq++) {
        size_t slot = slot_of(a, seq);
        if (unsettled(p->state[slot]))
            return sent_age(a, p, slot, now);
    }
    return 0;
}

double account_last_received_age(const account *a, int32_t pi, double now)
{
    if (pi < 0 || (size_t)pi >= a->nparts)
        return 0;
    double age = now - a->parts[pi].last_received;
    return age > 0 ? age : 0;
}
