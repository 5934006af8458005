/*
 * test_simscen.c: simulation scenario files (sim/simscen/): the loader's messages with
 * exact line:col, a valid file mapped onto sim_config, handler-level files left to their
 * own loader, and bundled files judged by their expectation.
 */
#include "bs_test.h"

#include "../sim/simscen/simscen.h"
#include "../sim/report/swarm.h"
#include "../verify/verify.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

static int load_text(const char *text, simscen *sc, char *err, size_t err_len)
{
    err[0] = '\0';
    return simscen_load_bytes("t.yaml", (const uint8_t *)text, strlen(text), sc, err, err_len);
}

static void expect_error(const char *text, const char *want)
{
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200];
    cr_assert_not_null(sc);
    int rc = load_text(text, sc, err, sizeof err);
    cr_assert_eq(rc, -1, "loaded, rc %d: %s", rc, text);
    cr_assert_str_eq(err, want);
    free(sc);
}

BS_TEST(simscen, unknown_key_with_did_you_mean)
{
    expect_error("name: e1\nstrategy: spill\nsimulation:\n  sources: 4\n  parallelsm: 4\n",
                 "t.yaml:5:3: unknown key 'parallelsm' (did you mean 'parallelism'?)");
    expect_error("name: e\nstrategy: spill\nsimulatoin: {}\n",
                 "t.yaml:3:1: unknown key 'simulatoin' (did you mean 'simulation'?)");
    expect_error("name: e\nstrategy: spill\nsimulation: {}\nexpect: {violaton: x}\n",
                 "t.yaml:4:10: unknown key 'violaton' (did you mean 'violation'?)");
    expect_error("name: e\nstrategy: spil\nsimulation: {}\n",
                 "t.yaml:2:11: strategy: unknown strategy 'spil' (did you mean 'spill'?)");
}

BS_TEST(simscen, wrong_type)
{
    expect_error("name: e2\nstrategy: spill\nsimulation:\n  sources: four\n",
                 "t.yaml:4:12: sources: expected an integer, got a string");
    expect_error("name: e\nstrategy: spill\nsimulation: 3\n",
                 "t.yaml:3:13: simulation: expected a mapping, got an integer");
}

BS_TEST(simscen, out_of_range)
{
    expect_error("name: e3\nstrategy: spill\nsimulation:\n  sources: 4\n  stages: 9\n",
                 "t.yaml:5:11: stages: 9 is out of range (1..8)");
    expect_error("name: e\nstrategy: spill\nsimulation: {}\nfaults:\n  - {kind: fail, target: 2}\n",
                 "t.yaml:5:26: target: 2 is not a task (sources are 0 .. 3, tasks 4 .. 11)");
}

BS_TEST(simscen, unknown_fault_kind)
{
    expect_error("name: e4\nstrategy: spill\nsimulation: {sources: 4}\nfaults:\n  - {kind: crupt, target: 5}\n",
                 "t.yaml:5:12: kind: unknown fault kind 'crupt' (did you mean 'corrupt'?)");
}

BS_TEST(simscen, handler_level_files_are_not_simulations)
{
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200];
    cr_assert_not_null(sc);
    cr_assert_eq(load_text("name: h\nstrategy: spill\nchannels: 1\ninput: 0:d 0:eop\n", sc, err, sizeof err), 1);
    cr_assert_eq(load_text("name: [unclosed\n", sc, err, sizeof err), 1);
    free(sc);
}

