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
    "  --faults LIST        fault kinds a seed may switch on: all (default), none, or a comma-\n"
    "                       separated list of eop,skip,overlap,cancel,timeout,write-error,\n"
    "                       enospc,short-write,read-error,corrupt,truncate,fail,reorder\n"
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

static double fseconds(const char *flag, const char *v)
{
    char *end;
    errno = 0;
    double s = v && *v >= '0' && *v <= '9' ? strtod(v, &end) : -1;
    if (!v || s <= 0 || errno || *end || !isfinite(s) || s > 1e7)
        die("fuzz: %s: '%s' is not a positive number of seconds", flag, v ? v : "");
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

static void fuzz_parse(int argc, char **argv, fuzz_cli *c)
{
    memset(c, 0, sizeof *c);
    c->o = (fuzz_opts){.strategy = SWARM_ANY, .shards = 1};
    c->shrink_runs = 300;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(fuzz_usage, stdout);
            exit(EXIT_PASS);
        }
        if (strcmp(a, "--check-determinism") == 0) { c->o.check_determinism = true; continue; }
        if (strcmp(a, "--no-shrink") == 0) { c->shrink_runs = 0; continue; }
        if (strncmp(a, "--", 2) != 0 || !v)
            die("fuzz: '%s' needs a value or is not an option (see 'barriersim fuzz --help')", a);
        i++;
        if (strcmp(a, "--seeds") == 0) c->o.seeds = cli_flag_u64("fuzz", a, v, 1, 1ULL << 48);
        else if (strcmp(a, "--seconds") == 0) c->o.seconds = fseconds(a, v);
        else if (strcmp(a, "--seed-base") == 0) c->o.seed_base = cli_flag_u64("fuzz", a, v, 0, UINT64_MAX - (1ULL << 48));
        else if (strcmp(a, "--shard") == 0) fshard(v, &c->o);
        else if (strcmp(a, "--strategy") == 0) c->o.strategy = v;
        else if (strcmp(a, "--faults") == 0) c->o.faults = v;
        else if (strcmp(a, "--plant") == 0) {
            if (!swarm_plant_parse(v, &c->o.plant))
                die("fuzz: --plant: '%s' is not none, early-complete, wrong-offsets or drop-replayed", v);
        }
        else if (strcmp(a, "--max-events") == 0) c->o.max_events = cli_flag_u64("fuzz", a, v, 1, 1ULL << 40);
        else if (strcmp(a, "--json") == 0) c->json = v;
        else if (strcmp(a, "--junit") == 0) c->junit = v;
        else if (strcmp(a, "--tap") == 0) c->tap = v;
        else if (strcmp(a, "--shrink-out") == 0) c->shrink_out = v;
        else if (strcmp(a, "--shrink-runs") == 0) c->shrink_runs = (unsigned)cli_flag_u64("fuzz", a, v, 0, 100000);
        else die("fuzz: unknown option '%s' (see 'barriersim fuzz --help')", a);
    }
    if (!c->o.seeds && c->o.seconds <= 0)
        c->o.seeds = 1000;
    if (!swarm_strategy_known(c->o.strategy))
        die("fuzz: unknown strategy '%s' (any, or see 'barriersim check --help')", c->o.strategy);
    bool ok = true;
    if (c->o.faults && (swarm_faults_parse(c->o.faults, &ok), !ok || strlen(c->o.faults) >= 160))
        die("fuzz: --faults: '%s' is not all, none or a list of fault kinds (see --help)", c->o.faults);
    int to_stdout = (c->json && !strcmp(c->json, "-")) + (c->junit && !strcmp(c->junit, "-")) +
                    (c->tap && !strcmp(c->tap, "-"));
    if (to_stdout > 1)
        die("fuzz: only one of --json, --junit and --tap can write to standard output");
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
    if (!f)
        die("fuzz: cannot write %s: %s", path, strerror(errno));
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
    if (fclose(f) != 0)
        die("fuzz: cannot write %s: %s", path, strerror(errno));
    snprintf(x->shrunk, sizeof x->shrunk, "%s", path);
    char q[1200];
    cli_shell_quote(path, q, sizeof q);
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

static void fuzz_save(const char *path, const char *kind, const fuzz_report *r)
{
    char err[1200];
    if (path && report_save(path, kind, r, cli_argv0, err, sizeof err))
        die("fuzz: %s", err);
}

int cmd_fuzz(int argc, char **argv);

int cmd_fuzz(int argc, char **argv)
{
    fuzz_cli c;
    fuzz_parse(argc, argv, &c);
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
    fuzz_save(c.json, "json", &r);
    fuzz_save(c.junit, "junit", &r);
    fuzz_save(c.tap, "tap", &r);
    int code = r.totals.failed ? EXIT_VIOLATION : EXIT_PASS;
    fuzz_report_free(&r);
    return code;
}
