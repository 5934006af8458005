/*
 * cmd_run.c: `barriersim run [--trace] [--json] FILE...` runs scenario files.
 *
 * Exit codes (DESIGN.md section 6): 0 every expectation and invariant holds; 1 a violation
 * or an unmet expectation (with the command that reproduces it); 2 a usage error or a
 * malformed or unreadable scenario (file:line:col). With several files the highest wins.
 * Without --trace, one status line per scenario and a closing "N passed, N failed" go to
 * stdout; with --trace, stdout carries only "trace <name>: <tokens>" lines and the status
 * goes to stderr. --json prints one JSON document instead.
 */
#include "cli.h"
#include "cmd.h"

#include "../run/hrun.h"
#include "../scenario/scenario.h"
#include "../simscen/simscen.h"

#include <stdlib.h>
#include <string.h>

static const char run_usage[] =
    "usage: barriersim run [--trace] [--json] [--] FILE...\n"
    "\n"
    "Runs handler-level scenario files (docs/handler-scenarios.md) against the real core, checks\n"
    "every invariant after every step, and compares the trace with `expect`. Files with a\n"
    "top-level `simulation:` key are simulation scenarios (docs/sim-scenarios.md): run by the\n"
    "simulator and judged by their `expect` (--trace prints their trace hash and summary).\n"
    "\n"
    "  --trace   print one line per scenario: trace <name>: <tokens>\n"
    "  --json    print the results as one JSON document\n"
    "{strategy-lib}"
    "\n"
    "Exit: 0 all hold, 1 a violation or unmet expectation, 2 a usage error or malformed file.\n"
    "Reference: docs/cli.md (run), docs/trace.md (the trace notation).\n";

typedef struct run_opts {
    bool trace, json;
    int files_first, files_len;
} run_opts;

typedef struct run_totals {
    unsigned passed, failed;
    int exit_code;
    bool json_first;
} run_totals;

/* The commands that reproduce a failure of `path`: `run --trace`, and for a simulation
 * scenario the full event trace. */
static void run_reproduce(const char *path, bool simulation, char *cmd, size_t cmd_len, char *full,
                          size_t full_len)
{
    char quoted[1200];
    sim_shell_quote(path, quoted, sizeof quoted);
    snprintf(cmd, cmd_len, "%s run --trace %s", cli_argv0, quoted);
    if (simulation)
        snprintf(full, full_len, "%s replay --scenario %s", cli_argv0, quoted);
    else
        full[0] = '\0';
}

/* One result of --json; a failure carries the commands that reproduce it. */
static void run_json_result(run_totals *t, const char *path, const char *name, const char *status,
                            const char *trace, const char *message, bool simulation)
{
    printf("%s\n    {\"file\": ", t->json_first ? "" : ",");
    t->json_first = false;
    sim_json_string(stdout, path);
    printf(", \"name\": ");
    sim_json_string(stdout, name);
    printf(", \"status\": \"%s\", \"trace\": ", status);
    sim_json_string(stdout, trace);
    printf(", \"message\": ");
    sim_json_string(stdout, message);
    if (strcmp(status, "fail") == 0) {
        char cmd[1400], full[1400];
        run_reproduce(path, simulation, cmd, sizeof cmd, full, sizeof full);
        printf(", \"reproduce\": ");
        sim_json_string(stdout, cmd);
        if (simulation) {
            printf(", \"full_trace\": ");
            sim_json_string(stdout, full);
        }
    }
    printf("}");
}

static void run_report_failure(const run_opts *o, const char *path, const char *why, bool simulation)
{
    char cmd[1400], full[1400];
    run_reproduce(path, simulation, cmd, sizeof cmd, full, sizeof full);
    FILE *f = o->trace ? stderr : stdout;
    fprintf(f, "FAIL %s: %s\n", path, why);
    fprintf(f, "  reproduce: %s\n", cmd);
    if (simulation)
        fprintf(f, "  full event trace: %s\n", full);
}

static void run_count(run_totals *t, int bad)
{
    if (bad) {
        t->failed++;
        if (t->exit_code < EXIT_VIOLATION)
            t->exit_code = EXIT_VIOLATION;
    } else {
        t->passed++;
    }
}

/* A simulation scenario file (sim/simscen/simscen.h): 0 when `path` was one (run or
 * reported), 1 when it is not (the handler-level loader takes it). */
