/*
 * test_engine_costs.c: checkpoint costs (sim/engine/ckpt_cost.c) against timings worked
 * out by hand from the trace: the shared storage's bandwidth sharing, its latency, the
 * acknowledgement latency, the metadata write after the last acknowledgement, the
 * synchronous phase that blocks its task, the channel-state writer, and each of Flink's
 * checkpoint statistics (metrics.h) against the trace it summarizes.
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../sim/engine/metrics.h"
#include "../sim/engine/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *run_traced(const sim_config *cfg, uint64_t seed, sim_result *r, sim_metrics *m)
{
    char *bytes = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&bytes, &len);
    cr_assert_not_null(f);
    cr_assert_eq(sim_run_ex(cfg, seed, r, f, m), 0, "%s", r->message);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(r->outcome, SIM_OK, "%s", r->message);
    return bytes;
}

/* The time of the n-th (from 0) trace line that holds `who` then `what` (after the event
 * number), or UINT64_MAX. */
static uint64_t nth_time(const char *trace, const char *who, const char *what, int n)
{
    char pat[128];
    snprintf(pat, sizeof pat, " %s %s", who, what);
    for (const char *p = trace; (p = strstr(p, pat)) != NULL; p++) {
        const char *bol = p;
        while (bol > trace && bol[-1] != '\n')
            bol--;
        /* "<time> <event> <who> <what>": the match must start at the who column */
        const char *sp = strchr(bol, ' ');
        if (!sp || strchr(sp + 1, ' ') != p)
            continue;
        if (n-- == 0)
            return strtoull(bol, NULL, 10);
    }
    return UINT64_MAX;
}

static uint64_t t_of(const char *trace, const char *who, const char *what)
{
    uint64_t t = nth_time(trace, who, what, 0);
    cr_assert_neq(t, UINT64_MAX, "no line '%s %s' in the trace", who, what);
    return t;
}

/* One source, `tasks` sink tasks fed all-to-all, constant latencies, block, one checkpoint
 * at 100 us and few records, so that checkpoint 1's writes overlap nothing else. */
static void small(sim_config *c, uint32_t tasks)
{
    sim_config_default(c);
    c->sources = 1;
    c->stages = 1;
    c->parallelism = tasks;
    c->records_per_source = 100; /* ~200 us of records at one per 2 us */
    c->latency = (sim_dist){1000, 1000, 1000};
    c->service[0] = (sim_dist){100, 100, 100};
    c->checkpoint_interval_ns = 100000;
    c->strategy = "block";
}

BS_TEST(costs, all_zero_is_off_and_the_default)
{
    sim_config c;
    sim_config_default(&c);
    cr_assert_not(sim_costs_on(&c.costs));
    c.costs.metadata_bytes = 1;
    cr_assert(sim_costs_on(&c.costs));
}

/* The bytes of the first line "<who> <what>N bytes" (N right after `what`). */
static uint64_t bytes_of(const char *trace, const char *who, const char *what)
{
    char pat[128];
    snprintf(pat, sizeof pat, " %s %s", who, what);
    const char *p = strstr(trace, pat);
    cr_assert_not_null(p, "no line '%s %s'", who, what);
    return strtoull(p + strlen(pat), NULL, 10);
}

/* Two writes at 1e9 bytes/s (1 byte/ns), no latency: S1 bytes from t1, S2 from t2 >= t1,
 * d = t2 - t1. The states differ (8 bytes per record returned) and so do the synchronous
 * phases (1 ns per byte), so the writes start apart. The first sends alone until t2, then
 * each gets half a byte per ns until one is done, then the other has it all:
 *  - S1 <= d: no overlap, e1 = t1 + S1, e2 = t2 + S2;
 *  - else r = S1 - d left at t2; r <= S2: e1 = t2 + 2r, and e2 = t1 + S1 + S2;
 *    r > S2: e2 = t2 + 2 S2, and e1 = t1 + S1 + S2 (the storage never idles). */
