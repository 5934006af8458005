/*
 * test_engine_faults.c: the simulator's faults (scripted and drawn from the seed), task
 * failure and restart from the latest completed checkpoint, the global invariants after
 * restores (the sinks' final state against the failure-free result, liveness, deadlock,
 * bounds), and the bugs planted in the simulation, each caught while the same seeds run
 * clean without the plant.
 */
#include "bs_test.h"

#include "../sim/engine/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASK(stage, i) (4u + (stage) * 4u + (i)) /* node ids in the default 4 + 2x4 topology */

static sim_result run_faults(sim_config *cfg, uint64_t seed, const sim_fault *f, uint32_t n)
{
    cfg->faults = f;
    cfg->n_faults = n;
    sim_result r;
    cr_assert_eq(sim_run(cfg, seed, &r, NULL), 0, "%s", r.message);
    return r;
}

static void small(sim_config *cfg)
{
    sim_config_default(cfg);
    cfg->records_per_source = 600;
}

/* Ended with every sink done and the final state equal to the failure-free result. */
static void assert_exact(const sim_result *r)
{
    cr_assert_eq(r->outcome, SIM_OK, "%s", r->message);
    cr_assert(!r->stopped_at_max_events);
    cr_assert_eq(r->sink_records, r->reference_records);
    cr_assert_eq(r->sink_fold, r->reference_fold);
}

BS_TEST(engine_faults, every_kind_has_a_name)
{
    for (int k = 0; k < SIM_FAULT_KINDS; k++)
        cr_assert_not_null(sim_fault_kind_name((sim_fault_kind)k));
    cr_assert_null(sim_fault_kind_name(SIM_FAULT_KINDS));
    cr_assert_str_eq(sim_fault_kind_name(SIM_FAULT_ENOSPC), "enospc");
}

BS_TEST(engine_faults, a_clean_run_equals_the_failure_free_result)
{
    sim_config cfg;
    small(&cfg);
    sim_result r = run_faults(&cfg, 1, NULL, 0);
    assert_exact(&r);
    cr_assert_eq(r.reference_records, 4 * 600);
    cr_assert_eq(r.faults_fired, 0);
    cr_assert_eq(r.restarts, 0);
}

BS_TEST(engine_faults, an_early_eop_stops_the_source_and_the_rest_still_matches)
{
    sim_config cfg;
    small(&cfg);
    sim_fault f[] = {{SIM_FAULT_EOP, 2, 300000, 0, 0}};
    sim_result r = run_faults(&cfg, 2, f, 1);
    assert_exact(&r);
    cr_assert_eq(r.faults_fired, 1);
    cr_assert_lt(r.reference_records, 4 * 600);
    cr_assert_gt(r.reference_records, 3 * 600);
}

BS_TEST(engine_faults, a_skipped_barrier_keeps_its_checkpoint_from_completing)
{
    sim_config cfg;
    small(&cfg);
    cfg.checkpoint_timeout_ns = 400000;
    sim_fault f[] = {{SIM_FAULT_SKIP, 1, 0, 3, 0}};
    sim_result r = run_faults(&cfg, 3, f, 1);
    assert_exact(&r);
    cr_assert_eq(r.faults_fired, 1);
    cr_assert_eq(r.checkpoints_started, r.checkpoints_completed + 1);
    cr_assert_eq(r.checkpoints_timed_out + r.checkpoints_declined, 1);
}

BS_TEST(engine_faults, a_skip_and_an_overlap_start_the_next_checkpoint_before_it_ends)
{
    sim_config cfg;
    small(&cfg);
    sim_fault f[] = {{SIM_FAULT_SKIP, 1, 0, 3, 0}, {SIM_FAULT_OVERLAP, 0, 20000, 3, 0}};
    sim_result r = run_faults(&cfg, 3, f, 2);
    assert_exact(&r);
    cr_assert_eq(r.faults_fired, 2);
    cr_assert_eq(r.checkpoints_abandoned, 1);
    cr_assert_eq(r.checkpoints_timed_out, 0);
    /* Checkpoint 4 subsumed 3 in the handlers that had begun it. */
    cr_assert_gt(r.checkpoints_completed, 3);
}

