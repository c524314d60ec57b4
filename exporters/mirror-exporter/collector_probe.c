/* collector_probe.c -- the probe accounting: counters, in-flight, stall ages and latency. */
#include <inttypes.h>
#include <stdio.h>

#include "collector.h"
#include "state.h"

#define F(name, help, type) expo_family_get(w, name, help, type)

static int collect_probe(expo *w, collector_ctx *ctx)
{
    mirror_state *s = ctx->state;
    double now = now_monotonic();
    expo_family *sent =
        F("mirror_probe_sent_total", "Probes acknowledged by the source cluster.", EXPO_COUNTER);
    expo_family *errs =
        F("mirror_probe_send_errors_total", "Probes the producer failed to deliver upstream.", EXPO_COUNTER);
    expo_family *recv =
        F("mirror_probe_received_total",
          "Distinct probes read from the mirrored topic (this run), late ones included.", EXPO_COUNTER);
    expo_family *lost =
        F("mirror_probe_lost_total",
          "Probes not mirrored by the loss deadline (gap still open or still in flight).", EXPO_COUNTER);
    expo_family *dup =
        F("mirror_probe_duplicated_total", "Exact re-deliveries of a probe already received.", EXPO_COUNTER);
    expo_family *reord =
        F("mirror_probe_reordered_total",
          "Probes that arrived after a later sequence number (duplicates excluded).", EXPO_COUNTER);
    expo_family *late =
        F("mirror_probe_late_total", "Probes that arrived after being counted lost.", EXPO_COUNTER);
    expo_family *untracked =
        F("mirror_probe_untracked_total",
          "Probes of this run older than the tracking window (not classified).", EXPO_COUNTER);
    expo_family *inflight = F("mirror_probe_in_flight", "Probes sent but not yet received.", EXPO_GAUGE);
    expo_family *last =
        F("mirror_probe_last_received_age_seconds",
          "Seconds since a probe last arrived (since the run started if none did yet).", EXPO_GAUGE);
    expo_family *oldest = F("mirror_probe_oldest_in_flight_age_seconds",
                            "Age of the oldest probe still in flight (0 when none).", EXPO_GAUGE);
    expo_family *lat =
        F("mirror_probe_latency_seconds",
          "Send-to-receive time of probes (one process, one clock); buckets reach past the deadline.",
          EXPO_HISTOGRAM);
    pthread_mutex_lock(&s->mu);
    const account *a = s->acct;
    for (size_t i = 0; i < a->nparts; i++) {
        const account_part *p = &a->parts[i];
        char part[24];
        snprintf(part, sizeof part, "%zu", i);
        expo_sample(sent, (double)p->sent, "partition", part, NULL);
        expo_sample(errs, (double)p->send_errors, "partition", part, NULL);
        expo_sample(recv, (double)p->received, "partition", part, NULL);
        expo_sample(lost, (double)p->lost, "partition", part, NULL);
        expo_sample(dup, (double)p->duplicated, "partition", part, NULL);
        expo_sample(reord, (double)p->reordered, "partition", part, NULL);
        expo_sample(late, (double)p->late, "partition", part, NULL);
        expo_sample(untracked, (double)p->untracked, "partition", part, NULL);
        expo_sample(inflight, (double)p->in_flight, "partition", part, NULL);
        expo_sample(last, account_last_received_age(a, (int32_t)i, now), "partition", part, NULL);
        expo_sample(oldest, account_oldest_in_flight_age(a, (int32_t)i, now), "partition", part, NULL);
        expo_histogram(lat, a->bounds, p->bucket_counts, a->nbounds, p->inf_count, p->latency_sum,
                       "partition", part, NULL);
    }
    expo_sample(F("mirror_probe_invalid_total",
                  "Records in the mirrored probe topic that are not valid probes.", EXPO_COUNTER),
                (double)a->invalid, NULL);
    expo_family *ign =
        F("mirror_probe_ignored_total",
          "Valid probes not accounted: of an earlier run of this exporter (settled), or of another "
          "exporter.",
          EXPO_COUNTER);
    expo_sample(ign, (double)a->earlier_run, "reason", "earlier_run", NULL);
    expo_sample(ign, (double)a->foreign, "reason", "other_exporter", NULL);
    char run[32];
    snprintf(run, sizeof run, "%016" PRIx64, a->run_id);
    expo_sample(F("mirror_probe_run_info", "This run of the exporter: its probe id and run id.", EXPO_GAUGE),
                1, "exporter_id", a->exporter_id, "run_id", run, "topic", s->cfg.probe_topic, "remote_topic",
                s->remote_probe_topic, NULL);
    expo_sample(F("mirror_probe_deadline_seconds",
                  "Seconds after sending at which a missing probe counts as lost.", EXPO_GAUGE),
                a->deadline, NULL);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

const collector mirror_collector_probe = {.name = "probe",
                                          .enabled_by_default = true,
                                          .help = "probe latency, loss, duplicates, reordering, stalls",
                                          .collect = collect_probe};