BS_TEST(simscen, a_valid_file_maps_to_sim_config)
{
    static const char text[] =
        "name: valid\n"
        "strategy: tracker\n"
        "seed: 99\n"
        "plant: wrong-offsets\n"
        "simulation:\n"
        "  sources: 3\n"
        "  records-per-source: 700\n"
        "  stages: 2\n"
        "  parallelism: 3\n"
        "  link: [all-to-all, forward]\n"
        "  credits: 5\n"
        "  latency-ns: {min: 10, mean: 20, max: 30}\n"
        "  checkpoint-interval-ns: 1234\n"
        "  checkpoint-timeout-ns: 5678\n"
        "  max-events: 100000\n"
        "bounds: {stall-ns: 77}\n"
        "faults:\n"
        "  - {kind: enospc, target: 4, at-ns: 10, checkpoint: 2, arg: 64}\n"
        "  - {kind: skip, target: 1, checkpoint: 3}\n"
        "random-faults: {fail: 1000, draws: 3}\n"
        "expect: {violation: final state, checkpoints-completed-min: 2}\n";
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200];
    cr_assert_not_null(sc);
    cr_assert_eq(load_text(text, sc, err, sizeof err), 0, "%s", err);
    const sim_config *c = &sc->cfg;
    cr_assert_str_eq(sc->name, "valid");
    cr_assert_str_eq(c->strategy, "tracker");
    cr_assert_eq(sc->seed, 99);
    cr_assert_eq(c->plant, SIM_PLANT_WRONG_OFFSETS);
    cr_assert_eq(c->sources, 3);
    cr_assert_eq(c->records_per_source, 700);
    cr_assert_eq(c->stages, 2);
    cr_assert_eq(c->parallelism, 3);
    cr_assert_eq(c->link[0], SIM_LINK_ALL_TO_ALL);
    cr_assert_eq(c->link[1], SIM_LINK_FORWARD);
    cr_assert_eq(c->credits, 5);
    cr_assert_eq(c->latency.min_ns, 10);
    cr_assert_eq(c->latency.mean_ns, 20);
    cr_assert_eq(c->latency.max_ns, 30);
    cr_assert_eq(c->checkpoint_interval_ns, 1234);
    cr_assert_eq(c->checkpoint_timeout_ns, 5678);
    cr_assert_eq(c->max_events, 100000);
    cr_assert_eq(c->stall_bound_ns, 77);
    cr_assert_eq(c->n_faults, 2);
    cr_assert_eq(c->faults, sc->faults);
    cr_assert_eq(c->faults[0].kind, SIM_FAULT_ENOSPC);
    cr_assert_eq(c->faults[0].target, 4);
    cr_assert_eq(c->faults[0].at_ns, 10);
    cr_assert_eq(c->faults[0].checkpoint, 2);
    cr_assert_eq(c->faults[0].arg, 64);
    cr_assert_eq(c->faults[1].kind, SIM_FAULT_SKIP);
    cr_assert_eq(c->faults[1].target, 1);
    cr_assert_eq(c->fault_ppm[SIM_FAULT_FAIL], 1000);
    cr_assert_eq(c->fault_draws, 3);
    cr_assert_str_eq(sc->expect_violation, "final state");
    cr_assert_eq(sc->expect_checkpoints_min, 2);
    /* what is left out keeps the defaults */
    sim_config d;
    sim_config_default(&d);
    cr_assert_eq(c->payload_len, d.payload_len);
    cr_assert_eq(c->source_interval_ns, d.source_interval_ns);
    free(sc);
}

BS_TEST(simscen, a_bundled_negative_case_reports_its_violation)
{
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200], why[2048];
    cr_assert_not_null(sc);
    cr_assert_eq(simscen_load("scenarios/sim/neg-spill-wrong-offsets.yaml", sc, err, sizeof err), 0,
                 "%s (run from the top)", err);
    cr_assert_str_eq(sc->expect_violation, "final state");
    sim_result res;
    cr_assert_eq(simscen_run(sc, &res, NULL, why, sizeof why), 0, "%s", why);
    cr_assert_eq(res.outcome, SIM_VIOLATION);
    cr_assert_not_null(strstr(res.message, "final state"), "%s", res.message);
    cr_assert_eq(simscen_judge(sc, &res, why, sizeof why), 0, "%s", why);
    /* without the plant the same run is clean, so the judge fails it */
    sc->cfg.plant = SIM_PLANT_NONE;
    cr_assert_eq(simscen_run(sc, &res, NULL, why, sizeof why), 0, "%s", why);
    cr_assert_eq(res.outcome, SIM_OK, "%s", res.message);
    cr_assert_eq(simscen_judge(sc, &res, why, sizeof why), 1);
    cr_assert_not_null(strstr(why, "but the run was clean"), "%s", why);
    free(sc);
}

BS_TEST(simscen, a_bundled_clean_run_is_deterministic)
{
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200], why[2048];
    cr_assert_not_null(sc);
    cr_assert_eq(simscen_load("scenarios/sim/spill-fault-fail.yaml", sc, err, sizeof err), 0, "%s", err);
    sim_result a, b;
    cr_assert_eq(simscen_run(sc, &a, NULL, why, sizeof why), 0, "%s", why);
    cr_assert_eq(simscen_judge(sc, &a, why, sizeof why), 0, "%s", why);
    cr_assert_geq(a.restarts, 1);
    cr_assert_eq(simscen_run(sc, &b, NULL, why, sizeof why), 0, "%s", why);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    free(sc);
}

