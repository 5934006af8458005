/*
 * test_engine.c: the simulator engine's foundations: the PRNG streams are deterministic
 * and independent, the distributions stay in their bounds, and the event queue orders by
 * (time, scheduling order).
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../sim/engine/events.h"
#include "../sim/engine/rng.h"
#include "../sim/engine/sim.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>

BS_TEST(engine_rng, same_seed_same_numbers)
{
    rng a, b;
    rng_stream(&a, 42, RNG_STREAM_LATENCY);
    rng_stream(&b, 42, RNG_STREAM_LATENCY);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(rng_next(&a), rng_next(&b));
}

/* Reference outputs (splitmix64 from 0; xoshiro256** from state {1,2,3,4}), and a pinned
 * value of stream derivation: the numbers must be these on every machine. */
BS_TEST(engine_rng, known_values_on_any_machine)
{
    uint64_t st = 0;
    cr_assert_eq(rng_splitmix64(&st), 0xe220a8397b1dcdafULL);
    rng x = {{1, 2, 3, 4}};
    cr_assert_eq(rng_next(&x), 11520u);
    cr_assert_eq(rng_next(&x), 0u);
    cr_assert_eq(rng_next(&x), 1509978240u);
    cr_assert_eq(rng_next(&x), 1215971899390074240ULL);
    rng r;
    rng_stream(&r, 1, 1);
    uint64_t acc = 0;
    for (int i = 0; i < 100; i++)
        acc ^= rng_next(&r);
    cr_assert_eq(acc, 0x9bce9d384b2d12c5ULL);
}

BS_TEST(engine_rng, streams_are_independent)
{
    rng a, b, c, d;
    rng_stream(&a, 7, RNG_STREAM_SCHEDULE);
    rng_stream(&b, 7, RNG_STREAM_WORKLOAD);
    rng_stream(&c, 8, RNG_STREAM_SCHEDULE);
    rng_stream_named(&d, 7, "faults");
    uint64_t va[64];
    for (int i = 0; i < 64; i++)
        va[i] = rng_next(&a);
    int same_b = 0, same_c = 0, same_d = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t vb = rng_next(&b), vc = rng_next(&c), vd = rng_next(&d);
        for (int j = 0; j < 64; j++) {
            same_b += vb == va[j];
            same_c += vc == va[j];
            same_d += vd == va[j];
        }
    }
    cr_assert_eq(same_b + same_c + same_d, 0);
    /* Drawing from one stream does not move another. */
    rng w1, w2, l1, l2;
    rng_stream(&w1, 9, RNG_STREAM_WORKLOAD);
    rng_stream(&l1, 9, RNG_STREAM_LATENCY);
    rng_stream(&w2, 9, RNG_STREAM_WORKLOAD);
    rng_stream(&l2, 9, RNG_STREAM_LATENCY);
    for (int i = 0; i < 10; i++)
        rng_next(&w1);
    cr_assert_eq(rng_next(&l1), rng_next(&l2));
    rng n1, n2;
    rng_stream_named(&n1, 9, "latency");
    rng_stream_named(&n2, 9, "latency");
    cr_assert_eq(rng_next(&n1), rng_next(&n2));
}

BS_TEST(engine_rng, uniform_ints_stay_in_range_and_cover_it)
{
    rng r;
    rng_stream(&r, 3, 1);
    int seen[10] = {0};
    for (int i = 0; i < 10000; i++) {
        uint64_t v = rng_below(&r, 10);
        cr_assert_lt(v, 10u);
        seen[v]++;
        uint64_t w = rng_range(&r, 5, 7);
        cr_assert(w >= 5 && w <= 7);
    }
    for (int i = 0; i < 10; i++)
        cr_assert(seen[i] > 800 && seen[i] < 1200, "bucket %d: %d", i, seen[i]);
    cr_assert_eq(rng_below(&r, 0), 0u);
    cr_assert_eq(rng_range(&r, 4, 4), 4u);
}