static void check_two(uint64_t t1, uint64_t s1, uint64_t e1, uint64_t t2, uint64_t s2, uint64_t e2)
{
    uint64_t d = t2 - t1;
    if (s1 <= d) {
        cr_assert_eq(e1, t1 + s1);
        cr_assert_eq(e2, t2 + s2);
        return;
    }
    uint64_t r = s1 - d;
    cr_assert_eq(r <= s2 ? e1 : e2, t2 + 2 * (r <= s2 ? r : s2), "t1 %llu s1 %llu e1 %llu t2 %llu s2 %llu e2 %llu",
                 (unsigned long long)t1, (unsigned long long)s1, (unsigned long long)e1, (unsigned long long)t2,
                 (unsigned long long)s2, (unsigned long long)e2);
    cr_assert_eq(r <= s2 ? e2 : e1, t1 + s1 + s2);
}

BS_TEST(costs, two_writes_share_the_storage_bandwidth)
{
    int overlapped = 0;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        sim_config c;
        small(&c, 2);
        c.costs.state_bytes = 1000;
        c.costs.state_bytes_per_record = 8;
        c.costs.sync_ps_per_byte = 1000;
        c.costs.storage_bytes_per_s = 1000000000;
        sim_result r;
        char *t = run_traced(&c, seed, &r, NULL);
        uint64_t a = t_of(t, "s0t0", "storage write 1 starts"), b = t_of(t, "s0t1", "storage write 1 starts");
        const char *first = a <= b ? "s0t0" : "s0t1", *second = a <= b ? "s0t1" : "s0t0";
        uint64_t t1 = a <= b ? a : b, t2 = a <= b ? b : a;
        uint64_t s1 = bytes_of(t, first, "storage write 1 starts: "), s2 = bytes_of(t, second, "storage write 1 starts: ");
        uint64_t e1 = t_of(t, first, "storage write 1 done"), e2 = t_of(t, second, "storage write 1 done");
        check_two(t1, s1, e1, t2, s2, e2);
        overlapped += t2 > t1 && t2 - t1 < s1;
        /* no other cost: it completes with the last write */
        cr_assert_eq(t_of(t, "coord", "complete 1"), e1 > e2 ? e1 : e2);
        free(t);
    }
    cr_assert_gt(overlapped, 0, "no seed started the writes apart and overlapping: the test shows little");
}

/* Three equal writes starting together share the bandwidth in thirds: all end together,
 * 3 x 600 bytes at 1 byte/ns after the latency (they all start at the barrier's arrival:
 * the tasks take b1 at the same instant with no data ahead of it). */
BS_TEST(costs, equal_writes_end_together_after_the_latency)
{
    sim_config c;
    small(&c, 3);
    c.costs.state_bytes = 600;
    c.costs.storage_bytes_per_s = 1000000000;
    c.costs.storage_latency_ns = 250;
    sim_result r;
    c.records_per_source = 5;
    c.source_interval_ns = 1000000; /* the records come after checkpoint 1 ends */
    char *t = run_traced(&c, 1, &r, NULL);
    const char *names[] = {"s0t0", "s0t1", "s0t2"};
    uint64_t trig = t_of(t, "s0t0", "sync 1:");
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(t_of(t, names[i], "sync 1:"), trig, "%s", t);
        cr_assert_eq(t_of(t, names[i], "storage write 1 starts"), trig + 250);
        cr_assert_eq(t_of(t, names[i], "storage write 1 done"), trig + 250 + 1800);
    }
    free(t);
}

/* Acknowledgements take ack-latency-ns; the source's too (at the checkpoint's start). */
BS_TEST(costs, acknowledgements_arrive_after_their_latency)
{
    sim_config c;
    small(&c, 2);
    c.costs.ack_latency_ns = 7000;
    sim_result r;
    char *t = run_traced(&c, 2, &r, NULL);
    uint64_t start = t_of(t, "coord", "start 1");
    cr_assert_eq(t_of(t, "src0", "ack 1"), start + 7000);
    uint64_t last = 0;
    for (int i = 0; i < 2; i++) {
        const char *who = i ? "s0t1" : "s0t0";
        uint64_t sent = t_of(t, who, "ack 1 sent"), in = t_of(t, who, "ack 1");
        /* "ack 1 sent" also matches "ack 1": the arrival is the second such line */
        in = nth_time(t, who, "ack 1", 1);
        cr_assert_eq(in, sent + 7000, "%s sent %llu in %llu", who, (unsigned long long)sent, (unsigned long long)in);
        last = in > last ? in : last;
    }
    cr_assert_eq(t_of(t, "coord", "complete 1"), last);
    free(t);
}