/* ---- schedule:, guarantee:, exact counts, and scenario files written back ---------------- */
static const char sched_head[] = "name: s\nstrategy: spill\nsimulation: {sources: 2, stages: 1, parallelism: 1}\n";

static void expect_sched_error(const char *tail, const char *want)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", sched_head, tail);
    expect_error(text, want);
}

BS_TEST(simscen, a_schedule_maps_to_steps)
{
    static const char text[] =
        "name: sched\n"
        "strategy: tracker\n"
        "guarantee: exactly-once\n"
        "simulation: {sources: 2, stages: 1, parallelism: 1, checkpoint-timeout-ns: 9}\n"
        "schedule:\n"
        "  src1:\n"
        "    - records: 2\n"
        "    - eop\n"
        "  src0:\n"
        "    - records: 3\n"
        "    - {at: 120us, barrier: 1}\n"
        "    - {at: 2ms, cancel: 1}\n"
        "    - fault: {kind: fail, target: 2}\n"
        "    - {at: 2 ms, eop: true}\n"
        "expect: {checkpoints-completed: 0, checkpoints-declined: 1}\n";
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200];
    cr_assert_not_null(sc);
    cr_assert_eq(load_text(text, sc, err, sizeof err), 0, "%s", err);
    const sim_config *c = &sc->cfg;
    cr_assert_eq(c->end_to_end, SIM_E2E_EXACTLY_ONCE);
    cr_assert_eq(c->n_steps, 7);
    cr_assert_eq(c->steps, sc->steps);
    cr_assert_eq(c->checkpoint_interval_ns, 0, "a schedule starts its own checkpoints");
    cr_assert_eq(c->records_per_source, 3, "the most records one source's steps emit");
    const sim_step *s = c->steps;
    cr_assert(s[0].source == 1 && s[0].kind == SIM_STEP_RECORDS && s[0].n == 2 && s[0].at_ns == SIM_STEP_NEXT);
    cr_assert(s[1].source == 1 && s[1].kind == SIM_STEP_EOP);
    cr_assert(s[2].source == 0 && s[2].kind == SIM_STEP_RECORDS && s[2].n == 3);
    cr_assert(s[3].kind == SIM_STEP_BARRIER && s[3].n == 1 && s[3].at_ns == 120000);
    cr_assert(s[4].kind == SIM_STEP_CANCEL && s[4].n == 1 && s[4].at_ns == 2000000);
    cr_assert(s[5].kind == SIM_STEP_FAULT && s[5].n == 0 && c->n_faults == 1);
    cr_assert_eq(c->faults[0].kind, SIM_FAULT_FAIL);
    cr_assert_eq(c->faults[0].target, 2);
    cr_assert(s[6].kind == SIM_STEP_EOP && s[6].at_ns == 2000000);
    cr_assert_eq(sc->expect_exact[0], 0);
    cr_assert_eq(sc->expect_exact[1], 1);
    cr_assert_eq(sc->expect_exact[2], SIMSCEN_UNCHECKED);
    free(sc);
}

