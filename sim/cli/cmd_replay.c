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
#include "cmd.h"

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
    "{strategy-lib}"
    "  --faults LIST        as for fuzz: the fault kinds the seed may switch on (default all)\n"
    "  --network M          as for fuzz: records (default), bytes or any\n"
    "  --costs C            as for fuzz: checkpoint costs off (default), on or any\n"
    "  --topology T         as for fuzz: chain (default), two-input or any\n"
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
    const char *strategy, *config, *trace_out, *faults, *scenario, *network, *costs, *topology;
    sim_plant plant;
    bool have_plant;
} replay_opts;

enum {
    RO_SEED, RO_STRATEGY, RO_FAULTS, RO_CONFIG, RO_SCENARIO, RO_MAX_EVENTS, RO_TRACE_OUT, RO_NO_TRACE,
    RO_DETERMINISM, RO_PLANT, RO_NETWORK, RO_COSTS, RO_TOPOLOGY
};
static const cli_option replay_options[] = {
    [RO_SEED] = {"--seed", "X"}, [RO_STRATEGY] = {"--strategy", "S"}, [RO_FAULTS] = {"--faults", "LIST"},
    [RO_CONFIG] = {"--config", "FILE"}, [RO_SCENARIO] = {"--scenario", "FILE"},
    [RO_MAX_EVENTS] = {"--max-events", "N"}, [RO_TRACE_OUT] = {"--trace-out", "FILE"},
    [RO_NO_TRACE] = {"--no-trace", NULL}, [RO_DETERMINISM] = {"--check-determinism", NULL},
    [RO_PLANT] = {"--plant", "BUG"}, [RO_NETWORK] = {"--network", "M"}, [RO_COSTS] = {"--costs", "C"},
    [RO_TOPOLOGY] = {"--topology", "T"}, {NULL, NULL},
};

static void replay_option(replay_opts *o, int k, const char *a, const char *v)
{
    switch (k) {
    case RO_SEED: o->seed = cli_flag_u64("replay", a, v, 0, UINT64_MAX); o->have_seed = true; break;
    case RO_STRATEGY: o->strategy = v; break;
    case RO_FAULTS: o->faults = v; break;
    case RO_NETWORK: o->network = v; break;
    case RO_COSTS: o->costs = v; break;
    case RO_TOPOLOGY: o->topology = v; break;
    case RO_CONFIG: o->config = v; break;
    case RO_SCENARIO: o->scenario = v; break;
    case RO_MAX_EVENTS: o->max_events = cli_flag_u64("replay", a, v, 1, 1ULL << 40); break;
    case RO_TRACE_OUT: o->trace_out = v; break;
    case RO_NO_TRACE: o->no_trace = true; break;
    case RO_DETERMINISM: o->check_determinism = true; break;
    case RO_PLANT:
        if (!swarm_plant_parse(v, &o->plant))
            die("replay: --plant: '%s' is not none, early-complete, wrong-offsets or drop-replayed", v);
        o->have_plant = true;
        break;
    default: BS_BUG("replay: option %d has no case", k);
    }
}

static void replay_parse(int argc, char **argv, replay_opts *o)
{
    memset(o, 0, sizeof *o);
    o->strategy = SWARM_ANY;
    cli_args a;
    cli_args_init(&a, "replay", replay_usage, argc, argv, 1, replay_options);
    for (int k; (k = cli_args_next(&a)) >= 0;)
        replay_option(o, k, a.name, a.value);
    if (a.n_operands)
        die("replay: unexpected argument '%s' (replay takes options only; see 'barriersim replay --help')",
            a.operands[0]);
    if (o->trace_out)
        cli_check_output("replay", "--trace-out", o->trace_out);
    if (!o->have_seed && !o->config && !o->scenario)
        die("replay: give --seed X, --config FILE or --scenario FILE (see 'barriersim replay --help')");
    if (o->scenario && (o->config || o->have_seed))
        die("replay: --scenario takes its seed and configuration from the file");
    cli_check_swarm_choice("replay", o->strategy, o->network);
    cli_check_costs("replay", o->costs);
    cli_check_topology("replay", o->topology);
    bool ok = true;
    if (o->faults && (swarm_faults_parse(o->faults, &ok), !ok))
        die("replay: --faults: '%s' is not all, none or a list of fault kinds", o->faults);
}

/* The command that reproduces this run, for messages. */
static void replay_command(const replay_opts *o, uint64_t seed, char *out, size_t len)
{
    char q[1200] = "";
    if (o->config)
        sim_shell_quote(o->config, q, sizeof q);
    int n = o->config ? snprintf(out, len, "%s replay --config %s", cli_argv0, q)
                      : snprintf(out, len, "%s replay --seed %llu --strategy %s", cli_argv0,
                                 (unsigned long long)seed, o->strategy);
    if (n > 0 && (size_t)n < len && o->config && o->have_seed)
        n += snprintf(out + n, len - (size_t)n, " --seed %llu", (unsigned long long)seed);
    if (n > 0 && (size_t)n < len && o->faults && !o->config)
        n += snprintf(out + n, len - (size_t)n, " --faults %s", o->faults);
    if (n > 0 && (size_t)n < len && o->network && strcmp(o->network, "records") != 0 && !o->config)
        n += snprintf(out + n, len - (size_t)n, " --network %s", o->network);
    if (n > 0 && (size_t)n < len && o->costs && strcmp(o->costs, "off") != 0 && !o->config)
        n += snprintf(out + n, len - (size_t)n, " --costs %s", o->costs);
    if (n > 0 && (size_t)n < len && o->topology && strcmp(o->topology, "chain") != 0 && !o->config)
        n += snprintf(out + n, len - (size_t)n, " --topology %s", o->topology);
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
        fuzz_opts fo = {.strategy = o.strategy, .faults = o.faults, .network = o.network, .costs = o.costs,
                        .topology = o.topology};
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