BS_TEST(engine_rng, doubles_and_exponentials)
{
    rng r;
    rng_stream(&r, 5, 2);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = rng_double(&r);
        cr_assert(u >= 0.0 && u < 1.0);
        double e = rng_exp(&r, 1000.0);
        cr_assert(e >= 0.0);
        sum += e;
    }
    double mean = sum / 100000;
    cr_assert(mean > 980 && mean < 1020, "mean %f", mean);
}

BS_TEST(engine_rng, log_without_libm_is_accurate)
{
    /* Reference values of ln(x). */
    static const struct { double x, ln; } cases[] = {
        {1.0, 0.0}, {2.0, 0.6931471805599453}, {0.5, -0.6931471805599453},
        {10.0, 2.302585092994046}, {1e-300, -690.7755278982137}, {0.1, -2.3025850929940455},
        {1.4142135623730951, 0.3465735902799727}, {123456.789, 11.723646487185881},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double got = rng_log(cases[i].x), want = cases[i].ln;
        double err = got - want;
        if (err < 0)
            err = -err;
        cr_assert(err <= 1e-12 * (want < 0 ? -want : want) + 1e-15, "log(%g) = %.17g, want %.17g",
                  cases[i].x, got, want);
    }
}

BS_TEST(engine_rng, bounded_distribution_respects_its_bounds)
{
    rng r;
    rng_stream(&r, 11, 3);
    uint64_t lo = UINT64_MAX, hi = 0, sum = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t v = rng_bounded(&r, 100, 600, 5000);
        cr_assert(v >= 100 && v <= 5000);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
    }
    cr_assert_lt(lo, 110u);
    cr_assert_eq(hi, 5000u); /* the tail is clamped, and reached */
    cr_assert(sum / 20000 > 550 && sum / 20000 < 620, "mean %llu", (unsigned long long)(sum / 20000));
    cr_assert_eq(rng_bounded(&r, 300, 300, 900), 300u);
    cr_assert_eq(rng_bounded(&r, 300, 100, 900), 300u);
}

BS_TEST(engine_events, pops_in_time_order)
{
    ev_queue q;
    cr_assert_eq(ev_queue_init(&q, 256), 0);
    rng r;
    rng_stream(&r, 1, 99);
    for (int i = 0; i < 200; i++)
        cr_assert_eq(ev_push(&q, rng_below(&r, 1000), 0, (uint32_t)i, 0), 0);
    ev_event e, prev = {0};
    for (int i = 0; i < 200; i++) {
        cr_assert_eq(ev_pop(&q, &e), 0);
        cr_assert(e.time_ns > prev.time_ns || (e.time_ns == prev.time_ns && e.seq > prev.seq) || i == 0);
        cr_assert_eq(q.now_ns, e.time_ns);
        prev = e;
    }
    cr_assert_eq(ev_pop(&q, &e), -1);
    ev_queue_free(&q);
}

BS_TEST(engine_events, ties_break_by_scheduling_order)
{
    ev_queue q;
    cr_assert_eq(ev_queue_init(&q, 64), 0);
    for (uint32_t i = 0; i < 50; i++)
        cr_assert_eq(ev_push(&q, (i % 2) ? 10 : 20, 0, i, 0), 0);
    ev_event e;
    for (uint32_t i = 1; i < 50; i += 2) {
        cr_assert_eq(ev_pop(&q, &e), 0);
        cr_assert_eq(e.obj, i);
    }
    for (uint32_t i = 0; i < 50; i += 2) {
        cr_assert_eq(ev_pop(&q, &e), 0);
        cr_assert_eq(e.obj, i);
    }
    ev_queue_free(&q);
}

BS_TEST(engine_events, full_queue_fails_without_growing_and_clock_never_goes_back)
{
    ev_queue q;
    cr_assert_eq(ev_queue_init(&q, 2), 0);
    cr_assert_eq(ev_push(&q, 5, 0, 0, 0), 0);
    cr_assert_eq(ev_push(&q, 9, 0, 1, 0), 0);
    cr_assert_eq(ev_push(&q, 1, 0, 2, 0), BS_ENOMEM);
    cr_assert_eq(q.cap, 2u);
    ev_event e;
    cr_assert_eq(ev_pop(&q, &e), 0);
    cr_assert_eq(ev_push(&q, 1, 0, 3, 0), 0); /* in the past: raised to now */
    cr_assert_eq(ev_pop(&q, &e), 0);
    cr_assert_eq(e.obj, 3u);
    cr_assert_eq(e.time_ns, 5u);
    cr_assert_eq(ev_queue_reserve(&q, 100), 0);
    cr_assert_eq(q.cap, 100u);
    ev_queue_free(&q);
}