/* The metadata is written after the last acknowledgement, never before: latency 300, then
 * 500 bytes at 1 byte/ns; the checkpoint completes when it is written. */
BS_TEST(costs, the_metadata_write_follows_the_last_acknowledgement)
{
    sim_config c;
    small(&c, 2);
    c.costs.metadata_bytes = 500;
    c.costs.storage_bytes_per_s = 1000000000;
    c.costs.storage_latency_ns = 300;
    c.costs.ack_latency_ns = 1000;
    sim_result r;
    sim_metrics m = {0};
    char *t = run_traced(&c, 3, &r, &m);
    uint64_t last = 0;
    for (int i = 0; i < 2; i++)
        last = nth_time(t, i ? "s0t1" : "s0t0", "ack 1", 1) > last ? nth_time(t, i ? "s0t1" : "s0t0", "ack 1", 1)
                                                                   : last;
    uint64_t meta = t_of(t, "coord", "storage write 1 starts: 500 bytes");
    cr_assert_eq(meta, last + 300);
    uint64_t done = t_of(t, "coord", "complete 1");
    cr_assert_eq(done, meta + 500);
    cr_assert_eq(t_of(t, "coord", "storage write 1 done: 500 bytes"), done);
    cr_assert_eq(m.ck[0].outcome, SIM_CK_COMPLETED);
    cr_assert_eq(m.ck[0].acks_in_ns, last);
    cr_assert_eq(m.ck[0].metadata_ns, 800);
    cr_assert_eq(m.ck[0].end_ns, done);
    sim_metrics_free(&m);
    free(t);
}

/* The synchronous phase: sync-ns + state x sync-ps-per-byte / 1000, during which its task
 * takes nothing; its figures in the statistics. */
BS_TEST(costs, the_synchronous_phase_blocks_its_task)
{
    sim_config c;
    small(&c, 1);
    c.records_per_source = 200;
    c.source_interval_ns = 300; /* records keep arriving during the phase */
    c.checkpoint_interval_ns = 30000;
    c.costs.state_bytes = 2000;
    c.costs.state_bytes_per_record = 10;
    c.costs.sync_ns = 4000;
    c.costs.sync_ps_per_byte = 500;
    sim_result r;
    sim_metrics m = {0};
    char *t = run_traced(&c, 4, &r, &m);
    uint64_t s = t_of(t, "s0t0", "sync 1:"), e = t_of(t, "s0t0", "sync 1 done");
    /* the state: 2000 + 10 per record returned before t1 */
    const char *line = strstr(t, " s0t0 sync 1 done: state ");
    unsigned long long state = strtoull(line + strlen(" s0t0 sync 1 done: state "), NULL, 10);
    cr_assert_eq((state - 2000) % 10, 0);
    cr_assert_eq(e - s, 4000 + state * 500 / 1000);
    for (const char *p = t; (p = strstr(p, " s0t0 ret d")) != NULL; p++) {
        const char *bol = p;
        while (bol > t && bol[-1] != '\n')
            bol--;
        uint64_t at = strtoull(bol, NULL, 10);
        cr_assert(at <= s || at >= e, "s0t0 returned a record at %llu, inside its sync phase %llu..%llu",
                  (unsigned long long)at, (unsigned long long)s, (unsigned long long)e);
    }
    const sim_al_metrics *a = &m.al[0];
    cr_assert_eq(a->checkpoint, 1);
    cr_assert(a->acked);
    cr_assert_eq(a->sync_ns, e - s);
    cr_assert_eq(a->state_bytes, state);
    cr_assert_eq(a->async_ns, 0); /* no storage cost: the write ends as it starts */
    cr_assert_eq(m.ck[0].state_bytes, state);
    cr_assert_eq(m.ck[0].sync_ns_max, e - s);
    sim_metrics_free(&m);
    free(t);
}

/* Unaligned: the channel-state writer has the channel state at d<K>, and no sooner than
 * bytes / bandwidth after t<K>; the persisted bytes are the reported channel state plus
 * the output state, and the async duration runs from the end of the sync phase. */