BS_TEST(engine_faults, cancel_markers_from_a_source_and_a_task_decline_their_checkpoints)
{
    sim_config cfg;
    small(&cfg);
    sim_fault f[] = {{SIM_FAULT_CANCEL, 0, 1000, 2, 0}, {SIM_FAULT_CANCEL, TASK(0, 1), 2000, 4, 0}};
    sim_result r = run_faults(&cfg, 4, f, 2);
    assert_exact(&r);
    cr_assert_eq(r.faults_fired, 2);
    cr_assert_geq(r.checkpoints_declined, 1);
}

/* A source that skipped b3 and then ended: when its eop reaches the task before the other
 * source's b3, checkpoint 3 completes with all of its records before it, so its offset in
 * 3 is its whole partition and a restore from 3 replays none of them. */
BS_TEST(engine_faults, a_source_that_skips_then_ends_puts_all_its_records_before_the_checkpoint)
{
    int completed_3 = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        sim_config cfg;
        small(&cfg);
        cfg.sources = 2;
        cfg.stages = 1;
        cfg.parallelism = 1;
        sim_fault f[] = {{SIM_FAULT_SKIP, 1, 0, 3, 0}, {SIM_FAULT_EOP, 1, 4000, 3, 0}, {SIM_FAULT_FAIL, 2, 900000, 0, 0}};
        sim_result r = run_faults(&cfg, seed, f, 3);
        assert_exact(&r);
        cr_assert_eq(r.restarts, 1);
        completed_3 += r.checkpoints_completed == 3;
    }
    cr_assert_gt(completed_3, 0);
}

BS_TEST(engine_faults, a_scheduled_timeout_ends_the_pending_checkpoint)
{
    sim_config cfg;
    small(&cfg);
    sim_fault f[] = {{SIM_FAULT_TIMEOUT, 0, 100, 2, 0}};
    sim_result r = run_faults(&cfg, 5, f, 1);
    assert_exact(&r);
    cr_assert_eq(r.checkpoints_timed_out, 1);
}

/* Disk faults armed early on every task: each one that is hit fails its task. */
static sim_result disk_on_all(sim_config *cfg, uint64_t seed, sim_fault_kind k, uint64_t arg, sim_fault *f)
{
    for (uint32_t i = 0; i < 8; i++)
        f[i] = (sim_fault){k, 4 + i, 50000 + 1000 * i, 0, arg};
    return run_faults(cfg, seed, f, 8);
}

BS_TEST(engine_faults, disk_errors_fail_the_task_and_the_job_restarts_exactly_once)
{
    static const sim_fault_kind kinds[] = {SIM_FAULT_WRITE_ERROR, SIM_FAULT_ENOSPC, SIM_FAULT_READ_ERROR,
                                           SIM_FAULT_CORRUPT, SIM_FAULT_TRUNCATE};
    static const uint64_t args[] = {0, 50, 0, 0, 5};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        sim_config cfg;
        small(&cfg);
        sim_fault f[8];
        sim_result r = disk_on_all(&cfg, 7, kinds[i], args[i], f);
        assert_exact(&r);
        cr_assert_gt(r.disk_faults_hit, 0, "%s", sim_fault_kind_name(kinds[i]));
        cr_assert_gt(r.restarts, 0, "%s", sim_fault_kind_name(kinds[i]));
        cr_assert_geq(r.records_delivered, r.reference_records);
    }
}

BS_TEST(engine_faults, short_writes_are_retried_and_fail_nothing)
{
    sim_config cfg;
    small(&cfg);
    sim_fault f[8];
    sim_result r = disk_on_all(&cfg, 7, SIM_FAULT_SHORT_WRITE, 3, f);
    assert_exact(&r);
    cr_assert_gt(r.disk_faults_hit, 0);
    cr_assert_eq(r.restarts, 0);
}

