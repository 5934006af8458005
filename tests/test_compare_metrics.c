/*
 * test_compare_metrics.c: the engine's metrics (sim/engine/metrics.h): collecting them
 * changes neither the trace nor its hash; on small topologies with constant latencies
 * the measured durations and latencies are the ones the timings imply; alignments under
 * back-pressure spill (spill) and hold nothing back (tracker); a restore replays records
 * and the tracker's sinks see duplicates; the time series stays on its grid and bounded.
 */
#include "bs_test.h"

#include "../sim/engine/metrics.h"
#include "../sim/engine/sim.h"

#include <stdlib.h>
#include <string.h>

/* One source -> `stages` forward stages of one task; constant latency and service; records
 * rare (1 ms apart) so that nothing queues: a barrier crosses a hop in exactly lat_ns. */
static void quiet_line(sim_config *c, uint32_t stages, uint64_t lat_ns)
{
    sim_config_default(c);
    c->sources = 1;
    c->stages = stages;
    c->parallelism = 1;
    for (uint32_t s = 0; s < stages; s++) {
        c->link[s] = SIM_LINK_FORWARD;
        c->service[s] = (sim_dist){10, 10, 10};
    }
    c->latency = (sim_dist){lat_ns, lat_ns, lat_ns};
    c->source_interval_ns = 1000000;
    c->records_per_source = 60;
    c->checkpoint_interval_ns = 170000;
}

/* Two stages of four tasks, slow sinks: queues fill, senders wait for credit. */
static void pressed(sim_config *c, const char *strategy)
{
    sim_config_default(c);
    c->strategy = strategy;
    c->records_per_source = 600;
    c->service[1] = (sim_dist){2500, 3000, 20000};
    c->credits = 8;
    c->checkpoint_bound_ns = 0;
    c->checkpoint_timeout_ns = 0;
}

static uint64_t run_hash(const sim_config *c, uint64_t seed, sim_metrics *m)
{
    sim_result r;
    cr_assert_eq(sim_run_ex(c, seed, &r, NULL, m), 0, "%s", r.message);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    return r.trace_hash;
}

BS_TEST(metrics, collecting_changes_neither_trace_nor_hash)
{
    sim_config c;
    sim_fault fail = {.kind = SIM_FAULT_FAIL, .target = 9, .checkpoint = 3, .at_ns = 5000};
    const char *strategies[] = {"spill", "tracker"};
    for (int s = 0; s < 2; s++) {
        pressed(&c, strategies[s]);
        c.faults = &fail;
        c.n_faults = 1;
        for (uint64_t seed = 1; seed <= 3; seed++) {
            sim_metrics m = {0};
            sim_result plain;
            char *buf_a = NULL, *buf_b = NULL;
            size_t len_a = 0, len_b = 0;
            FILE *ta = open_memstream(&buf_a, &len_a), *tb = open_memstream(&buf_b, &len_b);
            cr_assert_eq(sim_run(&c, seed, &plain, ta), 0);
            sim_result with;
            cr_assert_eq(sim_run_ex(&c, seed, &with, tb, &m), 0);
            fclose(ta);
            fclose(tb);
            cr_assert_eq(plain.trace_hash, with.trace_hash, "%s seed %llu", strategies[s], (unsigned long long)seed);
            cr_assert_eq(plain.events, with.events);
            cr_assert_eq(len_a, len_b);
            cr_assert(memcmp(buf_a, buf_b, len_a) == 0, "the traces differ");
            cr_assert_gt(m.n_ck, 0);
            free(buf_a);
            free(buf_b);
            sim_metrics_free(&m);
        }
    }
}

