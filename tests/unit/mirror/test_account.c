/* test_account.c -- the per-(run, partition) probe accounting state machine. */
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "test.h"

#define RUN 1000

static probe mk(const char *id, uint64_t run, int32_t part, uint64_t seq, double sent)
{
    probe p;
    memset(&p, 0, sizeof p);
    snprintf(p.exporter_id, sizeof p.exporter_id, "%s", id);
    p.run_id = run;
    p.partition = part;
    p.seq = seq;
    p.send_ns = (uint64_t)(sent * 1e9);
    return p;
}

/* Sends one probe on partition `part` at time t and acks it; returns its seq. */
static uint64_t send_ok(account *a, int32_t part, double t)
{
    uint64_t seq = 0;
    CHECK(account_on_send(a, part, t, &seq) == 0);
    account_on_ack(a, part, seq, 1);
    return seq;
}

static void in_order_and_latency(void)
{
    account *a = account_new("me", RUN, 100.0, 30.0, 0);
    CHECK(a && account_ensure_partitions(a, 2) == 0);
    for (int i = 0; i < 10; i++) {
        uint64_t s = send_ok(a, 0, 100.0 + i);
        probe p = mk("me", RUN, 0, s, 100.0 + i);
        CHECK(account_on_receive(a, &p, 0, 100.0 + i + 0.18) == RECV_OK);
    }
    account_part *p0 = &a->parts[0];
    CHECK_INT_EQ(p0->sent, 10);
    CHECK_INT_EQ(p0->received, 10);
    CHECK_INT_EQ(p0->in_flight, 0);
    CHECK_INT_EQ(p0->reordered + p0->duplicated + p0->lost + p0->late, 0);
    /* 0.18 s lands in the (0.15, 0.2] bucket; the sum is 10 x 0.18. */
    size_t b = 0;
    while (a->bounds[b] < 0.2 - 1e-9)
        b++;
    CHECK_INT_EQ(p0->bucket_counts[b], 10);
    CHECK(p0->latency_sum > 1.79 && p0->latency_sum < 1.81);
    /* Buckets reach past the deadline. */
    CHECK(a->bounds[a->nbounds - 1] > a->deadline);
    CHECK(account_last_received_age(a, 0, 115.18) > 5.99 && account_last_received_age(a, 0, 115.18) < 6.01);
    CHECK(account_oldest_in_flight_age(a, 0, 120) == 0);
    /* Partition 1 never received anything: its age runs from the start of the run. */
    CHECK(account_last_received_age(a, 1, 130.0) > 29.9);
    account_free(a);
}

static void loss_late_duplicate_reorder(void)
{
    account *a = account_new("me", RUN, 0.0, 10.0, 0);
    CHECK(a && account_ensure_partitions(a, 1) == 0);
    uint64_t s0 = send_ok(a, 0, 1), s1 = send_ok(a, 0, 2), s2 = send_ok(a, 0, 3);
    CHECK_INT_EQ(a->parts[0].in_flight, 3);
    CHECK(account_oldest_in_flight_age(a, 0, 5) > 3.99 && account_oldest_in_flight_age(a, 0, 5) < 4.01);
    probe p2 = mk("me", RUN, 0, s2, 3), p0 = mk("me", RUN, 0, s0, 1), p1 = mk("me", RUN, 0, s1, 2);
    CHECK(account_on_receive(a, &p2, 0, 4) == RECV_OK);
    CHECK(account_on_receive(a, &p0, 0, 4.5) == RECV_OK); /* after seq 2: reordered */
    CHECK_INT_EQ(a->parts[0].reordered, 1);
    CHECK(account_on_receive(a, &p0, 0, 4.6) == RECV_DUPLICATE); /* duplicates are not reorders */
    CHECK(account_on_receive(a, &p2, 0, 4.7) == RECV_DUPLICATE);
    CHECK_INT_EQ(a->parts[0].reordered, 1);
    CHECK_INT_EQ(a->parts[0].duplicated, 2);
    /* seq 1 is an open gap: not lost before its deadline (sent at 2, deadline 10) ... */
    account_tick(a, 11.9);
    CHECK_INT_EQ(a->parts[0].lost, 0);
    CHECK_INT_EQ(a->parts[0].in_flight, 1);
    /* ... lost after it, and late when it finally shows up. */
    account_tick(a, 12.0);
    CHECK_INT_EQ(a->parts[0].lost, 1);
    CHECK_INT_EQ(a->parts[0].in_flight, 0);
    CHECK(account_oldest_in_flight_age(a, 0, 13) == 0);
    CHECK(account_on_receive(a, &p1, 0, 20) == RECV_LATE);
    CHECK_INT_EQ(a->parts[0].late, 1);
    CHECK_INT_EQ(a->parts[0].received, 3);
    CHECK(account_on_receive(a, &p1, 0, 21) == RECV_DUPLICATE);
    /* Its 18 s latency is past the deadline, and still inside the buckets. */
    CHECK_INT_EQ(a->parts[0].inf_count, 0);
    CHECK_INT_EQ(a->parts[0].bucket_counts[a->nbounds - 1], 1);
    account_free(a);
}