/* ---- the simulator ------------------------------------------------------------------- */

static sim_result run_cfg(const sim_config *cfg, uint64_t seed)
{
    sim_result r;
    cr_assert_eq(sim_run(cfg, seed, &r, NULL), 0, "%s", r.message);
    return r;
}

/* Runs with the trace captured in memory; the caller frees *bytes. */
static sim_result run_traced(const sim_config *cfg, uint64_t seed, char **bytes, size_t *len)
{
    FILE *f = open_memstream(bytes, len);
    cr_assert_not_null(f);
    sim_result r;
    cr_assert_eq(sim_run(cfg, seed, &r, f), 0, "%s", r.message);
    cr_assert_eq(fclose(f), 0);
    return r;
}

static void assert_clean(const sim_config *cfg, const sim_result *r)
{
    uint64_t records = cfg->sources * cfg->records_per_source;
    cr_assert_eq(r->outcome, SIM_OK, "%s", r->message);
    cr_assert(!r->stopped_at_max_events);
    cr_assert_eq(r->records_emitted, records);
    cr_assert_eq(r->records_delivered, records);
    cr_assert_gt(r->checkpoints_completed, 5);
    cr_assert_eq(r->checkpoints_timed_out, 0);
    cr_assert_eq(r->checkpoints_declined, 0);
    cr_assert_eq(r->checkpoints_started, r->checkpoints_completed);
}

BS_TEST(engine_sim, two_stage_4x4_all_to_all_spill_runs_clean)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cr_assert_eq(cfg.stages, 2);
    cr_assert_eq(cfg.parallelism, 4);
    cr_assert_eq(cfg.link[0], SIM_LINK_ALL_TO_ALL);
    cr_assert_str_eq(cfg.strategy, "spill");
    for (uint64_t seed = 1; seed <= 3; seed++) {
        sim_result r = run_cfg(&cfg, seed);
        assert_clean(&cfg, &r);
        cr_assert_gt(r.events, 40000);
        cr_assert_gt(r.time_ns, 1000000);
        cr_assert_gt(r.spill_writes, 0); /* alignments really blocked and spilled */
        cr_assert_gt(r.checkpoint_duration_max_ns, 0);
        cr_assert_lt(r.checkpoint_duration_max_ns, cfg.checkpoint_interval_ns);
    }
}

BS_TEST(engine_sim, tracker_runs_clean)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.strategy = "tracker";
    for (uint64_t seed = 1; seed <= 3; seed++) {
        sim_result r = run_cfg(&cfg, seed);
        assert_clean(&cfg, &r);
        cr_assert_eq(r.spill_files, 0); /* the tracker never blocks */
    }
}

BS_TEST(engine_sim, same_seed_gives_identical_trace_bytes_and_hash)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.records_per_source = 500;
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    sim_result ra = run_traced(&cfg, 77, &a, &alen);
    sim_result rb = run_traced(&cfg, 77, &b, &blen);
    sim_result rc = run_cfg(&cfg, 77); /* no FILE: the same hash */
    cr_assert_eq(ra.outcome, SIM_OK, "%s", ra.message);
    cr_assert_gt(alen, 1000u);
    cr_assert_eq(alen, blen);
    cr_assert(memcmp(a, b, alen) == 0);
    cr_assert_eq(ra.trace_hash, rb.trace_hash);
    cr_assert_eq(ra.trace_hash, rc.trace_hash);
    cr_assert_eq(ra.events, rb.events);
    cr_assert_eq(ra.time_ns, rb.time_ns);
    cr_assert_eq(ra.sink_fold, rb.sink_fold);
    /* The header holds the seed and every parameter. */
    cr_assert(strncmp(a, "# barriersim sim seed=77 strategy=spill sources=4 stages=2 parallelism=4", 71) == 0);
    size_t lines = 0;
    for (size_t i = 0; i < alen; i++)
        lines += a[i] == '\n';
    cr_assert_eq(lines, ra.trace_lines);
    free(a);
    free(b);
}

