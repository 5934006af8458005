/*
 * test_simscen.c: simulation scenario files (sim/simscen/): the loader's messages with
 * exact line:col, a valid file mapped onto sim_config, handler-level files left to their
 * own loader, and bundled files judged by their expectation.
 */
#include "bs_test.h"

#include "../sim/simscen/simscen.h"

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
