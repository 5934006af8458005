/*
 * cmd_soak.c: `barriersim soak --seconds S` runs seeds of the built-in randomized
 * configurations one after another for a wall-clock duration (outside the simulation:
 * every run is still deterministic) and watches the process for leaks: resident memory
 * (/proc/self/statm) and open file descriptors (/proc/self/fd). After a warm-up it takes a
 * baseline; it fails when resident memory at the end exceeds the baseline by more than
 * --max-rss-growth, or when descriptors at the end exceed the start. Spill files are not
 * watched here: the simulator's disk is in memory, so no real file can be left, and a
 * file a task leaves on that disk already fails its seed (verify/invariants/spill_files.c
 * runs at every task's cleanup).
 *
 * Resident memory measures leaks only if freed memory goes back to the system: glibc raises
 * its mmap threshold to the largest block freed so far (up to 32 MiB), after which a run's
 * large rings and queues (the byte network's are megabytes) come from the heap and their
 * fragments stay resident. soak pins the threshold at 128 KiB (mallopt M_MMAP_THRESHOLD),
 * so blocks that size and larger are mapped and unmapped: measured here, byte-network soaks
 * grew 13 MiB a minute without it (also at 1cb56a1, before aligned-timeout's changes) and
 * +128 KiB with it, as the same process with MALLOC_MMAP_THRESHOLD_=131072 does.
 *
 * Exit codes: 0 no violation and no leak, 1 a violation (with its replay command) or a
 * leak, 2 a usage error.
 */
#include "cli.h"
#include "cmd.h"

#include "../report/fuzz.h"
#include "../report/report.h"
#include "../report/swarm.h"

#include <dirent.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char soak_usage[] =
    "usage: barriersim soak --seconds S [options]\n"
    "\n"
    "Runs seeds of the built-in randomized configurations (as fuzz draws them) one after\n"
    "another for S seconds, checking every invariant, and watches resident memory, open\n"
    "file descriptors for growth; reports start, end and peak. Spill files live on the\n"
    "simulator's in-memory disk: one a task leaves fails its seed (the spill-files invariant).\n"
    "\n"
    "  --seconds S            how long to run (required; 0.001 to 1e7 seconds)\n"
    "  --strategy S           spill, tracker, ... or any (default)\n"
    "{strategy-lib}"
    "  --faults LIST          fault kinds seeds may switch on: all (default), none or a list\n"
    "  --network M            records (default), bytes or any, as for fuzz\n"
    "  --costs C              checkpoint costs: off (default), on or any, as for fuzz\n"
    "  --topology T           chain (default), two-input or any, as for fuzz\n"
    "  --seed-base B          the first seed (default 0)\n"
    "  --warmup S             seconds before the memory baseline, shorter than --seconds\n"
    "                         (default: a fifth of --seconds, at most 10)\n"
    "  --max-rss-growth BYTES allowed resident memory growth after the warm-up (default 1048576)\n"
    "  --max-events N         stop each run after N events\n"
    "  --json FILE            write the results as JSON (the fuzz format plus a \"soak\" object)\n"
    "  --junit FILE           write JUnit XML\n"
    "  --tap FILE             write TAP version 13\n"
    "\n"
    "Exit: 0 no violation and no leak, 1 a violation or a leak, 2 usage error.\n"
    "Reference: docs/cli.md (soak).\n";

typedef struct soak_usage_now {
    uint64_t rss, fds;
} soak_sample;

typedef struct soak_cli {
    fuzz_opts o;
    double warmup;
    uint64_t max_rss_growth;
    const char *json, *junit, *tap;
    bool progress;
    double t0, last_sample, last_progress;
    bool warm;
    soak_sample start, base, end, peak;
} soak_cli;

static double soak_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t soak_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, res = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &res) != 2)
        res = 0;
    fclose(f);
    return res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Entries of `dir` whose name starts with `prefix` (minus `minus`, the reader's own fd). */
static uint64_t soak_count(const char *dir, const char *prefix, uint64_t minus)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    uint64_t n = 0;
    size_t plen = strlen(prefix);
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && strncmp(e->d_name, prefix, plen) == 0)
            n++;
    closedir(d);
    return n >= minus ? n - minus : 0;
}

