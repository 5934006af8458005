/*
 * cmd_fuzz.c: `barriersim fuzz` runs many seeds of the built-in randomized
 * configurations (sim/report/swarm.h): each seed draws a topology, timings, a workload
 * and, where the engine offers them, faults. Seeds run in increasing order; --shard K/N
 * keeps the seeds s with s % N == K, so N machines split one range and `barriersim merge`
 * adds their --json reports up to the unsharded totals.
 *
 * Exit codes: 0 every seed passed, 1 a violation, an unexpected error or a
 * nondeterministic seed (each printed with the `replay` command that reproduces it; the
 * first is shrunk into a simulation scenario file that `barriersim run FILE` replays, or,
 * named *.conf, a configuration file for `replay --config`), 2 a usage error.
 * A progress line is shown on stderr only when it is a terminal.
 */
#include "cli.h"
#include "cmd.h"

#include "../engine/sim.h"
#include "../report/fuzz.h"
#include "../report/report.h"
#include "../report/simconf.h"
#include "../report/swarm.h"
#include "../simscen/simscen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char fuzz_usage[] =
    "usage: barriersim fuzz [--seeds N | --seconds S] [--seed-base B] [--shard K/N] [options]\n"
    "\n"
    "Runs seeds of the built-in randomized configurations: each seed draws the topology\n"
    "(sources, 1-3 stages of 1-4 tasks, links, credits), latencies, service times, the\n"
    "checkpoint interval and timeout, the records, and which faults are on (swarm testing).\n"
    "Every invariant is checked after every step. Seeds run in increasing order.\n"
    "\n"
    "  --seeds N            run seeds B .. B+N-1 (default 1000 without --seconds)\n"
    "  --seconds S          run seeds from B on for S seconds (with --seeds: whichever ends first)\n"
    "  --seed-base B        the first seed (default 0)\n"
    "  --shard K/N          run only the seeds s with s % N == K (0 <= K < N <= 4096)\n"
    "  --strategy S         spill, tracker, ... or any: each seed draws a core strategy (default)\n"
    "{strategy-lib}"
    "  --faults LIST        fault kinds a seed may switch on: all (default), none, or a comma-\n"
    "                       separated list of {fault-kinds}\n"
    "  --network M          records (default: one credit per record), bytes (Flink's credit-based\n"
    "                       flow control in bytes, its knobs drawn per seed) or any (each seed\n"
    "                       draws one); see docs/simulation-network.md\n"
    "  --costs C            checkpoint costs: off (default), on (state sizes, snapshot phases,\n"
    "                       storage bandwidth and latency, acknowledgement latency and metadata\n"
    "                       drawn per seed) or any (each seed draws off or on); see\n"
    "                       docs/sim-scenarios.md, Checkpoint costs\n"
    "  --topology T         chain (default: sources, then 1-3 stages, each reading the one\n"
    "                       before), two-input (every seed a diamond: one stage also reads an\n"
    "                       earlier stage, a two-input stage) or any (half of the seeds); see\n"
    "                       docs/sim-scenarios.md, Two-input stages\n"
    "  --check-determinism  run every seed twice and compare the trace hashes\n"
    "  --plant BUG          test only: a bug planted in the simulation (early-complete,\n"
    "                       wrong-offsets, drop-replayed), to show the invariants catch it\n"
    "  --max-events N       stop each run after N events\n"
    "  --json FILE          write the results as JSON (merge combines shards' files)\n"
    "  --junit FILE         write JUnit XML: a summary testcase plus one per failing seed\n"
    "  --tap FILE           write TAP version 13: one line per failing seed plus a summary line\n"
    "  --shrink-out FILE    where to write the first failure, shrunk, as a simulation scenario\n"
    "                       that `barriersim run FILE` replays (exit 1 until the bug is fixed;\n"
    "                       default fuzz-failure-<seed>.yaml); a FILE ending in .conf gets the\n"
    "                       key: value form of `replay --config` instead\n"
    "  --shrink-runs N      at most N runs to shrink it (default 300); --no-shrink: none\n"
    "\n"
    "FILE may be - for standard output. Exit: 0 all seeds passed, 1 a failing seed (printed\n"
    "with its reproduction command: barriersim replay --seed X ...), 2 usage error.\n"
    "Reference: docs/cli.md (fuzz), docs/sim-scenarios.md (fault kinds, shrunk files).\n";