BS_TEST(engine_faults, a_failed_task_restarts_the_job_from_the_latest_checkpoint)
{
    sim_config cfg;
    small(&cfg);
    sim_fault f[] = {{SIM_FAULT_FAIL, TASK(1, 2), 700000, 0, 0}, {SIM_FAULT_FAIL, TASK(0, 0), 0, 5, 30000}};
    sim_result r = run_faults(&cfg, 8, f, 2);
    assert_exact(&r);
    cr_assert_eq(r.restarts, 2);
    cr_assert_gt(r.records_delivered, r.reference_records); /* replayed after the restores */
    cr_assert_geq(r.checkpoints_abandoned, 1);
}

BS_TEST(engine_faults, a_failure_before_any_checkpoint_restarts_from_the_beginning)
{
    sim_config cfg;
    small(&cfg);
    sim_fault f[] = {{SIM_FAULT_FAIL, TASK(0, 3), 100000, 0, 0}};
    sim_result r = run_faults(&cfg, 9, f, 1);
    assert_exact(&r);
    cr_assert_eq(r.restarts, 1);
}

BS_TEST(engine_faults, the_tracker_after_restores_contains_the_failure_free_result)
{
    sim_config cfg;
    small(&cfg);
    cfg.strategy = "tracker";
    sim_fault f[] = {{SIM_FAULT_FAIL, TASK(1, 0), 500000, 0, 0}, {SIM_FAULT_FAIL, TASK(0, 1), 900000, 0, 0}};
    sim_result r = run_faults(&cfg, 10, f, 2);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_eq(r.restarts, 2);
    cr_assert_geq(r.sink_records, r.reference_records);
}

BS_TEST(engine_faults, too_many_restarts_are_an_error)
{
    sim_config cfg;
    small(&cfg);
    cfg.max_restarts = 1;
    sim_fault f[] = {{SIM_FAULT_FAIL, TASK(0, 0), 200000, 0, 0}, {SIM_FAULT_FAIL, TASK(0, 0), 400000, 0, 0}};
    sim_result r = run_faults(&cfg, 11, f, 2);
    cr_assert_eq(r.outcome, SIM_ERROR);
    cr_assert_not_null(strstr(r.message, "more than 1 restarts"), "%s", r.message);
}

BS_TEST(engine_faults, invalid_faults_are_refused)
{
    sim_config cfg;
    small(&cfg);
    sim_fault bad[] = {{SIM_FAULT_EOP, TASK(0, 0), 1, 0, 0}};
    sim_result r;
    cfg.faults = bad;
    cfg.n_faults = 1;
    cr_assert_eq(sim_run(&cfg, 1, &r, NULL), -4 /* BS_EINVAL */);
    cr_assert_not_null(strstr(r.message, "must be a source"), "%s", r.message);
    bad[0] = (sim_fault){SIM_FAULT_FAIL, 1, 1, 0, 0};
    cr_assert_eq(sim_run(&cfg, 1, &r, NULL), -4);
    cr_assert_not_null(strstr(r.message, "must be a task"), "%s", r.message);
}

/* ---- faults drawn from the seed ------------------------------------------------------ */

static void swarm(sim_config *cfg)
{
    small(cfg);
    for (int k = 0; k < SIM_FAULT_KINDS; k++)
        cfg->fault_ppm[k] = 300000;
    cfg->max_restarts = 1000;
}