BS_TEST(costs, unaligned_channel_state_is_written_at_its_bandwidth)
{
    sim_config c;
    sim_config_default(&c);
    c.strategy = "unaligned";
    c.records_per_source = 300;
    c.service[1] = (sim_dist){3000, 3000, 3000}; /* slow sinks: in-flight data to persist */
    c.payload_len = 256;
    c.costs.channel_state_bytes_per_s = 50000000; /* 20 ns per byte */
    c.costs.sync_ns = 1000;
    sim_result r;
    sim_metrics m = {0};
    char *t = run_traced(&c, 9, &r, &m);
    int checked = 0;
    for (uint32_t i = 0; i < m.n_al; i++) {
        const sim_al_metrics *a = &m.al[i];
        if (!a->acked || a->end != SIM_AL_DONE || !a->persisted_bytes)
            continue;
        char who[16], what[64];
        snprintf(who, sizeof who, "%s", m.task_names[a->task - m.sources]);
        snprintf(what, sizeof what, "channel state %llu written", (unsigned long long)a->checkpoint);
        uint64_t written = t_of(t, who, what);
        uint64_t by_bw = a->trigger_ns + (a->persisted_bytes * 20);
        uint64_t want = a->end_ns > by_bw ? a->end_ns : by_bw;
        cr_assert_eq(written, want, "%s k%llu: written %llu, d<K> %llu, t<K> %llu, %llu bytes", who,
                     (unsigned long long)a->checkpoint, (unsigned long long)written, (unsigned long long)a->end_ns,
                     (unsigned long long)a->trigger_ns, (unsigned long long)a->persisted_bytes);
        cr_assert_geq(a->persisted_bytes, a->channel_state_bytes);
        cr_assert_eq(a->sync_ns, 1000);
        cr_assert_eq(a->async_ns, written - (a->trigger_ns + 1000)); /* nothing to upload: acked when written */
        checked++;
    }
    cr_assert_gt(checked, 3, "only %d unaligned snapshots with channel state", checked);
    sim_metrics_free(&m);
    free(t);
}

/* Each per-checkpoint statistic against its definition over the tasks' records. */
BS_TEST(costs, checkpoint_statistics_sum_and_max_over_acknowledged_tasks)
{
    sim_config c;
    sim_config_default(&c);
    c.strategy = "unaligned";
    c.records_per_source = 300;
    c.service[1] = (sim_dist){2000, 3000, 8000};
    c.costs = (sim_costs){.state_bytes = 3000, .state_bytes_per_record = 4, .sync_ns = 500,
                          .storage_bytes_per_s = 500000000, .storage_latency_ns = 2000, .ack_latency_ns = 800,
                          .metadata_bytes = 256};
    sim_result r;
    sim_metrics m = {0};
    char *t = run_traced(&c, 11, &r, &m);
    int completed = 0;
    for (uint32_t k = 0; k < m.n_ck; k++) {
        const sim_ck_metrics *ck = &m.ck[k];
        if (ck->outcome != SIM_CK_COMPLETED)
            continue;
        uint64_t sd = 0, sy = 0, as = 0, st = 0, pe = 0, pr = 0;
        uint32_t n = 0;
        for (uint32_t i = 0; i < m.n_al; i++) {
            const sim_al_metrics *a = &m.al[i];
            if (a->checkpoint != ck->id || !a->acked)
                continue;
            n++;
            cr_assert_eq(a->start_delay_ns, a->begin_ns - ck->start_ns);
            sd = a->start_delay_ns > sd ? a->start_delay_ns : sd;
            sy = a->sync_ns > sy ? a->sync_ns : sy;
            as = a->async_ns > as ? a->async_ns : as;
            st += a->state_bytes;
            pe += a->persisted_bytes;
            pr += a->processed_bytes;
        }
        cr_assert_eq(n, m.n_tasks, "checkpoint %llu completed with %u of %u tasks acknowledged",
                     (unsigned long long)ck->id, n, m.n_tasks);
        cr_assert_eq(ck->tasks_acked, n);
        cr_assert_eq(ck->start_delay_ns_max, sd);
        cr_assert_eq(ck->sync_ns_max, sy);
        cr_assert_eq(ck->async_ns_max, as);
        cr_assert_eq(ck->state_bytes, st);
        cr_assert_eq(ck->persisted_bytes, pe);
        cr_assert_eq(ck->checkpointed_bytes, st + pe);
        cr_assert_eq(ck->processed_bytes, pr);
        cr_assert_eq(ck->duration_ns, ck->end_ns - ck->start_ns);
        cr_assert_geq(ck->metadata_ns, 2000 + 1); /* latency, then 256 bytes at 2 ns each (shared at most) */
        completed++;
    }
    cr_assert_gt(completed, 2);
    sim_metrics_free(&m);
    free(t);
}