typedef struct fuzz_cli {
    fuzz_opts o;
    const char *json, *junit, *tap, *shrink_out;
    unsigned shrink_runs;
    bool progress;
    double last_progress;
} fuzz_cli;

/* fuzz --seconds: a decimal number of seconds from FUZZ_SECONDS_MIN to FUZZ_SECONDS_MAX. */
#define FUZZ_SECONDS_MIN 0.001
#define FUZZ_SECONDS_MAX 1e7 /* 115 days */

static double fseconds(const char *flag, const char *v)
{
    char *end = NULL;
    errno = 0;
    double s = v && *v >= '0' && *v <= '9' ? strtod(v, &end) : -1;
    if (!v || s < 0 || !end || *end)
        die("fuzz: %s: '%s' is not a number of seconds (from %g to %g)", flag, v ? v : "", FUZZ_SECONDS_MIN,
            FUZZ_SECONDS_MAX);
    if (!isfinite(s) || errno == ERANGE || s < FUZZ_SECONDS_MIN || s > FUZZ_SECONDS_MAX)
        die("fuzz: %s: %s is out of range (from %g to %g seconds)", flag, v, FUZZ_SECONDS_MIN, FUZZ_SECONDS_MAX);
    return s;
}

static void fshard(const char *v, fuzz_opts *o)
{
    unsigned k, n;
    char tail;
    if (!v || sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || v[0] < '0' || v[0] > '9' || n < 1 || k >= n ||
        n > FUZZ_SHARDS_MAX)
        die("fuzz: --shard: '%s' is not K/N with 0 <= K < N <= %d", v ? v : "", FUZZ_SHARDS_MAX);
    o->shard = k;
    o->shards = n;
}

enum {
    FO_SEEDS, FO_SECONDS, FO_SEED_BASE, FO_SHARD, FO_STRATEGY, FO_FAULTS, FO_DETERMINISM, FO_PLANT,
    FO_MAX_EVENTS, FO_JSON, FO_JUNIT, FO_TAP, FO_SHRINK_OUT, FO_SHRINK_RUNS, FO_NO_SHRINK, FO_NETWORK,
    FO_COSTS, FO_TOPOLOGY
};
static const cli_option fuzz_options[] = {
    [FO_SEEDS] = {"--seeds", "N"}, [FO_SECONDS] = {"--seconds", "S"}, [FO_SEED_BASE] = {"--seed-base", "B"},
    [FO_SHARD] = {"--shard", "K/N"}, [FO_STRATEGY] = {"--strategy", "S"}, [FO_FAULTS] = {"--faults", "LIST"},
    [FO_DETERMINISM] = {"--check-determinism", NULL}, [FO_PLANT] = {"--plant", "BUG"},
    [FO_MAX_EVENTS] = {"--max-events", "N"}, [FO_JSON] = {"--json", "FILE"}, [FO_JUNIT] = {"--junit", "FILE"},
    [FO_TAP] = {"--tap", "FILE"}, [FO_SHRINK_OUT] = {"--shrink-out", "FILE"},
    [FO_SHRINK_RUNS] = {"--shrink-runs", "N"}, [FO_NO_SHRINK] = {"--no-shrink", NULL},
    [FO_NETWORK] = {"--network", "M"}, [FO_COSTS] = {"--costs", "C"},
    [FO_TOPOLOGY] = {"--topology", "T"}, {NULL, NULL},
};

static void fuzz_option(fuzz_cli *c, int k, const char *a, const char *v)
{
    switch (k) {
    case FO_SEEDS: c->o.seeds = cli_flag_u64("fuzz", a, v, 1, 1ULL << 48); break;
    case FO_SECONDS: c->o.seconds = fseconds(a, v); break;
    case FO_SEED_BASE: c->o.seed_base = cli_flag_u64("fuzz", a, v, 0, UINT64_MAX - (1ULL << 48)); break;
    case FO_SHARD: fshard(v, &c->o); break;
    case FO_STRATEGY: c->o.strategy = v; break;
    case FO_FAULTS: c->o.faults = v; break;
    case FO_NETWORK: c->o.network = v; break;
    case FO_COSTS: c->o.costs = v; break;
    case FO_TOPOLOGY: c->o.topology = v; break;
    case FO_DETERMINISM: c->o.check_determinism = true; break;
    case FO_PLANT:
        if (!swarm_plant_parse(v, &c->o.plant))
            die("fuzz: --plant: '%s' is not none, early-complete, wrong-offsets or drop-replayed", v);
        break;
    case FO_MAX_EVENTS: c->o.max_events = cli_flag_u64("fuzz", a, v, 1, 1ULL << 40); break;
    case FO_JSON: c->json = v; break;
    case FO_JUNIT: c->junit = v; break;
    case FO_TAP: c->tap = v; break;
    case FO_SHRINK_OUT: c->shrink_out = v; break;
    case FO_SHRINK_RUNS: c->shrink_runs = (unsigned)cli_flag_u64("fuzz", a, v, 0, 100000); break;
    case FO_NO_SHRINK: c->shrink_runs = 0; break;
    default: BS_BUG("fuzz: option %d has no case", k);
    }
}