BS_TEST(engine_sim, different_seeds_give_different_traces)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.records_per_source = 300;
    sim_result r1 = run_cfg(&cfg, 1), r2 = run_cfg(&cfg, 2);
    cr_assert_neq(r1.trace_hash, r2.trace_hash);
    cr_assert_neq(r1.time_ns, r2.time_ns);
    /* The records are the same whatever the schedule: so is the sinks' combined state. */
    cr_assert_eq(r1.sink_fold, r2.sink_fold);
}

static void one_pipe(sim_config *cfg, uint64_t service_ns)
{
    sim_config_default(cfg);
    cfg->sources = 1;
    cfg->stages = 1;
    cfg->parallelism = 1;
    cfg->link[0] = SIM_LINK_FORWARD;
    cfg->credits = 1;
    cfg->latency = (sim_dist){100, 100, 100};
    cfg->service[0] = (sim_dist){service_ns, service_ns, service_ns};
    cfg->source_interval_ns = 1000;
    cfg->records_per_source = 200;
    cfg->checkpoint_interval_ns = 50000;
}

BS_TEST(engine_sim, one_credit_and_a_slow_receiver_back_pressure_the_sender)
{
    sim_config fast, slow;
    one_pipe(&fast, 10);
    one_pipe(&slow, 20000);
    sim_result rf = run_cfg(&fast, 5), rs = run_cfg(&slow, 5);
    cr_assert_eq(rf.outcome, SIM_OK, "%s", rf.message);
    cr_assert_eq(rs.outcome, SIM_OK, "%s", rs.message);
    cr_assert_eq(rs.records_delivered, 200);
    /* The slow receiver paces the whole pipe: 200 records at 20 us each at least... */
    cr_assert_geq(rs.time_ns, 199 * 20000);
    /* ...because the source waited for credit most of that time, and the fast one hardly. */
    cr_assert_gt(rs.credit_waits, 150);
    cr_assert_gt(rs.credit_wait_ns, 150 * 10000);
    cr_assert_lt(rf.credit_wait_ns, rs.credit_wait_ns / 100);
    cr_assert_lt(rf.time_ns, 200 * 2000);
    cr_assert_gt(rs.checkpoints_completed, 10);
}

BS_TEST(engine_sim, forward_links_and_more_stages_run_clean)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.stages = 3;
    cfg.link[1] = SIM_LINK_FORWARD;
    cfg.credits = 2;
    cfg.records_per_source = 500;
    cfg.checkpoint_interval_ns = 50000;
    sim_result r = run_cfg(&cfg, 9);
    assert_clean(&cfg, &r);
}

BS_TEST(engine_sim, a_handler_that_does_not_align_is_caught_with_time_and_event)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.strategy = "planted-no-block";
    cfg.records_per_source = 500;
    sim_result r = run_cfg(&cfg, 1);
    cr_assert_eq(r.outcome, SIM_VIOLATION);
    cr_assert(strncmp(r.message, "t=", 2) == 0, "%s", r.message);
    cr_assert_not_null(strstr(r.message, " event "), "%s", r.message);
    cr_assert_not_null(strstr(r.message, "exactly-once"), "%s", r.message);
}

BS_TEST(engine_sim, invalid_configurations_are_refused_with_a_reason)
{
    sim_config cfg;
    sim_config_default(&cfg);
    sim_result r;
    cfg.strategy = "nope";
    cr_assert_eq(sim_run(&cfg, 1, &r, NULL), BS_EINVAL);
    cr_assert_not_null(strstr(r.message, "unknown strategy"));
    sim_config_default(&cfg);
    cfg.link[0] = SIM_LINK_FORWARD;
    cfg.sources = 3;
    cr_assert_eq(sim_run(&cfg, 1, &r, NULL), BS_EINVAL);
    cr_assert_not_null(strstr(r.message, "forward"), "%s", r.message);
    sim_config_default(&cfg);
    cfg.credits = 0;
    cr_assert_eq(sim_run(&cfg, 1, &r, NULL), BS_EINVAL);
    cr_assert_eq(r.outcome, SIM_ERROR);
}