BS_TEST(metrics, quiet_checkpoint_lasts_one_latency_per_hop)
{
    sim_config c;
    quiet_line(&c, 3, 7000);
    sim_metrics m = {0};
    sim_result r;
    cr_assert_eq(sim_run_ex(&c, 5, &r, NULL, &m), 0);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_geq(m.completed, 100);
    uint64_t exact = 0;
    for (uint32_t i = 0; i < m.n_ck; i++) {
        const sim_ck_metrics *k = &m.ck[i];
        if (k->outcome != SIM_CK_COMPLETED)
            continue;
        /* 3 hops of 7 us; a barrier meeting a record's 10 ns service may wait that long */
        cr_assert_geq(k->duration_ns, 21000);
        cr_assert_leq(k->duration_ns, 21000 + 3 * 10, "checkpoint %llu took %llu ns", (unsigned long long)k->id,
                      (unsigned long long)k->duration_ns);
        exact += k->duration_ns == 21000;
        cr_assert_eq(k->duration_ns, k->end_ns - k->start_ns);
        cr_assert_eq(k->tasks_aligned, 3);
        cr_assert_eq(k->alignment_ns_max, 0, "one input channel: t<K> at the first barrier");
        cr_assert_eq(k->buffered_bytes, 0);
    }
    cr_assert_geq(exact, m.completed * 9 / 10);
    cr_assert_eq(m.completed, r.checkpoints_completed);
    cr_assert_eq(m.n_al, 3 * m.n_ck);
    sim_metrics_free(&m);
}

BS_TEST(metrics, record_latency_is_the_path_latency_when_nothing_queues)
{
    sim_config c;
    quiet_line(&c, 1, 100);
    c.checkpoint_interval_ns = 0;
    sim_metrics m = {0};
    run_hash(&c, 2, &m);
    cr_assert_eq(m.latency.count, 60);
    cr_assert_eq(m.latency.min_ns, 100);
    cr_assert_eq(m.latency.p50_ns, 100);
    cr_assert_eq(m.latency.max_ns, 100);
    cr_assert_float_eq(m.latency.mean_ns, 100.0, 1e-9);
    cr_assert_eq(m.n_ck, 0);
    cr_assert_eq(m.sink_records, 60);
    cr_assert_float_eq(m.throughput_rps, 60.0 * 1e9 / (double)m.run_ns, 1e-6);
    sim_metrics_free(&m);
}

BS_TEST(metrics, histogram_buckets_are_exact_low_and_within_1_in_256_above)
{
    for (uint64_t v = 0; v < 128; v++)
        cr_assert_eq(sim_mx_bucket_value(sim_mx_bucket(v)), v);
    uint64_t vals[] = {128, 129, 1000, 65535, 1234567, 987654321, 1ULL << 40, (1ULL << 62) + 12345};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        uint32_t b = sim_mx_bucket(vals[i]);
        cr_assert_lt(b, SIM_MX_HIST_BUCKETS);
        double got = (double)sim_mx_bucket_value(b), want = (double)vals[i];
        cr_assert_leq(got > want ? got - want : want - got, want / 256.0, "%llu -> %f", (unsigned long long)vals[i], got);
        cr_assert_geq(sim_mx_bucket(vals[i] + 1), b, "buckets grow with the value");
    }
    uint64_t hist[SIM_MX_HIST_BUCKETS] = {0};
    for (uint64_t v = 1; v <= 100; v++)
        hist[sim_mx_bucket(v)]++;
    cr_assert_eq(sim_mx_quantile(hist, 100, 0.5), 50);
    cr_assert_eq(sim_mx_quantile(hist, 100, 0.99), 99);
    cr_assert_eq(sim_mx_quantile(hist, 100, 1.0), 100);
}

BS_TEST(metrics, spill_alignments_under_back_pressure_spill_and_take_time)
{
    sim_config c;
    pressed(&c, "spill");
    sim_metrics m = {0};
    run_hash(&c, 3, &m);
    uint64_t spilled = 0, aligned_long = 0;
    for (uint32_t i = 0; i < m.n_al; i++) {
        const sim_al_metrics *a = &m.al[i];
        spilled += a->spilled_bytes;
        aligned_long += a->alignment_ns > 0;
        cr_assert_eq(a->blocked_bytes_peak, 0, "spill reads every channel: nothing is held upstream");
        cr_assert_eq(a->channel_state_bytes, 0);
        if (a->triggered)
            cr_assert_eq(a->alignment_ns, a->trigger_ns - a->begin_ns);
    }
    cr_assert_gt(spilled, 0);
    cr_assert_gt(aligned_long, 0);
    uint64_t bp = 0;
    for (uint32_t i = 0; i < m.n_ck; i++)
        bp += m.ck[i].in_flight_bytes_start > 0 && m.ck[i].credit_wait_share > 0;
    cr_assert_gt(bp, 0, "the slow sinks show as back-pressure at checkpoint starts");
    sim_metrics_free(&m);
}