static int run_sim(const run_opts *o, run_totals *t, const char *path)
{
    static simscen sc; /* large: not on the stack */
    char err[1200];
    int rc = simscen_load(path, &sc, err, sizeof err);
    if (rc > 0)
        return 1;
    if (rc < 0) {
        fprintf(stderr, "%s\n", err);
        t->failed++;
        t->exit_code = EXIT_USAGE;
        if (o->json)
            run_json_result(t, path, "", "invalid", "", err, true);
        return 0;
    }
    sim_result res;
    char why[2048], summary[512];
    if (simscen_run(&sc, &res, NULL, why, sizeof why)) {
        fprintf(stderr, "%s:1:1: cannot run: %s\n", path, why);
        t->failed++;
        t->exit_code = EXIT_USAGE;
        if (o->json)
            run_json_result(t, path, sc.name, "invalid", "", why, true);
        return 0;
    }
    int bad = simscen_judge(&sc, &res, why, sizeof why);
    simscen_summary(&res, summary, sizeof summary);
    if (o->trace && !o->json)
        printf("trace %s: %s\n", sc.name, summary);
    if (o->json) {
        run_json_result(t, path, sc.name, bad ? "fail" : "pass", summary, why, true);
    } else if (bad) {
        run_report_failure(o, path, why, true);
    } else {
        fprintf(o->trace ? stderr : stdout, "ok   %s\n", sc.name);
    }
    run_count(t, bad);
    return 0;
}

static void run_one(const run_opts *o, run_totals *t, const char *path)
{
    scenario sc;
    char err[1200];
    if (run_sim(o, t, path) == 0)
        return;
    if (scenario_load(path, &sc, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        t->failed++;
        t->exit_code = EXIT_USAGE;
        if (o->json)
            run_json_result(t, path, "", "invalid", "", err, false);
        return;
    }
    hrun_result res;
    if (hrun_scenario(&sc, NULL, &res))
        die("%s: cannot run: out of memory or bad configuration", path);
    char why[4096];
    int bad = hrun_judge(&sc, &res, why, sizeof why);
    if (o->trace && !o->json)
        printf("trace %s: %s\n", sc.name, res.trace);
    if (o->json) {
        run_json_result(t, path, sc.name, bad ? "fail" : "pass", res.trace, why, false);
    } else if (bad) {
        run_report_failure(o, path, why, false);
    } else {
        fprintf(o->trace ? stderr : stdout, "ok   %s\n", sc.name);
    }
    if (bad) {
        t->failed++;
        if (t->exit_code < EXIT_VIOLATION)
            t->exit_code = EXIT_VIOLATION;
    } else {
        t->passed++;
    }
    hrun_result_free(&res);
    scenario_free(&sc);
}

static void run_parse(int argc, char **argv, run_opts *o)
{
    static const cli_option opts[] = {{"--trace", NULL}, {"--json", NULL}, {NULL, NULL}};
    memset(o, 0, sizeof *o);
    cli_args a;
    cli_args_init(&a, "run", run_usage, argc, argv, 1, opts);
    for (int k; (k = cli_args_next(&a)) >= 0;) {
        if (k == 0)
            o->trace = true;
        else
            o->json = true;
    }
    if (a.n_operands == 0)
        die("run: no scenario file given (see 'barriersim run --help')");
    o->files_first = 1;
    o->files_len = a.n_operands;
}

/* The scenario file being run, for the assertion context layer (core/bs_assert.h). */
static void run_assert_context(void *ctx, FILE *f)
{
    const char *path = *(const char *const *)ctx;
    char q[1100] = "";
    sim_shell_quote(path, q, sizeof q);
    fprintf(f, "  scenario: %s\n  reproduce: %s run --trace %s\n", path, cli_argv0, q);
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    run_parse(argc, argv, &o);
    run_totals t = {0, 0, EXIT_PASS, true};
    if (o.json)
        printf("{\"results\": [");
    const char *current = NULL;
    int layer = bs_assert_push(run_assert_context, &current);
    for (int i = 0; i < o.files_len; i++) {
        current = argv[o.files_first + i];
        run_one(&o, &t, current);
        fflush(stdout); /* an interrupted run keeps every result printed so far */
    }
    bs_assert_pop_to(layer);
    if (o.json) {
        printf("\n  ],\n  \"passed\": %u, \"failed\": %u, \"exit\": %d\n}\n", t.passed, t.failed, t.exit_code);
    } else {
        fprintf(o.trace ? stderr : stdout, "%u passed, %u failed\n", t.passed, t.failed);
    }
    return t.exit_code;
}