static void fuzz_parse(int argc, char **argv, fuzz_cli *c)
{
    memset(c, 0, sizeof *c);
    c->o = (fuzz_opts){.strategy = SWARM_ANY, .shards = 1};
    c->shrink_runs = 300;
    cli_args a;
    cli_args_init(&a, "fuzz", fuzz_usage, argc, argv, 1, fuzz_options);
    for (int k; (k = cli_args_next(&a)) >= 0;)
        fuzz_option(c, k, a.name, a.value);
    if (a.n_operands)
        die("fuzz: unexpected argument '%s' (fuzz takes options only; see 'barriersim fuzz --help')",
            a.operands[0]);
    if (!c->o.seeds && c->o.seconds <= 0)
        c->o.seeds = 1000;
    cli_check_swarm_choice("fuzz", c->o.strategy, c->o.network);
    cli_check_costs("fuzz", c->o.costs);
    cli_check_topology("fuzz", c->o.topology);
    bool ok = true;
    if (c->o.faults && (swarm_faults_parse(c->o.faults, &ok), !ok || strlen(c->o.faults) >= 160))
        die("fuzz: --faults: '%s' is not all, none or a list of fault kinds (see --help)", c->o.faults);
    int to_stdout = (c->json && !strcmp(c->json, "-")) + (c->junit && !strcmp(c->junit, "-")) +
                    (c->tap && !strcmp(c->tap, "-"));
    if (to_stdout > 1)
        die("fuzz: only one of --json, --junit and --tap can write to standard output");
    /* Outputs are checked before any seed runs, not after the whole run. */
    const char *outs[] = {c->json, c->junit, c->tap, c->shrink_out};
    const char *flags[] = {"--json", "--junit", "--tap", "--shrink-out"};
    for (int i = 0; i < 4; i++)
        if (outs[i])
            cli_check_output("fuzz", flags[i], outs[i]);
    if (c->shrink_out && strcmp(c->shrink_out, "-") == 0)
        die("fuzz: --shrink-out: give a file name (the shrunk failure is a file that run replays)");
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One rewritten line on stderr, at most every 0.2 s (only when stderr is a terminal). */
static bool fuzz_progress(void *ctx, const fuzz_report *r, uint64_t seed, const fuzz_seed *s)
{
    fuzz_cli *c = ctx;
    (void)s;
    double now = mono_s();
    if (now - c->last_progress < 0.2)
        return true;
    c->last_progress = now;
    const fuzz_totals *t = &r->totals;
    fprintf(stderr, "\rfuzz: %llu seeds (at %llu), %llu failed, %.0f seeds/s, %.1f M events\033[K",
            (unsigned long long)t->seeds, (unsigned long long)seed, (unsigned long long)t->failed,
            t->seconds > 0 ? (double)t->seeds / t->seconds : 0.0, (double)t->events / 1e6);
    return true;
}

/* Shrinks the first failure and saves it; records the path in the report. */
static void fuzz_shrink_first(fuzz_cli *c, fuzz_report *r, FILE *out)
{
    fuzz_failure *x = &r->failures[0];
    sim_config cfg, best;
    fuzz_draw(&c->o, x->seed, &cfg);
    if (strcmp(x->kind, "nondeterminism") == 0)
        return; /* shrinking needs a failure that reproduces */
    fuzz_shrink_stats st;
    uint64_t best_seed;
    if (fuzz_shrink(&cfg, x->seed, x->invariant, c->shrink_runs, &best, &best_seed, &st))
        die("fuzz: out of memory while shrinking");
    char path[512];
    if (c->shrink_out)
        snprintf(path, sizeof path, "%s", c->shrink_out);
    else
        snprintf(path, sizeof path, "fuzz-failure-%llu.yaml", (unsigned long long)x->seed);
    size_t plen = strlen(path);
    bool conf = plen > 5 && strcmp(path + plen - 5, ".conf") == 0;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "barriersim: fuzz: warning: cannot write the shrunk failure to %s: %s (the failure "
                "above stands; its replay command reproduces it)\n", path, strerror(errno));
        return;
    }
    char comment[1400], name[64];
    if (conf) {
        snprintf(comment, sizeof comment, "shrunk from seed %llu by barriersim fuzz (%u runs); replay: barriersim "
                 "replay --config FILE", (unsigned long long)x->seed, st.runs);
        simconf_write(f, &best, best_seed, x->invariant, comment);
    } else {
        /* No expectation: `run FILE` fails (exit 1) while the bug is there, passes once fixed. */
        fprintf(f, "# shrunk by barriersim fuzz from seed %llu (%u runs); it failed with %s: %s\n"
                   "# replay: barriersim run FILE (exit 1 until the bug is fixed); full trace: barriersim replay "
                   "--scenario FILE\n", (unsigned long long)x->seed, st.runs, x->kind, x->invariant);
        snprintf(name, sizeof name, "fuzz-failure-%llu", (unsigned long long)x->seed);
        static fuzz_seed again; /* the shrunk run's own message (large: not on the stack) */
        if (fuzz_run_config(&best, best_seed, false, &again))
            die("fuzz: out of memory while shrinking");
        snprintf(comment, sizeof comment, "shrunk from fuzz seed %llu: %s", (unsigned long long)x->seed,
                 again.failed ? again.failure.message : x->message);
        simscen_write(f, &best, best_seed, name, comment, NULL);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "barriersim: fuzz: warning: cannot write the shrunk failure to %s: %s (the failure "
                "above stands; its replay command reproduces it)\n", path, strerror(errno));
        return;
    }
    snprintf(x->shrunk, sizeof x->shrunk, "%s", path);
    char q[1200];
    sim_shell_quote(path, q, sizeof q);
    fprintf(out, "shrunk seed %llu (%s): %u runs, %u smaller variants kept, %llu -> %llu events\n",
            (unsigned long long)x->seed, x->invariant, st.runs, st.accepted, (unsigned long long)st.events_before,
            (unsigned long long)st.events_after);
    fprintf(out, "  smallest: seed %llu, %u sources, %u stages of %u tasks, %llu records per source, %llu max events\n",
            (unsigned long long)best_seed, best.sources, best.stages, best.parallelism,
            (unsigned long long)best.records_per_source, (unsigned long long)best.max_events);
    if (conf)
        fprintf(out, "  written to %s; replay it: %s replay --config %s\n", path, cli_argv0, q);
    else
        fprintf(out, "  written to %s (a simulation scenario); replay it: %s run %s\n", path, cli_argv0, q);
}