static soak_sample soak_take(void)
{
    return (soak_sample){soak_rss(), soak_count("/proc/self/fd", "", 1)};
}

static void soak_note(soak_cli *c, soak_sample s)
{
    c->peak.rss = s.rss > c->peak.rss ? s.rss : c->peak.rss;
    c->peak.fds = s.fds > c->peak.fds ? s.fds : c->peak.fds;
}

/* After every seed: sample twice a second; take the baseline after the warm-up. */
static bool soak_progress(void *ctx, const fuzz_report *r, uint64_t seed, const fuzz_seed *s)
{
    soak_cli *c = ctx;
    (void)s;
    double now = soak_now();
    if (now - c->last_sample >= 0.5) {
        c->last_sample = now;
        soak_sample x = soak_take();
        soak_note(c, x);
        if (!c->warm && now - c->t0 >= c->warmup) {
            c->warm = true;
            c->base = x;
        }
    }
    if (c->progress && now - c->last_progress >= 0.2) {
        c->last_progress = now;
        fprintf(stderr, "\rsoak: %.0f/%.0f s, %llu seeds (at %llu), %llu failed, rss %.1f MiB\033[K", now - c->t0,
                c->o.seconds, (unsigned long long)r->totals.seeds, (unsigned long long)seed,
                (unsigned long long)r->totals.failed, (double)c->peak.rss / 1048576.0);
    }
    return true;
}

/* soak --seconds and --warmup: a decimal number of seconds in [min, SOAK_SECONDS_MAX]. */
#define SOAK_SECONDS_MIN 0.001
#define SOAK_SECONDS_MAX 1e7 /* 115 days */

static double ssecs(const char *flag, const char *v, double min)
{
    char *end = NULL;
    errno = 0;
    double s = v && *v >= '0' && *v <= '9' ? strtod(v, &end) : -1;
    if (!v || s < 0 || !end || *end)
        die("soak: %s: '%s' is not a number of seconds (from %g to %g)", flag, v ? v : "", min, SOAK_SECONDS_MAX);
    if (!isfinite(s) || errno == ERANGE || s < min || s > SOAK_SECONDS_MAX)
        die("soak: %s: %s is out of range (from %g to %g seconds)", flag, v, min, SOAK_SECONDS_MAX);
    return s;
}

enum {
    SO_SECONDS, SO_WARMUP, SO_STRATEGY, SO_FAULTS, SO_SEED_BASE, SO_MAX_RSS, SO_MAX_EVENTS, SO_JSON, SO_JUNIT,
    SO_TAP, SO_NETWORK, SO_COSTS, SO_TOPOLOGY
};
static const cli_option soak_options[] = {
    [SO_SECONDS] = {"--seconds", "S"}, [SO_WARMUP] = {"--warmup", "S"}, [SO_STRATEGY] = {"--strategy", "S"},
    [SO_FAULTS] = {"--faults", "LIST"}, [SO_SEED_BASE] = {"--seed-base", "B"},
    [SO_MAX_RSS] = {"--max-rss-growth", "BYTES"}, [SO_MAX_EVENTS] = {"--max-events", "N"},
    [SO_JSON] = {"--json", "FILE"}, [SO_JUNIT] = {"--junit", "FILE"}, [SO_TAP] = {"--tap", "FILE"},
    [SO_NETWORK] = {"--network", "M"}, [SO_COSTS] = {"--costs", "C"},
    [SO_TOPOLOGY] = {"--topology", "T"}, {NULL, NULL},
};