BS_TEST(engine_faults, random_faults_are_decided_by_the_seed_and_printed)
{
    sim_config cfg;
    swarm(&cfg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sim_result a, b;
    cr_assert_eq(sim_run(&cfg, 12, &a, f), 0);
    fclose(f);
    cr_assert_eq(sim_run(&cfg, 12, &b, NULL), 0);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    cr_assert_eq(a.faults_fired, b.faults_fired);
    cr_assert_not_null(strstr(buf, " faults fault 0: "), "no fault line in the trace");
    free(buf);
}

BS_TEST(engine_faults, random_faults_on_many_seeds_break_no_invariant)
{
    const char *strategies[] = {"spill", "tracker"};
    uint64_t fired = 0, restarts = 0;
    for (int s = 0; s < 2; s++)
        for (uint64_t seed = 1; seed <= 30; seed++) {
            sim_config cfg;
            swarm(&cfg);
            cfg.strategy = strategies[s];
            cfg.records_per_source = 300;
            sim_result r = run_faults(&cfg, seed, NULL, 0);
            cr_assert_eq(r.outcome, SIM_OK, "%s seed %llu: %s", strategies[s], (unsigned long long)seed, r.message);
            cr_assert_geq(r.sink_records, r.reference_records);
            fired += r.faults_fired;
            restarts += r.restarts;
        }
    cr_assert_gt(fired, 60);
    cr_assert_gt(restarts, 10);
}

/* ---- bounds, liveness and deadlock --------------------------------------------------- */

BS_TEST(engine_faults, spill_bytes_over_their_bound_are_a_violation)
{
    sim_config cfg;
    small(&cfg);
    cfg.spill_bytes_max = 41;
    sim_result r = run_faults(&cfg, 1, NULL, 0);
    cr_assert_eq(r.outcome, SIM_VIOLATION);
    cr_assert_not_null(strstr(r.message, "live spill bytes"), "%s", r.message);
    cr_assert(strncmp(r.message, "t=", 2) == 0 && strstr(r.message, " event "), "%s", r.message);
    small(&cfg);
    cfg.spill_bytes_max = 1 << 20;
    cfg.open_files_max = 4;
    r = run_faults(&cfg, 1, NULL, 0);
    assert_exact(&r);
    cr_assert_gt(r.spill_bytes_live_max, 41);
    cr_assert_leq(r.open_files_max, 4);
}

BS_TEST(engine_faults, with_faults_quiet_a_checkpoint_over_its_bound_is_a_liveness_violation)
{
    sim_config cfg;
    small(&cfg);
    cfg.checkpoint_bound_ns = 1000; /* shorter than one latency */
    sim_result r = run_faults(&cfg, 1, NULL, 0);
    cr_assert_eq(r.outcome, SIM_VIOLATION);
    cr_assert_not_null(strstr(r.message, "liveness: checkpoint 1"), "%s", r.message);
    cfg.checkpoint_bound_ns = 150000;
    r = run_faults(&cfg, 1, NULL, 0);
    assert_exact(&r);
}

BS_TEST(engine_faults, a_fault_excuses_the_checkpoint_it_delays)
{
    sim_config cfg;
    small(&cfg);
    cfg.checkpoint_bound_ns = 150000;
    cfg.checkpoint_timeout_ns = 400000;
    sim_fault f[] = {{SIM_FAULT_SKIP, 1, 0, 3, 0}};
    sim_result r = run_faults(&cfg, 3, f, 1);
    assert_exact(&r);
}

BS_TEST(engine_faults, no_progress_while_events_remain_is_a_deadlock)
{
    sim_config cfg;
    small(&cfg);
    cfg.source_interval_ns = 50000000; /* the sources go quiet for 50 ms at a time */
    cfg.stall_bound_ns = 10000000;
    sim_result r = run_faults(&cfg, 1, NULL, 0);
    cr_assert_eq(r.outcome, SIM_VIOLATION);
    cr_assert_not_null(strstr(r.message, "deadlock: events remain"), "%s", r.message);
}

/* ---- planted bugs -------------------------------------------------------------------- */

/* The first of seeds 1..max that the plant makes fail with `needle`, with the same seed
 * clean without it; 0 if none. */
static uint64_t detect(sim_config *cfg, sim_plant plant, uint64_t max, const char *needle)
{
    for (uint64_t seed = 1; seed <= max; seed++) {
        cfg->plant = plant;
        sim_result r = run_faults(cfg, seed, cfg->faults, cfg->n_faults);
        if (r.outcome != SIM_VIOLATION)
            continue;
        cr_assert_not_null(strstr(r.message, needle), "seed %llu: %s", (unsigned long long)seed, r.message);
        cfg->plant = SIM_PLANT_NONE;
        sim_result c = run_faults(cfg, seed, cfg->faults, cfg->n_faults);
        cr_assert_eq(c.outcome, SIM_OK, "seed %llu without the plant: %s", (unsigned long long)seed, c.message);
        return seed;
    }
    return 0;
}

BS_TEST(engine_plant, plants_have_names)
{
    cr_assert_str_eq(sim_plant_name(SIM_PLANT_NONE), "none");
    cr_assert_str_eq(sim_plant_name(SIM_PLANT_DROP_REPLAYED), "drop-replayed");
    cr_assert_null(sim_plant_name((sim_plant)99));
}

BS_TEST(engine_plant, a_coordinator_completing_before_every_ack_is_caught)
{
    sim_config cfg;
    small(&cfg);
    cr_assert_neq(detect(&cfg, SIM_PLANT_EARLY_COMPLETE, 5, "consistent cut"), 0);
}

BS_TEST(engine_plant, a_restore_with_wrong_offsets_is_caught)
{
    sim_config cfg;
    small(&cfg);
    cfg.fault_ppm[SIM_FAULT_FAIL] = 500000;
    cr_assert_neq(detect(&cfg, SIM_PLANT_WRONG_OFFSETS, 20, "final state"), 0);
    cfg.strategy = "tracker";
    cr_assert_neq(detect(&cfg, SIM_PLANT_WRONG_OFFSETS, 20, "final state"), 0);
}

BS_TEST(engine_plant, a_dropped_replayed_spill_record_is_caught)
{
    sim_config cfg;
    small(&cfg);
    cr_assert_neq(detect(&cfg, SIM_PLANT_DROP_REPLAYED, 10, ""), 0);
}

/* The trace of a run with faults: the reader's own error for a corrupt or a truncated
 * read-back, and a line for every event (restarts cancel events; none goes unnoted). */
static char *trace_of(sim_config *cfg, uint64_t seed, sim_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    cr_assert_eq(sim_run(cfg, seed, r, f), 0, "%s", r->message);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

BS_TEST(engine_faults, corrupt_and_truncated_read_backs_are_reported_by_the_reader)
{
    sim_config cfg;
    small(&cfg);
    sim_fault f[8];
    for (uint32_t i = 0; i < 8; i++)
        f[i] = (sim_fault){SIM_FAULT_CORRUPT, 4 + i, 50000, 0, 0};
    cfg.faults = f;
    cfg.n_faults = 8;
    sim_result r;
    char *t = trace_of(&cfg, 7, &r);
    assert_exact(&r);
    cr_assert_not_null(strstr(t, "restart from checkpoint"), "no restart");
    cr_assert_not_null(strstr(t, ": unknown record kind 126"), "no corruption reported");
    free(t);
    for (uint32_t i = 0; i < 8; i++)
        f[i] = (sim_fault){SIM_FAULT_TRUNCATE, 4 + i, 50000, 0, 3};
    t = trace_of(&cfg, 7, &r);
    assert_exact(&r);
    cr_assert_not_null(strstr(t, ": trailing incomplete buffer or event"), "no truncation reported");
    free(t);
}

BS_TEST(engine_faults, every_event_of_a_faulty_run_has_a_trace_line)
{
    sim_config cfg;
    swarm(&cfg);
    cfg.records_per_source = 300;
    sim_result r;
    char *buf = trace_of(&cfg, 21, &r);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_gt(r.restarts, 0);
    char *seen = calloc(r.events + 1, 1);
    for (char *line = strchr(buf, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        unsigned long long t, e;
        if (sscanf(line + 1, "%llu %llu", &t, &e) == 2 && e <= r.events)
            seen[e] = 1;
    }
    for (uint64_t e = 1; e <= r.events; e++)
        cr_assert(seen[e], "event %llu has no trace line", (unsigned long long)e);
    free(seen);
    free(buf);
}