/* Writes one report file; false (with a message) when it cannot be written. */
static bool fuzz_save(const char *path, const char *kind, const fuzz_report *r)
{
    char err[1200];
    if (path && report_save(path, kind, r, cli_argv0, err, sizeof err)) {
        fprintf(stderr, "barriersim: fuzz: %s\n", err);
        return false;
    }
    return true;
}

int cmd_fuzz(int argc, char **argv)
{
    fuzz_cli c;
    fuzz_parse(argc, argv, &c);
    c.o.prog = cli_argv0;
    c.progress = isatty(STDERR_FILENO);
    fuzz_report r;
    int rc = fuzz_loop(&c.o, &r, c.progress ? fuzz_progress : NULL, &c);
    if (c.progress)
        fputs("\r\033[K", stderr);
    if (rc)
        die("fuzz: out of memory");
    bool machine_stdout = (c.json && !strcmp(c.json, "-")) || (c.junit && !strcmp(c.junit, "-")) ||
                          (c.tap && !strcmp(c.tap, "-"));
    FILE *out = machine_stdout ? stderr : stdout;
    report_print_summary(out, &r, cli_argv0, "fuzz", 10);
    if (r.n_failures && c.shrink_runs)
        fuzz_shrink_first(&c, &r, out);
    fflush(out);
    bool saved = fuzz_save(c.json, "json", &r);
    saved = fuzz_save(c.junit, "junit", &r) && saved;
    saved = fuzz_save(c.tap, "tap", &r) && saved;
    /* A violation is the result even when a report file could not be written. */
    int code = r.totals.failed ? EXIT_VIOLATION : saved ? EXIT_PASS : EXIT_USAGE;
    fuzz_report_free(&r);
    return code;
}