BS_TEST(simscen, schedule_mistakes_name_their_place)
{
    expect_sched_error("schedule:\n  src0: [eop]\n  scr1: [eop]\n",
                       "t.yaml:6:3: schedule: 'scr1' is not a source (src0 .. src1)");
    expect_sched_error("schedule:\n  src0: [eop]\n",
                       "t.yaml:5:3: schedule: no steps for src1 (give every source its steps; '- eop' alone "
                       "ends it at once)");
    expect_sched_error("schedule:\n  src0: [eop]\n  src1:\n    - {records: 2, barrier: 1}\n",
                       "t.yaml:7:7: a step needs exactly one of records, barrier, cancel, eop and fault (found "
                       "several)");
    expect_sched_error("schedule:\n  src0: [eop]\n  src1:\n    - {at: 5us}\n",
                       "t.yaml:7:7: a step needs exactly one of records, barrier, cancel, eop and fault (found none)");
    expect_sched_error("schedule:\n  src0: [eop]\n  src1:\n    - {at: 5us, records: 1}\n    - {at: 4us, barrier: 1}\n",
                       "t.yaml:8:12: at: 4000 ns is before the 5000 ns of an earlier step of src1 (steps go in order)");
    expect_sched_error("schedule:\n  src0: [eop, {records: 1}]\n  src1: [eop]\n",
                       "t.yaml:5:15: a step after eop: the partition has ended");
    expect_sched_error("schedule:\n  src0: [eop]\n  src1:\n    - {at: 5 sec, records: 1}\n",
                       "t.yaml:7:12: at: '5 sec' is not a time (nanoseconds, or a whole number with a unit: "
                       "120us, 3ms, 1s)");
    expect_sched_error("schedule:\n  src0: [eop]\n  src1:\n    - {recrods: 1}\n",
                       "t.yaml:7:8: unknown key 'recrods' (did you mean 'records'?)");
    expect_sched_error("schedule:\n  src0: [eop]\n  src1:\n    - fault: {kind: fail, target: 2, at-ns: 5}\n",
                       "t.yaml:7:38: at-ns: a fault step fires where it stands in the schedule (give the step an "
                       "'at')");
    expect_sched_error("schedule:\n  src0: [eop]\n  src1:\n    - fault: {kind: skip, target: 0}\n",
                       "t.yaml:7:21: kind: in a schedule, leave the barrier step out (skip) or list b<K+1> before "
                       "b<K> (reorder)");
    expect_error("name: s\nstrategy: spill\nsimulation: {sources: 1, checkpoint-interval-ns: 5}\nschedule:\n"
                 "  src0: [eop]\n",
                 "t.yaml:3:26: checkpoint-interval-ns: a schedule starts checkpoints with its barrier steps; "
                 "leave it out");
    expect_error("name: s\nstrategy: spill\nguarantee: exactly-one\nsimulation: {}\n",
                 "t.yaml:3:12: guarantee: unknown guarantee 'exactly-one' (did you mean 'exactly-once'?)");
    expect_error("name: s\nstrategy: spill\nsimulation: {}\nfaults: [{kind: reorder, target: 1}]\n",
                 "t.yaml:4:10: a reorder needs 'checkpoint' or 'at-ns'");
}

BS_TEST(simscen, a_written_scenario_runs_the_same_simulation)
{
    for (uint64_t seed = 1; seed <= 12; seed++) {
        sim_config c;
        swarm_draw(seed, SWARM_ANY, &c);
        swarm_draw_network(seed, seed % 2 ? "bytes" : "records", &c); /* the byte network's keys too */
        c.records_per_source = c.records_per_source % 50;
        c.plant = seed % 3 == 0 ? SIM_PLANT_EARLY_COMPLETE : SIM_PLANT_NONE;
        c.end_to_end = seed % 4 == 0 ? SIM_E2E_EXACTLY_ONCE : SIM_E2E_STRATEGY;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        cr_assert_not_null(f);
        simscen_write(f, &c, seed * 7, "written", "a \"quoted\" description: with colons", NULL);
        fclose(f);
        simscen *sc = calloc(1, sizeof *sc);
        char err[1200];
        cr_assert_not_null(sc);
        cr_assert_eq(simscen_load_bytes("w.yaml", (const uint8_t *)text, len, sc, err, sizeof err), 0, "%s\n%s",
                     err, text);
        cr_assert_eq(sc->seed, seed * 7);
        cr_assert_str_eq(sc->description, "a \"quoted\" description: with colons");
        sim_result a, b;
        sim_run(&c, seed * 7, &a, NULL);
        sim_run(&sc->cfg, sc->seed, &b, NULL);
        cr_assert_eq(a.trace_hash, b.trace_hash, "seed %llu:\n%s", (unsigned long long)seed, text);
        cr_assert_eq(a.outcome, b.outcome);
        free(sc);
        free(text);
    }
}