BS_TEST(engine_sim, max_events_stops_the_run)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.max_events = 1000;
    sim_result r = run_cfg(&cfg, 1);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert(r.stopped_at_max_events);
    cr_assert_eq(r.events, 1000);
}

BS_TEST(engine_sim, every_event_has_a_trace_line)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.records_per_source = 200;
    char *buf = NULL;
    size_t len = 0;
    sim_result r = run_traced(&cfg, 3, &buf, &len);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    uint8_t *seen = calloc(r.events + 1, 1);
    cr_assert_not_null(seen);
    const char *p = strchr(buf, '\n') + 1; /* after the header */
    unsigned long long prev_time = 0;
    while (p < buf + len) {
        unsigned long long t, ev;
        cr_assert_eq(sscanf(p, "%llu %llu", &t, &ev), 2, "%.60s", p);
        cr_assert_geq(t, prev_time, "time goes back: %.60s", p);
        cr_assert_leq(ev, r.events);
        seen[ev] = 1;
        prev_time = t;
        p = strchr(p, '\n') + 1;
    }
    for (uint64_t e = 1; e <= r.events; e++)
        cr_assert(seen[e], "event %llu has no trace line", (unsigned long long)e);
    free(seen);
    free(buf);
}

BS_TEST(engine_sim, checkpoints_time_out_when_the_timeout_is_shorter_than_a_round_trip)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.records_per_source = 300;
    cfg.latency = (sim_dist){2000, 3000, 10000};
    cfg.checkpoint_interval_ns = 20000;
    cfg.checkpoint_timeout_ns = 1000;
    sim_result r = run_cfg(&cfg, 4);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_gt(r.checkpoints_timed_out, 5);
    cr_assert_eq(r.checkpoints_completed, 0);
    cr_assert_eq(r.records_delivered, 4 * 300);
}

BS_TEST(engine_sim, an_alignment_over_its_byte_limit_aborts_and_declines_the_checkpoint)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.records_per_source = 500;
    cfg.max_buffered_bytes = 40; /* one spilled record of 32 bytes plus header exceeds it */
    sim_result r = run_cfg(&cfg, 6);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_gt(r.checkpoints_declined, 0);
    cr_assert_eq(r.checkpoints_started,
                 r.checkpoints_completed + r.checkpoints_declined + r.checkpoints_timed_out);
    cr_assert_eq(r.records_delivered, 4 * 500);
}

/* Issue 12 item 11: the engine stops a run whose checkers' history passes max-memory-bytes
 * (history the loader's estimate cannot foresee, here the barriers of 300 checkpoints), and
 * the same run under a larger bound is untouched by the check: the same hash either way. */
BS_TEST(engine_sim, memory_bound_stops_a_run_that_outgrows_it)
{
    sim_config cfg;
    sim_config_default(&cfg);
    cfg.strategy = "block";
    cfg.records_per_source = 37000;
    cfg.max_memory_bytes = SIM_MEMORY_MIN_BYTES;
    cr_assert_leq(sim_memory_estimate(&cfg), sim_memory_bound(&cfg), "the loader would accept it");
    sim_result r;
    cr_assert_eq(sim_run(&cfg, 42, &r, NULL), BS_ENOMEM);
    cr_assert_eq(r.outcome, SIM_ERROR);
    cr_assert(strstr(r.message, "memory: the run's checkers hold"), "%s", r.message);
    cr_assert(strstr(r.message, "more than max-memory-bytes (16777216)"), "%s", r.message);
    cr_assert_lt(r.events, 2000000, "stopped early");
    cfg.records_per_source = 2000;
    sim_result small_bound, default_bound;
    cr_assert_eq(sim_run(&cfg, 42, &small_bound, NULL), 0);
    cfg.max_memory_bytes = 0;
    cr_assert_eq(sim_run(&cfg, 42, &default_bound, NULL), 0);
    cr_assert_eq(small_bound.trace_hash, default_bound.trace_hash);
    cr_assert_eq(small_bound.outcome, SIM_OK);
}