/* Processed in-flight data: the bytes the task's operator was returned between its first
 * barrier and its trigger (block: the unblocked channels' records), counted in the trace. */
BS_TEST(costs, processed_in_flight_data_is_what_the_alignment_let_through)
{
    sim_config c;
    sim_config_default(&c);
    c.strategy = "block";
    c.records_per_source = 300;
    c.latency = (sim_dist){1000, 8000, 60000}; /* skewed channels: long alignments */
    sim_result r;
    sim_metrics m = {0};
    char *t = run_traced(&c, 13, &r, &m);
    int nonzero = 0;
    for (uint32_t i = 0; i < m.n_al && i < 40; i++) {
        const sim_al_metrics *a = &m.al[i];
        if (!a->triggered)
            continue;
        const char *who = m.task_names[a->task - m.sources];
        char take[64], trig[64];
        snprintf(take, sizeof take, " %s take b%llu ", who, (unsigned long long)a->checkpoint);
        snprintf(trig, sizeof trig, " %s trigger %llu ", who, (unsigned long long)a->checkpoint);
        const char *from = strstr(t, take), *to = strstr(t, trig);
        cr_assert(from && to && from < to);
        uint64_t rets = 0;
        char ret[32];
        snprintf(ret, sizeof ret, " %s ret d", who);
        for (const char *p = from; (p = strstr(p, ret)) != NULL && p < to; p++)
            rets++;
        cr_assert_eq(a->processed_bytes, rets * c.payload_len, "%s k%llu: %llu bytes, %llu records returned", who,
                     (unsigned long long)a->checkpoint, (unsigned long long)a->processed_bytes,
                     (unsigned long long)rets);
        nonzero += rets > 0;
    }
    cr_assert_gt(nonzero, 0, "no alignment let a record through: the test shows nothing");
    sim_metrics_free(&m);
    free(t);
}

/* A checkpoint that ends without completing (here: timed out while its writes crawl)
 * releases the storage: the next one's writes get the whole bandwidth, and the run ends. */
BS_TEST(costs, an_aborted_checkpoint_releases_its_share)
{
    sim_config c;
    small(&c, 2);
    c.records_per_source = 100;
    c.source_interval_ns = 3000;
    c.checkpoint_interval_ns = 20000;
    c.checkpoint_timeout_ns = 15000;
    c.costs.state_bytes = 100000;
    c.costs.storage_bytes_per_s = 1000000000; /* 100 us per write alone: every checkpoint times out */
    sim_result r;
    char *t = run_traced(&c, 6, &r, NULL);
    cr_assert_eq(r.checkpoints_completed, 0);
    cr_assert_gt(r.checkpoints_timed_out, 3);
    /* no write of checkpoint 1 ever ends: it was cancelled with its checkpoint */
    cr_assert_eq(nth_time(t, "s0t0", "storage write 1 done", 0), UINT64_MAX);
    free(t);
}

/* Costs are deterministic and leave the record model's trace alone when zero (the pinned
 * hashes of test_engine_net.c); with costs the same seed gives the same trace. */
BS_TEST(costs, same_seed_same_trace)
{
    sim_config c;
    sim_config_default(&c);
    c.strategy = "unaligned";
    c.records_per_source = 200;
    c.costs = (sim_costs){.state_bytes = 1000, .sync_ns = 300, .storage_bytes_per_s = 300000000,
                          .storage_latency_ns = 700, .ack_latency_ns = 100, .metadata_bytes = 64,
                          .channel_state_bytes_per_s = 100000000};
    sim_result a, b;
    cr_assert_eq(sim_run(&c, 21, &a, NULL), 0);
    cr_assert_eq(sim_run(&c, 21, &b, NULL), 0);
    cr_assert_eq(a.outcome, SIM_OK, "%s", a.message);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    cr_assert_eq(a.events, b.events);
    sim_config z;
    sim_config_default(&z);
    z.strategy = "unaligned";
    z.records_per_source = 200;
    cr_assert_eq(sim_run(&z, 21, &b, NULL), 0);
    cr_assert_neq(a.trace_hash, b.trace_hash);
}