static void other_runs_and_exporters(void)
{
    account *a = account_new("me", RUN, 0.0, 10.0, 0);
    CHECK(a && account_ensure_partitions(a, 2) == 0);
    uint64_t s = send_ok(a, 1, 1);
    probe old = mk("me", RUN - 1, 1, s, 0.5), other = mk("you", RUN, 1, s, 1);
    CHECK(account_on_receive(a, &old, 1, 2) == RECV_EARLIER_RUN);
    CHECK(account_on_receive(a, &old, 1, 2) == RECV_EARLIER_RUN); /* not a duplicate either */
    CHECK(account_on_receive(a, &other, 1, 2) == RECV_FOREIGN);
    CHECK_INT_EQ(a->earlier_run, 2);
    CHECK_INT_EQ(a->foreign, 1);
    CHECK_INT_EQ(a->parts[1].received + a->parts[1].duplicated, 0);
    /* Never sent, wrong partition, partition out of range: invalid. */
    probe future = mk("me", RUN, 1, s + 1, 1), moved = mk("me", RUN, 1, s, 1), far = mk("me", RUN, 9, 0, 1);
    CHECK(account_on_receive(a, &future, 1, 2) == RECV_INVALID);
    CHECK(account_on_receive(a, &moved, 0, 2) == RECV_INVALID);
    CHECK(account_on_receive(a, &far, 9, 2) == RECV_INVALID);
    account_on_invalid(a);
    CHECK_INT_EQ(a->invalid, 4);
    probe good = mk("me", RUN, 1, s, 1);
    CHECK(account_on_receive(a, &good, 1, 2) == RECV_OK);
    account_free(a);
}

static void send_failures_and_window(void)
{
    account *a = account_new("me", RUN, 0.0, 10.0, 64);
    CHECK(a && account_ensure_partitions(a, 1) == 0);
    uint64_t s = 0;
    CHECK(account_on_send(a, 0, 1, &s) == 0);
    account_on_ack(a, 0, s, 0);
    CHECK_INT_EQ(a->parts[0].send_errors, 1);
    CHECK_INT_EQ(a->parts[0].in_flight, 0);
    account_tick(a, 100);
    CHECK_INT_EQ(a->parts[0].lost, 0); /* a failed send is not a mirror loss */
    /* Received before its delivery report was processed: fine, then acked. */
    CHECK(account_on_send(a, 0, 2, &s) == 0);
    probe p = mk("me", RUN, 0, s, 2);
    CHECK(account_on_receive(a, &p, 0, 2.1) == RECV_OK);
    account_on_ack(a, 0, s, 1);
    CHECK_INT_EQ(a->parts[0].sent, 1);
    CHECK_INT_EQ(a->parts[0].in_flight, 0);
    /* Overrunning the 64-slot window settles the oldest unsettled as lost. */
    for (int i = 0; i < 64; i++)
        send_ok(a, 0, 3);
    CHECK_INT_EQ(a->parts[0].in_flight, 64);
    send_ok(a, 0, 3);
    CHECK_INT_EQ(a->parts[0].in_flight, 64);
    CHECK_INT_EQ(a->parts[0].lost, 1);
    /* A probe of this run older than the window cannot be classified. */
    probe old = mk("me", RUN, 0, 1, 2);
    CHECK(account_on_receive(a, &old, 0, 4) == RECV_UNTRACKED);
    CHECK_INT_EQ(a->parts[0].untracked, 1);
    CHECK(account_on_send(a, 1, 3, &s) == -1);
    CHECK(account_new("bad id", RUN, 0, 10, 0) == NULL);
    CHECK(account_new("me", RUN, 0, 0, 0) == NULL);
    CHECK(account_ensure_partitions(a, ACCOUNT_MAX_PARTITIONS + 1) == -1);
    account_free(a);
}

/* A window that is not a power of two wraps exactly at its size. */
static void odd_window(void)
{
    account *a = account_new("me", RUN, 0.0, 10.0, 100);
    CHECK(a && a->window == 100 && account_ensure_partitions(a, 1) == 0);
    for (int i = 0; i < 100; i++)
        send_ok(a, 0, 1);
    CHECK_INT_EQ(a->parts[0].lost, 0);
    uint64_t s = send_ok(a, 0, 1); /* seq 100 reuses seq 0's slot */
    CHECK_INT_EQ(s, 100);
    CHECK_INT_EQ(a->parts[0].lost, 1);
    probe p = mk("me", RUN, 0, 100, 1);
    CHECK(account_on_receive(a, &p, 0, 1.5) == RECV_OK);
    probe gone = mk("me", RUN, 0, 0, 1);
    CHECK(account_on_receive(a, &gone, 0, 1.5) == RECV_UNTRACKED);
    probe kept = mk("me", RUN, 0, 1, 1);
    CHECK(account_on_receive(a, &kept, 0, 1.5) == RECV_OK);
    account_free(a);
}

/* Send times are kept in 32-bit milliseconds: the deadline still holds after 49.7 days. */
static void long_run(void)
{
    account *a = account_new("me", RUN, 0.0, 10.0, 0);
    CHECK(a && account_ensure_partitions(a, 1) == 0);
    double t = 60.0 * 86400; /* 60 days into the run */
    send_ok(a, 0, t);
    account_tick(a, t + 5);
    CHECK_INT_EQ(a->parts[0].lost, 0);
    CHECK(account_oldest_in_flight_age(a, 0, t + 5) > 4.99 &&
          account_oldest_in_flight_age(a, 0, t + 5) < 5.01);
    account_tick(a, t + 10.5);
    CHECK_INT_EQ(a->parts[0].lost, 1);
    CHECK_INT_EQ(a->parts[0].in_flight, 0);
    account_free(a);
}

int main(void)
{
    in_order_and_latency();
    loss_late_duplicate_reorder();
    other_runs_and_exporters();
    send_failures_and_window();
    odd_window();
    long_run();
    return TEST_RESULT();
}
