/*
 * cmd_replay.c: `barriersim replay` reproduces one simulation: a seed of the built-in
 * randomized configurations (as `fuzz` ran it), or a configuration file (a shrunk
 * failure, sim/report/simconf.h). It prints the configuration first, in the file format,
 * then the engine's full event trace (to stdout, or to --trace-out FILE), then the result
 * on stderr. Same seed, same binary: the same bytes.
 *
 * Exit codes: 0 no violation, 1 a violation, an error or (--check-determinism) two runs
 * that differ, each with the command that reproduces it; 2 a usage error or a malformed
 * configuration file (FILE:LINE: what is wrong).
 */
#include "cli.h"

#include "../simscen/simscen.h"

#include "../../core/barriersim.h"
#include "../engine/sim.h"
#include "../report/fuzz.h"
#include "../report/simconf.h"
#include "../report/swarm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char replay_usage[] =
    "usage: barriersim replay (--seed X [--strategy S] | --config FILE | --scenario FILE) [options]\n"
    "\n"
    "Runs one simulation with its full event trace: seed X of the built-in randomized\n"
    "configurations as `barriersim fuzz` draws it, or the configuration in FILE (the\n"
    "key: value format fuzz writes when it shrinks a failure). Prints the configuration\n"
    "first (every parameter derived from the seed), then one trace line per happening:\n"
    "<time_ns> <event#> <who> <what>.\n"
    "\n"
    "  --seed X             the seed (with --config: overrides the file's seed)\n"
    "  --strategy S         as for fuzz: spill, tracker, ... or any (default)\n"
    "  --faults LIST        as for fuzz: the fault kinds the seed may switch on (default all)\n"
    "  --config FILE        the configuration to run instead of a drawn one\n"
    "  --scenario FILE      a simulation scenario file (scenarios/sim/): its full event trace\n"
    "  --max-events N       stop after N events\n"
    "  --trace-out FILE     write the trace to FILE instead of standard output\n"
    "  --no-trace           print the configuration and the result only\n"
    "  --check-determinism  run twice and compare the trace hashes\n"
    "  --plant BUG          test only: as for fuzz, a bug planted in the simulation\n"
    "\n"
    "Exit: 0 no violation, 1 a violation (or runs that differ), 2 usage error or bad FILE.\n"
    "Reference: docs/cli.md (replay), docs/trace.md (the event trace), docs/sim-scenarios.md.\n";

typedef struct replay_opts {
    bool have_seed, no_trace, check_determinism;
    uint64_t seed, max_events;
    const char *strategy, *config, *trace_out, *faults, *scenario;
    sim_plant plant;
    bool have_plant;
} replay_opts;

static void replay_parse(int argc, char **argv, replay_opts *o)
{
    memset(o, 0, sizeof *o);
    o->strategy = SWARM_ANY;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(replay_usage, stdout);
            exit(EXIT_PASS);
        }
        if (strcmp(a, "--check-determinism") == 0) { o->check_determinism = true; continue; }
        if (strcmp(a, "--no-trace") == 0) { o->no_trace = true; continue; }
        if (strncmp(a, "--", 2) != 0 || !v)
            die("replay: '%s' needs a value or is not an option (see 'barriersim replay --help')", a);
        i++;
        if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_u64(v, 0, UINT64_MAX, &o->seed))
                die("replay: --seed: '%s' is not a whole number below 2^64", v);
            o->have_seed = true;
        } else if (strcmp(a, "--max-events") == 0) {
            if (!cli_parse_u64(v, 1, 1ULL << 40, &o->max_events))
                die("replay: --max-events: '%s' is not a whole number from 1 to 2^40", v);
        } else if (strcmp(a, "--strategy") == 0) o->strategy = v;
        else if (strcmp(a, "--faults") == 0) o->faults = v;
        else if (strcmp(a, "--plant") == 0) {
            if (!swarm_plant_parse(v, &o->plant))
                die("replay: --plant: '%s' is not none, early-complete, wrong-offsets or drop-replayed", v);
            o->have_plant = true;
        }
        else if (strcmp(a, "--config") == 0) o->config = v;
        else if (strcmp(a, "--scenario") == 0) o->scenario = v;
        else if (strcmp(a, "--trace-out") == 0) o->trace_out = v;
        else die("replay: unknown option '%s' (see 'barriersim replay --help')", a);
    }
    if (!o->have_seed && !o->config && !o->scenario)
        die("replay: give --seed X, --config FILE or --scenario FILE (see 'barriersim replay --help')");
    if (o->scenario && (o->config || o->have_seed))
        die("replay: --scenario takes its seed and configuration from the file");
    if (!swarm_strategy_known(o->strategy))
        die("replay: unknown strategy '%s'", o->strategy);
    bool ok = true;
    if (o->faults && (swarm_faults_parse(o->faults, &ok), !ok))
        die("replay: --faults: '%s' is not all, none or a list of fault kinds", o->faults);
}