BS_TEST(metrics, tracker_holds_nothing_back)
{
    sim_config c;
    pressed(&c, "tracker");
    sim_metrics m = {0};
    run_hash(&c, 3, &m);
    cr_assert_gt(m.n_al, 0);
    for (uint32_t i = 0; i < m.n_al; i++)
        cr_assert_eq(m.al[i].buffered_bytes, 0);
    for (uint32_t i = 0; i < m.n_samples; i++)
        cr_assert_eq(m.samples[i].file_bytes + m.samples[i].blocked_bytes, 0);
    sim_metrics_free(&m);
}

BS_TEST(metrics, a_restore_replays_records_and_the_tracker_duplicates_them)
{
    sim_config c;
    sim_fault fail = {.kind = SIM_FAULT_FAIL, .target = 9, .checkpoint = 3, .at_ns = 5000};
    const char *strategies[] = {"spill", "tracker"};
    for (int s = 0; s < 2; s++) {
        pressed(&c, strategies[s]);
        c.faults = &fail;
        c.n_faults = 1;
        sim_metrics m = {0};
        run_hash(&c, 4, &m);
        cr_assert(m.duplicates_tracked);
        cr_assert_gt(m.records_replayed, 0);
        cr_assert_geq(m.abandoned, 1, "the restart abandons the pending checkpoint");
        if (s == 0)
            cr_assert_eq(m.duplicates, 0, "exactly-once: the restored state holds no replayed record");
        else
            cr_assert_gt(m.duplicates, 0, "at-least-once: records after the barrier come back");
        cr_assert_geq(m.sink_records, 2400 + m.duplicates);
        sim_metrics_free(&m);
    }
}

BS_TEST(metrics, time_series_stays_on_its_grid_and_bounded)
{
    sim_config c;
    pressed(&c, "spill");
    sim_metrics m = {.sample_grid_ns = 1000};
    run_hash(&c, 1, &m);
    cr_assert_leq(m.n_samples, SIM_MX_SAMPLES_MAX);
    cr_assert_gt(m.grid_ns, 1000, "a run longer than 1024 us doubles the 1 us grid");
    cr_assert_eq(m.samples[0].t_ns, 0);
    uint64_t spill = 0;
    for (uint32_t i = 1; i < m.n_samples; i++) {
        cr_assert_eq(m.samples[i].t_ns - m.samples[i - 1].t_ns, m.grid_ns, "sample %u", i);
        spill += m.samples[i].file_bytes;
    }
    cr_assert_leq(m.samples[m.n_samples - 1].t_ns, m.run_ns);
    cr_assert_lt(m.run_ns - m.samples[m.n_samples - 1].t_ns, m.grid_ns, "the last grid point is sampled");
    cr_assert_gt(spill, 0);
    sim_metrics_free(&m);
}

/* compare asks for every record's latency (keep_latencies): the request survives the run's
 * reset of the metrics, so its latency and throughput samples exist (they were empty when
 * the reset dropped it). */
BS_TEST(metrics, kept_latencies_are_kept)
{
    sim_config c;
    quiet_line(&c, 1, 100);
    sim_metrics m = {.keep_latencies = true};
    run_hash(&c, 2, &m);
    cr_assert(m.keep_latencies);
    cr_assert_eq(m.n_lat, 60, "one latency per record, %u kept", m.n_lat);
    cr_assert_eq(m.lat[0].latency_ns, 100);
    sim_metrics_free(&m);
    sim_metrics off = {0};
    run_hash(&c, 2, &off);
    cr_assert_eq(off.n_lat, 0, "not asked for: none kept");
    cr_assert_null(off.lat);
    sim_metrics_free(&off);
}