static void soak_option(soak_cli *c, int k, const char *a, const char *v)
{
    switch (k) {
    case SO_SECONDS: c->o.seconds = ssecs(a, v, SOAK_SECONDS_MIN); break;
    case SO_WARMUP: c->warmup = ssecs(a, v, 0); break;
    case SO_STRATEGY: c->o.strategy = v; break;
    case SO_FAULTS: c->o.faults = v; break;
    case SO_NETWORK: c->o.network = v; break;
    case SO_COSTS: c->o.costs = v; break;
    case SO_TOPOLOGY: c->o.topology = v; break;
    case SO_SEED_BASE: c->o.seed_base = cli_flag_u64("soak", a, v, 0, UINT64_MAX - (1ULL << 48)); break;
    case SO_MAX_RSS: c->max_rss_growth = cli_flag_u64("soak", a, v, 0, 1ULL << 40); break;
    case SO_MAX_EVENTS: c->o.max_events = cli_flag_u64("soak", a, v, 1, 1ULL << 40); break;
    case SO_JSON: c->json = v; break;
    case SO_JUNIT: c->junit = v; break;
    case SO_TAP: c->tap = v; break;
    default: BS_BUG("soak: option %d has no case", k);
    }
}

static void soak_parse(int argc, char **argv, soak_cli *c)
{
    memset(c, 0, sizeof *c);
    c->o = (fuzz_opts){.strategy = SWARM_ANY, .shards = 1};
    c->warmup = -1;
    c->max_rss_growth = 1u << 20;
    cli_args a;
    cli_args_init(&a, "soak", soak_usage, argc, argv, 1, soak_options);
    for (int k; (k = cli_args_next(&a)) >= 0;)
        soak_option(c, k, a.name, a.value);
    if (a.n_operands)
        die("soak: unexpected argument '%s' (soak takes options only; see 'barriersim soak --help')",
            a.operands[0]);
    if (c->o.seconds <= 0)
        die("soak: --seconds S is required (see 'barriersim soak --help')");
    cli_check_swarm_choice("soak", c->o.strategy, c->o.network);
    cli_check_costs("soak", c->o.costs);
    cli_check_topology("soak", c->o.topology);
    bool ok = true;
    if (c->o.faults && (swarm_faults_parse(c->o.faults, &ok), !ok || strlen(c->o.faults) >= 160))
        die("soak: --faults: '%s' is not all, none or a list of fault kinds", c->o.faults);
    if (c->warmup < 0)
        c->warmup = c->o.seconds / 5 < 10 ? c->o.seconds / 5 : 10;
    else if (c->warmup >= c->o.seconds)
        die("soak: --warmup %g must be shorter than --seconds %g (the memory baseline is taken after the "
            "warm-up)", c->warmup, c->o.seconds);
    const char *outs[] = {c->json, c->junit, c->tap}, *flags[] = {"--json", "--junit", "--tap"};
    int to_stdout = 0;
    for (int i = 0; i < 3; i++) {
        if (outs[i])
            cli_check_output("soak", flags[i], outs[i]);
        to_stdout += outs[i] && strcmp(outs[i], "-") == 0;
    }
    if (to_stdout > 1)
        die("soak: only one of --json, --junit and --tap can write to standard output");
}

/* Adds a leak to the report's failures (kind "leak"); totals stay per seed. */
static void soak_leak(fuzz_report *r, uint64_t seed, const char *what, const char *fmt_msg, FILE *out)
{
    fprintf(out, "LEAK: %s: %s\n", what, fmt_msg);
    fuzz_failure f;
    memset(&f, 0, sizeof f);
    f.seed = seed;
    snprintf(f.kind, sizeof f.kind, "leak");
    snprintf(f.invariant, sizeof f.invariant, "%s", what);
    snprintf(f.message, sizeof f.message, "%s", fmt_msg);
    if (fuzz_report_add_failure(r, &f))
        die("soak: out of memory");
}