/* The command that reproduces this run, for messages. */
static void replay_command(const replay_opts *o, uint64_t seed, char *out, size_t len)
{
    char q[1200] = "";
    if (o->config)
        cli_shell_quote(o->config, q, sizeof q);
    int n = o->config ? snprintf(out, len, "%s replay --config %s", cli_argv0, q)
                      : snprintf(out, len, "%s replay --seed %llu --strategy %s", cli_argv0,
                                 (unsigned long long)seed, o->strategy);
    if (n > 0 && (size_t)n < len && o->config && o->have_seed)
        n += snprintf(out + n, len - (size_t)n, " --seed %llu", (unsigned long long)seed);
    if (n > 0 && (size_t)n < len && o->faults && !o->config)
        n += snprintf(out + n, len - (size_t)n, " --faults %s", o->faults);
    if (n > 0 && (size_t)n < len && o->have_plant)
        n += snprintf(out + n, len - (size_t)n, " --plant %s", swarm_plant_name(o->plant));
    if (n > 0 && (size_t)n < len && o->max_events)
        n += snprintf(out + n, len - (size_t)n, " --max-events %llu", (unsigned long long)o->max_events);
    if (n > 0 && (size_t)n < len && o->check_determinism)
        snprintf(out + n, len - (size_t)n, " --check-determinism");
}

/* A simulation scenario file: its full trace, its verdict against its own `expect`. */
static int replay_scenario(const replay_opts *o)
{
    static simscen sc;
    char err[1200], why[1200];
    int rc = simscen_load(o->scenario, &sc, err, sizeof err);
    if (rc < 0)
        die("%s", err);
    if (rc > 0)
        die("replay: %s is not a simulation scenario (no 'simulation:' key)", o->scenario);
    if (o->max_events)
        sc.cfg.max_events = o->max_events;
    FILE *trace = o->no_trace ? NULL : stdout;
    if (!o->no_trace && o->trace_out && !(trace = fopen(o->trace_out, "w")))
        die("replay: cannot write %s: %s", o->trace_out, strerror(errno));
    sim_result res;
    if (simscen_run(&sc, &res, trace, why, sizeof why))
        die("%s: %s", o->scenario, why);
    if (trace && trace != stdout && fclose(trace) != 0)
        die("replay: cannot write %s: %s", o->trace_out, strerror(errno));
    fflush(stdout);
    char summary[512];
    simscen_summary(&res, summary, sizeof summary);
    int bad = simscen_judge(&sc, &res, why, sizeof why);
    fprintf(stderr, "replay %s (seed %llu): %s%s%s\n", sc.name, (unsigned long long)sc.seed, summary,
            bad ? "\n  FAIL: " : "", bad ? why : "");
    return bad ? EXIT_VIOLATION : EXIT_PASS;
}

int cmd_replay(int argc, char **argv);

int cmd_replay(int argc, char **argv)
{
    replay_opts o;
    replay_parse(argc, argv, &o);
    if (o.scenario)
        return replay_scenario(&o);
    simconf sc;
    uint64_t seed = o.seed;
    if (o.config) {
        char err[1200];
        if (simconf_load(o.config, &sc, err, sizeof err))
            die("%s", err);
        if (!o.have_seed)
            seed = sc.seed;
    } else {
        fuzz_opts fo = {.strategy = o.strategy, .faults = o.faults};
        fuzz_draw(&fo, seed, &sc.cfg);
        sc.expect[0] = '\0';
    }
    if (o.max_events)
        sc.cfg.max_events = o.max_events;
    if (o.have_plant)
        sc.cfg.plant = o.plant;
    simconf_write(stdout, &sc.cfg, seed, NULL, "barriersim replay: the configuration");
    FILE *trace = stdout;
    if (o.no_trace)
        trace = NULL;
    else if (o.trace_out && !(trace = fopen(o.trace_out, "w")))
        die("replay: cannot write %s: %s", o.trace_out, strerror(errno));
    sim_result res, again;
    int rc = sim_run(&sc.cfg, seed, &res, trace);
    if (trace && trace != stdout && fclose(trace) != 0)
        die("replay: cannot write %s: %s", o.trace_out, strerror(errno));
    fflush(stdout);
    if (rc && res.outcome == SIM_OK)
        res.outcome = SIM_ERROR;
    char cmd[1600];
    replay_command(&o, seed, cmd, sizeof cmd);
    int code = res.outcome == SIM_OK ? EXIT_PASS : EXIT_VIOLATION;
    fprintf(stderr, "replay seed %llu: %s: %llu events, %llu checkpoints completed, trace hash %016llx%s%s\n",
            (unsigned long long)seed, sim_outcome_name(res.outcome), (unsigned long long)res.events,
            (unsigned long long)res.checkpoints_completed, (unsigned long long)res.trace_hash,
            res.message[0] ? "\n  " : "", res.message);
    if (o.config && sc.expect[0]) {
        char got[64] = "ok";
        if (res.outcome != SIM_OK)
            fuzz_invariant_name(res.message, got, sizeof got);
        fprintf(stderr, "expected (the file's expect): %s; this run: %s%s\n", sc.expect, got,
                strcmp(sc.expect, got) == 0 ? "" : " (different)");
    }
    if (!rc && o.check_determinism) {
        if (sim_run(&sc.cfg, seed, &again, NULL) == BS_ENOMEM)
            die("replay: out of memory");
        bool same = again.trace_hash == res.trace_hash && again.events == res.events;
        fprintf(stderr, "determinism: second run's trace hash %016llx: %s\n", (unsigned long long)again.trace_hash,
                same ? "identical" : "DIFFERENT");
        if (!same)
            code = EXIT_VIOLATION;
    }
    if (code != EXIT_PASS)
        fprintf(stderr, "  reproduce: %s\n", cmd);
    return code;
}
