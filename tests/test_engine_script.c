/*
 * test_engine_script.c: scripted source schedules (sim_step) and the reorder fault: a
 * script runs deterministically and does what its steps say (records, barriers at set
 * times, cancels, eops, fault steps that fire once), a restart resumes the script at the
 * restored offset, invalid scripts are refused, and a newer barrier overtaking an older
 * one (scripted, or the reorder fault, on many seeds) breaks no invariant. Also the
 * end-to-end guarantee: a tracker held to exactly-once fails after a restore.
 */
#include "bs_test.h"

#include "../sim/engine/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEXT SIM_STEP_NEXT

/* 2 sources -> 1 sink, constant latencies: every time in the trace follows from the script. */
static void two_to_one(sim_config *c, const sim_step *steps, uint32_t n)
{
    sim_config_default(c);
    c->sources = 2;
    c->stages = 1;
    c->parallelism = 1;
    c->latency = (sim_dist){1000, 1000, 1000};
    c->service[0] = (sim_dist){100, 100, 100};
    c->source_interval_ns = 1000;
    c->checkpoint_interval_ns = 0;
    c->records_per_source = 10;
    c->steps = steps;
    c->n_steps = n;
}

static sim_result run_traced(const sim_config *c, uint64_t seed, char **text)
{
    size_t len;
    FILE *f = open_memstream(text, &len);
    cr_assert_not_null(f);
    sim_result r;
    cr_assert_eq(sim_run(c, seed, &r, f), 0, "%s", r.message);
    fclose(f);
    return r;
}

BS_TEST(engine_script, a_barrier_long_before_the_other_aligns_and_completes)
{
    const sim_step steps[] = {
        {0, SIM_STEP_RECORDS, NEXT, 3}, {0, SIM_STEP_BARRIER, NEXT, 1}, {0, SIM_STEP_RECORDS, NEXT, 2},
        {1, SIM_STEP_RECORDS, NEXT, 1}, {1, SIM_STEP_BARRIER, 50000, 1}, {1, SIM_STEP_RECORDS, NEXT, 2},
    };
    sim_config c;
    two_to_one(&c, steps, 6);
    char *a = NULL, *b = NULL;
    sim_result r1 = run_traced(&c, 1, &a), r2 = run_traced(&c, 99, &b);
    cr_assert_eq(r2.events, r1.events);
    cr_assert_eq(r1.outcome, SIM_OK, "%s", r1.message);
    cr_assert_eq(r1.checkpoints_started, 1);
    cr_assert_eq(r1.checkpoints_completed, 1);
    cr_assert_eq(r1.reference_records, 8, "each source's partition is its scripted records");
    cr_assert_eq(r1.sink_records, 8);
    cr_assert_not_null(strstr(a, "\n3000 12 src0 step 1: barrier b1\n3000 12 coord start 1\n"), "%s", a);
    cr_assert_not_null(strstr(a, "\n50000 26 src1 step 1: barrier b1\n"), "b1 at the scripted time");
    cr_assert_not_null(strstr(a, "coord complete 1 after 48000 ns"));
    /* Constant latencies and service: nothing is left to the seed but the header. */
    cr_assert_str_eq(strchr(a, '\n'), strchr(b, '\n'));
    free(a);
    free(b);
}

BS_TEST(engine_script, an_eop_mid_alignment_aborts_the_checkpoint)
{
    const sim_step steps[] = {
        {0, SIM_STEP_RECORDS, NEXT, 2}, {0, SIM_STEP_BARRIER, NEXT, 1}, {0, SIM_STEP_RECORDS, NEXT, 3},
        {1, SIM_STEP_RECORDS, NEXT, 2}, {1, SIM_STEP_EOP, 20000, 0},
    };
    sim_config c;
    two_to_one(&c, steps, 5);
    char *t = NULL;
    sim_result r = run_traced(&c, 1, &t);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_eq(r.checkpoints_completed, 0);
    cr_assert_eq(r.checkpoints_declined, 1);
    cr_assert_not_null(strstr(t, "20000 28 src1 step 1: eop"), "%s", t);
    cr_assert_not_null(strstr(t, "s0t0 abort 1 eop"));
    cr_assert_eq(r.sink_records, 7);
    free(t);
}

