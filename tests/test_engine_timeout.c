/*
 * test_engine_timeout.c: Flink 1.14+ aligned checkpoints with a timeout in the byte network
 * (sim/engine/at_timeout.c): the timer counts from the checkpoint's start, timed-out barriers
 * overtake the senders' output queues and the receivers' input queues, every invariant
 * holds, and the timeout pays off under back-pressure. The record model keeps the per-task
 * timeout (its traces are pinned in test_engine_net.c).
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../sim/engine/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CheckpointingTimeBenchmark's shape, smaller: 2 sources -> 2 maps -> 2 slow sinks (1 ms
 * per record), 1 KiB records, 4 KiB segments: the sinks back-pressure the whole job. */
static void slow_sinks(sim_config *c, const char *strategy, uint64_t timeout_ns)
{
    sim_config_default(c);
    c->sources = 2;
    c->stages = 2;
    c->parallelism = 2;
    c->link[0] = c->link[1] = SIM_LINK_ALL_TO_ALL;
    c->records_per_source = 600;
    c->payload_len = 1024;
    c->latency = (sim_dist){20000, 50000, 200000};
    c->service[0] = (sim_dist){1000, 2000, 10000};
    c->service[1] = (sim_dist){1000000, 1000000, 1100000};
    c->source_interval_ns = 10000;
    c->checkpoint_interval_ns = 100000000;
    c->checkpoint_timeout_ns = 0;
    c->checkpoint_bound_ns = 0;
    c->stall_bound_ns = 0;
    c->strategy = strategy;
    c->alignment_timeout_ns = timeout_ns;
    c->net.model = SIM_NET_BYTES;
    c->net.segment_bytes = 4096;
}

static sim_result run_traced(const sim_config *cfg, uint64_t seed, char **bytes)
{
    size_t len;
    FILE *f = open_memstream(bytes, &len);
    cr_assert_not_null(f);
    sim_result r;
    cr_assert_eq(sim_run(cfg, seed, &r, f), 0, "%s", r.message);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    return r;
}

/* The time of the first trace line holding `what`, or UINT64_MAX. */
static uint64_t first_time(const char *trace, const char *what)
{
    const char *p = strstr(trace, what);
    if (!p)
        return UINT64_MAX;
    while (p > trace && p[-1] != '\n')
        p--;
    return strtoull(p, NULL, 10);
}

/* The largest N of the lines "... <prefix>N <suffix>" (0 when none). */
static uint64_t max_count(const char *trace, const char *prefix)
{
    uint64_t best = 0;
    for (const char *p = strstr(trace, prefix); p; p = strstr(p + 1, prefix)) {
        uint64_t n = strtoull(p + strlen(prefix), NULL, 10);
        best = n > best ? n : best;
    }
    return best;
}

BS_TEST(timeout, the_alignment_timer_counts_from_the_checkpoint_start)
{
    sim_config c;
    slow_sinks(&c, "aligned-timeout", 1000000);
    char *t = NULL;
    run_traced(&c, 1, &t);
    uint64_t start = first_time(t, "coord start 1\n"), fired = first_time(t, "alignment timer of c1 fires");
    cr_assert_neq(start, UINT64_MAX, "%.2000s", t);
    cr_assert_eq(fired, start + 1000000 + 1, "start %llu, timer %llu", (unsigned long long)start,
                 (unsigned long long)fired);
    /* the first task to go unaligned does so at the timer, however late it saw b1 */
    uint64_t unaligned = first_time(t, "unaligned 1\n");
    cr_assert(unaligned >= fired && unaligned < fired + 1000000, "unaligned at %llu, timer %llu",
              (unsigned long long)unaligned, (unsigned long long)fired);
    free(t);
}

BS_TEST(timeout, a_timed_out_barrier_overtakes_the_senders_output_queue)
{
    sim_config c;
    slow_sinks(&c, "aligned-timeout", 1000000);
    char *t = NULL;
    sim_result r = run_traced(&c, 1, &t);
    /* the sources' and maps' queued b<K> became priority events ahead of queued records */
    cr_assert_gt(max_count(t, "timed-out b1 overtakes "), 0, "%.3000s", t);
    cr_assert_geq(r.checkpoints_completed, 2);
    free(t);
}

BS_TEST(timeout, a_converted_barrier_overtakes_the_receivers_input_queue)
{
    sim_config c;
    slow_sinks(&c, "aligned-timeout", 1000000);
    char *t = NULL;
    run_traced(&c, 1, &t);
    /* a task took b1 ahead of data queued before it (convertToPriorityEvent) and persisted
     * that data as channel state */
    cr_assert_gt(max_count(t, " overtaking "), 0);
    cr_assert_not_null(strstr(t, " state 1 d"));
    free(t);
}

BS_TEST(timeout, the_record_model_and_announce_barriers_0_keep_the_per_task_timeout)
{
    sim_config c;
    slow_sinks(&c, "aligned-timeout", 1000000);
    c.net.announce = 0;
    char *t = NULL;
    run_traced(&c, 1, &t);
    cr_assert_null(strstr(t, "alignment timer"));
    cr_assert_null(strstr(t, "timed-out b"));
    free(t);
    slow_sinks(&c, "aligned-timeout", 1000000);
    c.net.model = SIM_NET_RECORDS;
    run_traced(&c, 1, &t);
    cr_assert_null(strstr(t, "alignment timer"));
    free(t);
}

BS_TEST(timeout, conversions_keep_every_invariant_across_seeds_and_restores)
{
    uint64_t restarts = 0, completed = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        sim_config c;
        slow_sinks(&c, "aligned-timeout", seed * 200000);
        c.records_per_source = 300;
        c.checkpoint_interval_ns = 20000000;
        c.fault_ppm[SIM_FAULT_FAIL] = 500000; /* a task fails now and then: restores */
        c.fault_draws = 2;
        sim_result r;
        cr_assert_eq(sim_run(&c, seed, &r, NULL), 0, "%s", r.message);
        cr_assert_eq(r.outcome, SIM_OK, "seed %llu: %s", (unsigned long long)seed, r.message);
        restarts += r.restarts;
        completed += r.checkpoints_completed;
    }
    cr_assert_gt(restarts, 0);
    cr_assert_gt(completed, 6);
}

/* The payoff (issue 9): under back-pressure a 1 ms timeout lands between unaligned and
 * aligned checkpoints, far closer to unaligned. */
BS_TEST(timeout, a_1ms_timeout_is_between_unaligned_and_aligned_and_closer_to_unaligned)
{
    uint64_t d[3];
    const char *strategies[3] = {"unaligned", "aligned-timeout", "block"};
    for (int i = 0; i < 3; i++) {
        sim_config c;
        slow_sinks(&c, strategies[i], 1000000);
        sim_result r;
        cr_assert_eq(sim_run(&c, 1, &r, NULL), 0, "%s", r.message);
        cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
        cr_assert_geq(r.checkpoints_completed, 2, "%s", strategies[i]);
        d[i] = r.checkpoint_duration_max_ns;
    }
    cr_assert(d[0] < d[1] && d[1] < d[2], "unaligned %llu, aligned-timeout %llu, block %llu ns",
              (unsigned long long)d[0], (unsigned long long)d[1], (unsigned long long)d[2]);
    cr_assert_lt(d[1] - d[0], d[2] - d[1], "unaligned %llu, aligned-timeout %llu, block %llu ns",
                 (unsigned long long)d[0], (unsigned long long)d[1], (unsigned long long)d[2]);
}