BS_TEST(simscen, byte_network_keys)
{
    static const char text[] = "name: n\nstrategy: block\nsimulation:\n  network: bytes\n  segment-size: 4096\n"
                               "  buffers-per-channel: 3\n  floating-buffers-per-gate: 0\n  max-buffers-per-channel: 5\n"
                               "  buffer-timeout-ns: 0\n  credit-latency-ns: {min: 700}\n";
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200];
    cr_assert_not_null(sc);
    cr_assert_eq(load_text(text, sc, err, sizeof err), 0, "%s", err);
    const sim_net *n = &sc->cfg.net;
    cr_assert_eq(n->model, SIM_NET_BYTES);
    cr_assert_eq(n->segment_bytes, 4096u);
    cr_assert_eq(n->buffers_per_channel, 3u);
    cr_assert_eq(n->floating_per_gate, 0u);
    cr_assert_eq(n->max_buffers_per_channel, 5u);
    cr_assert_eq(n->buffer_timeout_ns, 0u);
    cr_assert_eq(n->credit_latency.min_ns, 700u);
    /* without the key: the record model, with Flink's defaults kept for the byte network */
    cr_assert_eq(load_text("name: n\nstrategy: block\nsimulation: {}\n", sc, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sc->cfg.net.model, SIM_NET_RECORDS);
    cr_assert_eq(sc->cfg.net.segment_bytes, 32768u);
    cr_assert_eq(sc->cfg.net.buffers_per_channel, 2u);
    cr_assert_eq(sc->cfg.net.floating_per_gate, 8u);
    cr_assert_eq(sc->cfg.net.max_buffers_per_channel, 10u);
    cr_assert_eq(sc->cfg.net.buffer_timeout_ns, 100000000u);
    free(sc);
    expect_error("name: n\nstrategy: block\nsimulation:\n  segment-size: 4096\n",
                 "t.yaml:4:17: segment-size: applies to the byte network only (add 'network: bytes')");
    expect_error("name: n\nstrategy: block\nsimulation:\n  network: bytes\n  credits: 4\n",
                 "t.yaml:5:12: credits: the byte network counts credits in buffers (buffers-per-channel, "
                 "floating-buffers-per-gate); 'credits' is the record model's");
    expect_error("name: n\nstrategy: block\nsimulation:\n  network: bytes\n  segment-size: 32\n",
                 "t.yaml:5:17: segment-size: 32 is out of range (64..1048576)");
    expect_error("name: n\nstrategy: block\nsimulation:\n  network: byte\n",
                 "t.yaml:4:12: network: unknown network model 'byte' (did you mean 'bytes'?)");
    expect_error("name: n\nstrategy: block\nsimulation:\n  network: bytes\n  buffers-per-channel: 0\n",
                 "t.yaml:5:24: buffers-per-channel: 0 is out of range (1..1024)");
}

/* Issue 12 item 11: a run's memory is bounded by its configuration. The checkers keep
 * VERIFY_ITEM_BYTES per record per stage; a file whose records cannot fit is refused at
 * records-per-source, and max-memory-bytes has a range. */
BS_TEST(simscen, memory_bound_refuses_runs_that_cannot_fit)
{
    expect_error("name: n\nstrategy: block\nsimulation:\n  sources: 4\n  stages: 2\n"
                 "  records-per-source: 1000000000000\n",
                 "t.yaml:6:23: records-per-source: 4 sources x 1000000000000 records through 2 stages keep at "
                 "least 448000000000000 bytes of checker history, more than max-memory-bytes (2147483648); lower "
                 "records-per-source, or raise max-memory-bytes (at most 1099511627776; docs/limits.md)");
    expect_error("name: n\nstrategy: block\nsimulation:\n  max-memory-bytes: 1000\n",
                 "t.yaml:4:21: max-memory-bytes: 1000 is out of range (16777216..1099511627776)");
    /* just under the bound loads; one record more does not */
    char text[256];
    uint64_t fit = (1ULL << 24) / (2 * 2 * VERIFY_ITEM_BYTES);
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200];
    cr_assert_not_null(sc);
    snprintf(text, sizeof text,
             "name: n\nstrategy: block\nsimulation:\n  sources: 2\n  stages: 2\n  records-per-source: %llu\n"
             "  max-memory-bytes: 16777216\n",
             (unsigned long long)fit);
    cr_assert_eq(load_text(text, sc, err, sizeof err), 0, "%s", err);
    cr_assert_leq(sim_memory_estimate(&sc->cfg), sim_memory_bound(&sc->cfg));
    snprintf(text, sizeof text,
             "name: n\nstrategy: block\nsimulation:\n  sources: 2\n  stages: 2\n  records-per-source: %llu\n"
             "  max-memory-bytes: 16777216\n",
             (unsigned long long)fit + 1);
    cr_assert_eq(load_text(text, sc, err, sizeof err), -1);
    cr_assert(strstr(err, "more than max-memory-bytes (16777216)"), "%s", err);
    free(sc);
}