BS_TEST(engine_script, a_fault_step_fires_once_and_the_script_resumes_at_the_restored_offset)
{
    sim_fault f[] = {{.kind = SIM_FAULT_FAIL, .target = 2}};
    const sim_step steps[] = {
        {0, SIM_STEP_RECORDS, NEXT, 4}, {0, SIM_STEP_BARRIER, NEXT, 1}, {0, SIM_STEP_RECORDS, NEXT, 3},
        {0, SIM_STEP_FAULT, 30000, 0},  {0, SIM_STEP_RECORDS, NEXT, 3},
        {1, SIM_STEP_RECORDS, NEXT, 4}, {1, SIM_STEP_BARRIER, NEXT, 1}, {1, SIM_STEP_RECORDS, NEXT, 6},
    };
    sim_config c;
    two_to_one(&c, steps, 8);
    c.faults = f;
    c.n_faults = 1;
    char *t = NULL;
    sim_result r = run_traced(&c, 1, &t);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_eq(r.restarts, 1, "the fault step fires once, not again after the restart");
    cr_assert_eq(r.checkpoints_completed, 1);
    cr_assert_eq(r.sink_records, r.reference_records);
    cr_assert_eq(r.sink_fold, r.reference_fold);
    cr_assert_eq(r.reference_records, 20);
    cr_assert_not_null(strstr(t, "restarted from checkpoint 1"), "%s", t);
    /* After the restore src0 resumes at its 5th record (offset 4 at b1), not from the start. */
    const char *after = strstr(t, "restarted from checkpoint 1");
    cr_assert_not_null(strstr(after, "src0 emit d0:4\n"));
    cr_assert_null(strstr(after, "src0 emit d0:0\n"));
    free(t);
}

BS_TEST(engine_script, a_newer_barrier_overtaking_an_older_one_breaks_no_invariant)
{
    const sim_step steps[] = {
        {0, SIM_STEP_RECORDS, NEXT, 4}, {0, SIM_STEP_BARRIER, NEXT, 1}, {0, SIM_STEP_RECORDS, NEXT, 4},
        {0, SIM_STEP_BARRIER, 30000, 2}, {0, SIM_STEP_RECORDS, NEXT, 2},
        {1, SIM_STEP_RECORDS, NEXT, 2}, {1, SIM_STEP_BARRIER, 20000, 2}, {1, SIM_STEP_BARRIER, NEXT, 1},
        {1, SIM_STEP_RECORDS, NEXT, 6},
    };
    const char *strategies[] = {"spill", "tracker"};
    for (int s = 0; s < 2; s++) {
        sim_config c;
        two_to_one(&c, steps, 9);
        c.strategy = strategies[s];
        sim_result r;
        cr_assert_eq(sim_run(&c, 1, &r, NULL), 0, "%s", r.message);
        cr_assert_eq(r.outcome, SIM_OK, "%s: %s", strategies[s], r.message);
        cr_assert_eq(r.checkpoints_abandoned, 1, "b2 starts checkpoint 2 while 1 is pending");
        cr_assert_eq(r.checkpoints_completed, 1, "%s", strategies[s]);
        cr_assert_eq(r.sink_records, r.reference_records);
    }
}