static int soak_judge(const soak_cli *c, fuzz_report *r, FILE *out)
{
    const soak_sample *st = &c->start, *b = &c->base, *e = &c->end, *p = &c->peak;
    int64_t growth = (int64_t)e->rss - (int64_t)b->rss;
    fprintf(out, "  resident memory: start %.2f MiB, after %.1f s warm-up %.2f MiB, end %.2f MiB, peak %.2f MiB; "
                 "growth %+lld bytes (limit %llu)\n",
            (double)st->rss / 1048576.0, c->warmup, (double)b->rss / 1048576.0, (double)e->rss / 1048576.0,
            (double)p->rss / 1048576.0, (long long)growth, (unsigned long long)c->max_rss_growth);
    fprintf(out, "  open file descriptors: start %llu, end %llu, peak %llu\n", (unsigned long long)st->fds,
            (unsigned long long)e->fds, (unsigned long long)p->fds);
    fprintf(out, "  spill files: on the simulator's in-memory disk; a file a task leaves fails its seed "
                 "(spill-files invariant)\n");
    char msg[256];
    uint64_t last = r->seed_base + (r->totals.seeds ? r->totals.seeds - 1 : 0);
    if (growth > (int64_t)c->max_rss_growth) {
        snprintf(msg, sizeof msg, "resident memory grew by %lld bytes after the warm-up (limit %llu)",
                 (long long)growth, (unsigned long long)c->max_rss_growth);
        soak_leak(r, last, "rss growth", msg, out);
    }
    if (e->fds > st->fds) {
        snprintf(msg, sizeof msg, "%llu file descriptors leaked", (unsigned long long)(e->fds - st->fds));
        soak_leak(r, last, "fd leak", msg, out);
    }
    return r->totals.failed || r->n_failures ? EXIT_VIOLATION : EXIT_PASS;
}

static void soak_save(const soak_cli *c, const fuzz_report *r)
{
    char extra[1024], err[1200];
    snprintf(extra, sizeof extra,
             "\"soak\": {\"warmup_seconds\": %.3f, \"max_rss_growth\": %llu, \"rss_start\": %llu, "
             "\"rss_baseline\": %llu, \"rss_end\": %llu, \"rss_peak\": %llu, \"fds_start\": %llu, \"fds_end\": %llu, "
             "\"fds_peak\": %llu}",
             c->warmup, (unsigned long long)c->max_rss_growth, (unsigned long long)c->start.rss,
             (unsigned long long)c->base.rss, (unsigned long long)c->end.rss, (unsigned long long)c->peak.rss,
             (unsigned long long)c->start.fds, (unsigned long long)c->end.fds, (unsigned long long)c->peak.fds);
    const char *paths[] = {c->json, c->junit, c->tap}, *kinds[] = {"json", "junit", "tap"};
    for (int i = 0; i < 3; i++)
        if (paths[i] && report_save_extra(paths[i], kinds[i], r, cli_argv0, extra, err, sizeof err))
            die("soak: %s", err);
}

int cmd_soak(int argc, char **argv)
{
    soak_cli c;
    soak_parse(argc, argv, &c);
#ifdef __GLIBC__
    (void)mallopt(M_MMAP_THRESHOLD, 128 * 1024); /* see the header: freed blocks leave */
#endif
    c.o.prog = cli_argv0;
    c.progress = isatty(STDERR_FILENO);
    c.start = c.peak = soak_take();
    c.t0 = c.last_sample = soak_now();
    fuzz_report r;
    int rc = fuzz_loop(&c.o, &r, soak_progress, &c);
    if (c.progress)
        fputs("\r\033[K", stderr);
    if (rc)
        die("soak: out of memory");
    c.end = soak_take();
    soak_note(&c, c.end);
    if (!c.warm)
        c.base = c.end; /* too short to warm up: no growth can be judged */
    bool machine_stdout = (c.json && !strcmp(c.json, "-")) || (c.junit && !strcmp(c.junit, "-")) ||
                          (c.tap && !strcmp(c.tap, "-"));
    FILE *out = machine_stdout ? stderr : stdout;
    report_print_summary(out, &r, cli_argv0, "soak", 10);
    int code = soak_judge(&c, &r, out);
    fprintf(out, "soak: %s\n", code == EXIT_PASS ? "no violation, no leak" : "FAILED");
    fflush(out);
    soak_save(&c, &r);
    fuzz_report_free(&r);
    return code;
}