BS_TEST(engine_script, invalid_scripts_are_refused)
{
    const sim_step bad_src[] = {{5, SIM_STEP_RECORDS, NEXT, 1}};
    const sim_step zero[] = {{0, SIM_STEP_RECORDS, NEXT, 0}};
    const sim_step after_eop[] = {{0, SIM_STEP_EOP, NEXT, 0}, {0, SIM_STEP_RECORDS, NEXT, 1}};
    const sim_step no_fault[] = {{0, SIM_STEP_FAULT, NEXT, 3}};
    const sim_step too_many[] = {{0, SIM_STEP_RECORDS, NEXT, 11}};
    const struct { const sim_step *s; uint32_t n; const char *why; } cases[] = {
        {bad_src, 1, "no such source"},           {zero, 1, "at least 1 record"},
        {after_eop, 2, "after a source's eop"},    {no_fault, 1, "names no scripted fault"},
        {too_many, 1, "more than records_per_source"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_config c;
        two_to_one(&c, cases[i].s, cases[i].n);
        sim_result r;
        cr_assert_neq(sim_run(&c, 1, &r, NULL), 0);
        cr_assert_not_null(strstr(r.message, cases[i].why), "%s", r.message);
    }
    sim_config c;
    two_to_one(&c, zero, 1);
    c.steps = bad_src;
    c.checkpoint_interval_ns = 1000;
    sim_result r;
    cr_assert_neq(sim_run(&c, 1, &r, NULL), 0);
    cr_assert_not_null(strstr(r.message, "checkpoint_interval_ns must be 0"), "%s", r.message);
}

BS_TEST(engine_script, the_reorder_fault_sends_the_newer_barrier_first)
{
    sim_config c;
    sim_config_default(&c);
    c.records_per_source = 600;
    const sim_fault f[] = {{.kind = SIM_FAULT_REORDER, .target = 1, .at_ns = 5000, .checkpoint = 2}};
    c.faults = f;
    c.n_faults = 1;
    char *t = NULL;
    sim_result r = run_traced(&c, 42, &t);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_eq(r.faults_fired, 1);
    cr_assert_eq(r.sink_records, r.reference_records);
    cr_assert_eq(r.sink_fold, r.reference_fold);
    const char *hold = strstr(t, "src1 hold b2 back (reorder fault)");
    cr_assert_not_null(hold, "%s", t);
    const char *late = strstr(hold, "src1 send b2 late, after b3 (reorder fault)");
    cr_assert_not_null(late);
    cr_assert_not_null(strstr(hold, "coord abandon 2"));
    cr_assert(strstr(hold, "coord start 3") < late);
    free(t);
}

BS_TEST(engine_script, reorder_faults_on_many_seeds_break_no_invariant)
{
    const char *strategies[] = {"spill", "tracker"};
    for (uint64_t seed = 1; seed <= 40; seed++) {
        sim_config c;
        sim_config_default(&c);
        c.strategy = strategies[seed % 2];
        c.records_per_source = 200;
        c.checkpoint_interval_ns = 20000;
        c.fault_ppm[SIM_FAULT_REORDER] = 1000000;
        c.fault_draws = 3;
        sim_result r;
        cr_assert_eq(sim_run(&c, seed, &r, NULL), 0, "%s", r.message);
        cr_assert_eq(r.outcome, SIM_OK, "seed %llu: %s", (unsigned long long)seed, r.message);
        cr_assert_eq(r.sink_records >= r.reference_records, true);
    }
}

BS_TEST(engine_script, a_tracker_held_to_exactly_once_fails_after_a_restore)
{
    sim_config c;
    sim_config_default(&c);
    c.strategy = "tracker";
    c.records_per_source = 1000;
    c.credits = 2;
    const sim_fault f[] = {{.kind = SIM_FAULT_FAIL, .target = 9, .at_ns = 5000, .checkpoint = 3}};
    c.faults = f;
    c.n_faults = 1;
    sim_result r;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), 0);
    cr_assert_eq(r.outcome, SIM_OK, "at-least-once holds: %s", r.message);
    cr_assert_gt(r.sink_records, r.reference_records, "the restore replayed counted records");
    c.end_to_end = SIM_E2E_EXACTLY_ONCE;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), 0);
    cr_assert_eq(r.outcome, SIM_VIOLATION);
    cr_assert_not_null(strstr(r.message, "sinks: final state: not exactly-once after a restore: the sinks' states "
                                         "hold record d"), "%s", r.message);
}
