/*
 * cmd_check.c: `barriersim check` explores every interleaving of a small configuration
 * (see sim/check/check.h) and reports states, transitions, depth, time and memory. On a
 * violation it writes the shortest counterexample (--depth-first: a counterexample) as a
 * scenario file, prints the command that replays it, and exits 1. A search that did not cover every state (bitstate,
 * --max-states, --max-depth) never says it did: it exits 3 and says why; nor does an
 * interrupted one, which prints what it found and then dies of the signal. --jobs J runs J
 * threads that share one visited set (sim/check/search.c), so they store what one would.
 */
#include "cli.h"
#include "cmd.h"
#include "../../core/bs_strategy.h"

#include "../check/check.h"
#include "../simscen/simscen.h"
#include "../strategies.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_INCOMPLETE 3 /* no violation found, but the search did not cover every state */

static const char check_usage[] =
    "usage: barriersim check [options]\n"
    "\n"
    "Explores every interleaving of channel deliveries and fault choices of a small\n"
    "configuration, driving the real core and checking every invariant in every state.\n"
    "\n"
    "  --strategy S       spill (default), tracker, ...\n"
    "{strategy-lib}"
    "  --channels N       input channels, 1..16 (default 2)\n"
    "  --checkpoints K    checkpoints per channel (default 1)\n"
    "  --data D           data items per epoch (default 1)\n"
    "  --scenario FILE    a handler-level scenario: its strategy, channels, options, faults and\n"
    "                     input (the channel scripts); a flag that contradicts it is an error\n"
    "  --eop              a channel may end with eop at any point\n"
    "  --cancel           a channel may deliver xK instead of bK\n"
    "  --skip             a channel may drop a barrier\n"
    "  --disk-fault       one spill-file I/O call of the run may fail\n"
    "  --no-por           no partial-order reduction (sleep sets)\n"
    "  --no-symmetry      no symmetry reduction (channels with identical scripts are\n"
    "                     otherwise explored up to renaming, when the strategy can rename)\n"
    "  --keep-ended       keep how each ended checkpoint ended in a state's identity (by\n"
    "                     default it is forgotten: no continuation can tell; for comparison)\n"
    "  --keep-order       keep the arrival order of the items a spill file holds in a state's\n"
    "                     identity (by default states differing only in how channels\n"
    "                     interleaved there are one: no continuation can tell; for comparison)\n"
    "  --no-compaction    store every state's canonical bytes and compare them, not only\n"
    "                     its 128-bit hash (slower, more memory; for comparison)\n"
    "  --max-states N     stop after N states (the result is then incomplete)\n"
    "  --max-depth N      explore no deeper than N transitions\n"
    "  --max-memory MIB   stop once the peak resident set passes MIB mebibytes (the\n"
    "                     result is then incomplete; default: 3/4 of physical memory)\n"
    "  --bitstate LOG2    a bit array of 2^LOG2 bits instead of exact state storage\n"
    "                     (never complete: reports bits set and SPIN's hash factor)\n"
    "  --shard K/N        explore shard K of N (shards split the space at depth 4)\n"
    "  --jobs J           J threads sharing one visited set (each state stored once)\n"
    "  --depth-first      one job, depth-first: memory for the visited set only (no\n"
    "                     frontier of blobs), for configurations breadth-first cannot hold;\n"
    "                     a counterexample then replays but is not a shortest one\n"
    "  --out FILE         where to write a counterexample (default: check-<strategy>.yaml)\n"
    "  --json             print the result as one JSON object\n"
    "\n"
    "Strategy options (each strategy's descriptor lists those it reads; the model's clock\n"
    "stands still, so aligned-timeout's timeout fires only where the search chooses it):\n";
static const char check_usage_exit[] =
    "\n"
    "Exit: 0 every state explored (with --shard: every state of the shard), no violation;\n"
    "1 a violation (counterexample written); 2 usage error; 3 no violation found but the\n"
    "search was incomplete (--bitstate, --max-states, --max-memory, --max-depth).\n"
    "Interrupted (SIGINT, SIGTERM, SIGHUP): prints what it found, then dies of the signal.\n"
    "Reference: docs/cli.md (check), docs/handler-scenarios.md (--scenario files).\n";

typedef struct check_opts {
    check_config cfg;
    const char *out;
    const char *scenario_path;
    scenario sc;
    bool json;
    const char *given[8];         /* flags given that a scenario file also decides */
    size_t given_len;
} check_opts;

static void note_given(check_opts *o, const char *flag)
{
    if (o->given_len < sizeof o->given / sizeof o->given[0])
        o->given[o->given_len++] = flag;
}

static void parse_shard(const char *v, check_config *cfg)
{
    unsigned k, n;
    char tail;
    if (!v || sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || k >= n || n > 4096)
        die("check: --shard: '%s' is not K/N with 0 <= K < N <= 4096", v ? v : "");
    cfg->shard = k;
    cfg->shards = n;
}

static bool parse_flag(check_opts *o, const char *a)
{
    const struct {
        const char *name;
        bool *flag;
        bool value;
    } flags[] = {
        {"--eop", &o->cfg.eop, true},
        {"--cancel", &o->cfg.cancel, true},
        {"--skip", &o->cfg.skip, true},
        {"--disk-fault", &o->cfg.disk_fault, true},
        {"--json", &o->json, true},
        {"--no-por", &o->cfg.sleep_sets, false},
        {"--no-symmetry", &o->cfg.symmetry, false},
        {"--keep-ended", &o->cfg.keep_ended, true},
        {"--keep-order", &o->cfg.keep_order, true},
        {"--no-compaction", &o->cfg.no_compaction, true},
        {"--depth-first", &o->cfg.depth_first, true},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(a, flags[i].name) == 0) {
            *flags[i].flag = flags[i].value;
            return true;
        }
    }
    return false;
}

static void parse_valued(check_opts *o, const char *a, const char *v)
{
    check_config *c = &o->cfg;
    static const char *const decided_by_file[] = {"--strategy", "--channels", "--checkpoints", "--data"};
    const bs_option *opt = strncmp(a, "--", 2) == 0 ? sim_option_find(a + 2) : NULL;
    if (opt && strcmp(opt->name, a + 2) != 0)
        opt = NULL; /* a simulation key, not a flag */
    if (opt)
        note_given(o, a);
    for (size_t i = 0; i < sizeof decided_by_file / sizeof decided_by_file[0]; i++)
        if (strcmp(a, decided_by_file[i]) == 0)
            note_given(o, decided_by_file[i]);
    if (strcmp(a, "--strategy") == 0) c->strategy = v;
    else if (strcmp(a, "--channels") == 0) c->channels = (uint32_t)cli_flag_u64("check", a, v, 1, CHECK_CHANNELS_MAX);
    else if (strcmp(a, "--checkpoints") == 0) c->checkpoints = (uint32_t)cli_flag_u64("check", a, v, 0, 1000);
    else if (strcmp(a, "--data") == 0) c->data = (uint32_t)cli_flag_u64("check", a, v, 0, 1000);
    else if (opt) c->options[opt->slot] = cli_flag_u64("check", a, v, opt->min, opt->max);
    else if (strcmp(a, "--max-states") == 0) c->max_states = cli_flag_u64("check", a, v, 1, UINT64_MAX / 2);
    else if (strcmp(a, "--max-memory") == 0) c->max_memory_bytes = cli_flag_u64("check", a, v, 1, 1u << 30) << 20;
    else if (strcmp(a, "--max-depth") == 0) c->max_depth = (uint32_t)cli_flag_u64("check", a, v, 1, 1u << 30);
    else if (strcmp(a, "--bitstate") == 0) c->bitstate_log2 = (uint32_t)cli_flag_u64("check", a, v, 10, 40);
    else if (strcmp(a, "--shard") == 0) parse_shard(v, c);
    else if (strcmp(a, "--jobs") == 0) c->jobs = (uint32_t)cli_flag_u64("check", a, v, 1, 64);
    else if (strcmp(a, "--out") == 0) o->out = v;
    else if (strcmp(a, "--scenario") == 0) o->scenario_path = v;
    else die("check: unknown option '%s' (see 'barriersim check --help')", a);
}

/* The usage, then the strategies as the strategy table has them. */
static void check_help(FILE *f)
{
    char all[512], checkable[512];
    cli_strategy_names(all, sizeof all, false);
    cli_strategy_names(checkable, sizeof checkable, true);
    cli_usage_print(f, check_usage);
    sim_options_usage(f);
    fprintf(f, "\nStrategies: %s.\nModel-checkable (they capture their state): %s.\n", all, checkable);
    fputs(check_usage_exit, f);
}

/* 3/4 of physical memory: a search that outgrows it stops, incomplete, instead of being
 * killed by the kernel's out-of-memory killer (a 4x3 spill search was, at 23 GiB). 0 (no
 * bound) when the system does not say. */
static uint64_t default_max_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages / 4 * 3 * (uint64_t)page : 0;
}

static void parse(int argc, char **argv, check_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cfg = (check_config){.strategy = "spill", .channels = 2, .checkpoints = 1, .data = 1,
                            .sleep_sets = true, .symmetry = true, .shards = 1, .jobs = 1,
                            .max_memory_bytes = default_max_memory()};
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            check_help(stdout);
            exit(EXIT_PASS);
        }
        if (parse_flag(o, argv[i]))
            continue;
        if (i + 1 >= argc || strncmp(argv[i], "--", 2) != 0)
            die("check: '%s' needs a value or is not an option (see 'barriersim check --help')", argv[i]);
        parse_valued(o, argv[i], argv[i + 1]);
        i++;
    }
}

/* A simulation scenario given to --scenario: say what it is, not "unknown key 'seed'". */
static void refuse_simulation_scenario(const char *path)
{
    simscen *sim = calloc(1, sizeof *sim);
    if (!sim)
        die("check: out of memory");
    char err[1200];
    int rc = simscen_load(path, sim, err, sizeof err);
    free(sim);
    if (rc != 1)
        die("check: %s is a simulation scenario (it has a top-level 'simulation:' key); check explores "
            "handler-level scenarios (strategy, channels, input). Run it with 'barriersim run %s'",
            path, path);
}

/* A flag given with --scenario that the file decides differently is a usage error. */
static void refuse_contradiction(const check_opts *o, const char *flag, bool differs, const char *what)
{
    for (size_t i = 0; i < o->given_len; i++)
        if (strcmp(o->given[i], flag) == 0 && differs)
            die("check: %s contradicts %s: %s", flag, o->scenario_path, what);
}

/* With --scenario: scripts, strategy, channels, options and faults come from the file. */
static void resolve_scenario(check_opts *o)
{
    refuse_simulation_scenario(o->scenario_path);
    char err[1200], what[256];
    if (scenario_load(o->scenario_path, &o->sc, err, sizeof err))
        die("%s", err);
    const scenario *sc = &o->sc;
    snprintf(what, sizeof what, "the file's strategy is %s", sc->strategy);
    refuse_contradiction(o, "--strategy", strcmp(o->cfg.strategy, sc->strategy) != 0, what);
    snprintf(what, sizeof what, "the file has %u channels", sc->channels);
    refuse_contradiction(o, "--channels", o->cfg.channels != sc->channels, what);
    refuse_contradiction(o, "--checkpoints", true, "the channel scripts come from the file's input");
    refuse_contradiction(o, "--data", true, "the channel scripts come from the file's input");
    for (unsigned k = 0; k < BS_OPT_SLOTS; k++) {
        const bs_option *opt = sim_option_of_slot((bs_option_slot)k);
        char flag[64];
        if (!opt)
            continue;
        snprintf(flag, sizeof flag, "--%s", opt->name);
        snprintf(what, sizeof what, "the file's %s is %llu", opt->name, (unsigned long long)sc->options[k]);
        refuse_contradiction(o, flag, o->cfg.options[k] != sc->options[k], what);
    }
    if (sc->channels > CHECK_CHANNELS_MAX)
        die("check: %s has %u channels; the checker handles at most %u", o->scenario_path, sc->channels,
            CHECK_CHANNELS_MAX);
    for (size_t i = 0; i < sc->faults_len; i++)
        if (sc->faults[i].nth > CHECK_FAULT_NTH_MAX)
            die("%s:%u:%u: check: a fault's nth is at most %u here", o->scenario_path, sc->faults[i].pos.line,
                sc->faults[i].pos.col, CHECK_FAULT_NTH_MAX);
    o->cfg.from = sc;
    o->cfg.strategy = sc->strategy;
    o->cfg.channels = sc->channels;
    o->cfg.page_size = sc->page_size;
    memcpy(o->cfg.options, sc->options, sizeof o->cfg.options);
}

/* Resolves the strategy and, with --scenario, takes everything the file decides from it. */
static void resolve(check_opts *o)
{
    if (o->scenario_path)
        resolve_scenario(o);
    bool timeout_given = false;
    for (size_t i = 0; i < o->given_len; i++)
        timeout_given = timeout_given || strcmp(o->given[i], "--alignment-timeout") == 0;
    sim_strategy st;
    if (!sim_strategy_find(o->cfg.strategy, &st)) {
        char known[512];
        cli_strategy_names(known, sizeof known, true);
        die("check: unknown strategy '%s' (model-checkable: %s)", o->cfg.strategy, known);
    }
    o->cfg.ops = st.ops;
    /* from flags, a strategy with an alignment timeout has one unless told otherwise; its
     * value does not matter to the checker (the timeout may fire in any state: model.c) */
    if (!o->scenario_path && !timeout_given && bs_strategy_option_slot(st.ops, BS_OPT_ALIGNMENT_TIMEOUT_NS))
        o->cfg.alignment_timeout_ns = 1;
    for (unsigned k = 0; k < BS_OPT_SLOTS; k++) {
        char owners[256];
        if (o->cfg.options[k] && !bs_strategy_option_slot(st.ops, (bs_option_slot)k))
            die("check: --%s applies only to strategy %s, not '%s'", sim_option_of_slot((bs_option_slot)k)->name,
                sim_option_owners((bs_option_slot)k, owners, sizeof owners), st.name);
    }
    if (!o->cfg.ops->snapshot || !o->cfg.ops->restore)
    {
        char known[512];
        cli_strategy_names(known, sizeof known, true);
        die("check: strategy '%s' cannot be model-checked: it has no state capture (snapshot and "
            "restore); fuzz and the handler-level scenarios cover it (model-checkable: %s)", o->cfg.strategy, known);
    }
    o->cfg.guarantee = st.guarantee;
    o->cfg.check_progress = st.check_progress;
    if (o->cfg.bitstate_log2)
        o->cfg.sleep_sets = false;
    if (o->cfg.depth_first && o->cfg.jobs > 1)
        die("check: --depth-first runs one job; --jobs %u needs the breadth-first levels", o->cfg.jobs);
    uint64_t script = check_script_len_max(&o->cfg); /* a channel's position is 16 bits (model.h) */
    if (script > CHECK_SCRIPT_MAX)
        die("check: %s makes %llu items on one channel; the checker handles at most %u",
            o->scenario_path ? o->scenario_path : "--checkpoints K --data D", (unsigned long long)script,
            CHECK_SCRIPT_MAX);
}

/* ---- interruption ---------------------------------------------------------------------- */
/* A long search interrupted (SIGINT, SIGTERM, SIGHUP) still says what it found: the first
 * signal sets the flag the search polls at every expansion (check_config.stop), the result
 * is printed as incomplete ("interrupted"), and then the process dies of that signal, as
 * every verb does (cli.c), so the parent sees 128 + its number. A second signal ends it at
 * once. The search leaves no file behind (its spill files are in memory). */
static volatile sig_atomic_t check_stop_sig;

static void check_on_signal(int sig)
{
    if (check_stop_sig) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    check_stop_sig = sig;
}

/* After the result is printed: a signal received meanwhile ends the process with it. */
static void check_die_if_interrupted(void)
{
    int sig = check_stop_sig;
    if (!sig)
        return;
    fflush(stdout);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ---- output --------------------------------------------------------------------------- */
/* Why the search is incomplete, in words (r->incomplete names the reason). */
static void print_incomplete(const check_opts *o, const check_result *r)
{
    const check_config *c = &o->cfg;
    if (strcmp(r->incomplete, "bitstate") == 0) {
        printf("  INCOMPLETE: bitstate search (2^%u bits, %llu set, %.2f%%; hash factor %.1f): states may have\n"
               "  been missed; SPIN's rule of thumb: a hash factor above 100 suggests near-full coverage\n",
               c->bitstate_log2, (unsigned long long)r->bits_set,
               r->bits_total ? 100.0 * (double)r->bits_set / (double)r->bits_total : 0.0, r->hash_factor);
    } else if (strcmp(r->incomplete, "max-states") == 0) {
        printf("  INCOMPLETE: stopped at --max-states %llu with states left to explore\n",
               (unsigned long long)c->max_states);
    } else if (strcmp(r->incomplete, "max-memory") == 0) {
        printf("  INCOMPLETE: stopped at --max-memory %llu MiB (peak resident set) with states left to explore\n",
               (unsigned long long)(c->max_memory_bytes >> 20));
    } else if (strcmp(r->incomplete, "max-depth") == 0) {
        printf("  INCOMPLETE: states at --max-depth %u had transitions left unexplored\n", c->max_depth);
    } else if (strcmp(r->incomplete, "interrupted") == 0) {
        printf("  INCOMPLETE: interrupted (%s) with states left to explore\n",
               check_stop_sig ? strsignal(check_stop_sig) : "a signal");
    }
}

static void print_text(const check_opts *o, const check_result *r, const char *cx_path, bool cx_written)
{
    const check_config *c = &o->cfg;
    printf("check %s: %u channels, ", c->strategy, c->channels);
    if (c->from)
        printf("scripts from %s%s", o->scenario_path, c->from->faults_len ? " with its faults" : "");
    else
        printf("%u checkpoints, %u data item%s per epoch", c->checkpoints, c->data, c->data == 1 ? "" : "s");
    printf(", choices:%s%s%s%s%s\n", c->eop ? " eop" : "", c->cancel ? " cancel" : "", c->skip ? " skip" : "",
           c->disk_fault ? " disk-fault" : "", c->eop || c->cancel || c->skip || c->disk_fault ? "" : " none");
    printf("  %llu states, %llu transitions (%llu revisits, %llu slept by POR), depth %u\n",
           (unsigned long long)r->states, (unsigned long long)r->transitions, (unsigned long long)r->revisits,
           (unsigned long long)r->slept, r->depth);
    printf("  reductions: sleep sets %s, hash compaction %s, symmetry ", c->sleep_sets ? "on" : "off",
           c->no_compaction || c->bitstate_log2 ? "off" : "on");
    if (r->symmetry)
        printf("on%s", r->symmetry_inexact ? " (some states canonicalised inexactly)" : "");
    else
        printf("off (%s)", r->symmetry_off);
    printf(", ended checkpoints %s", c->keep_ended ? "kept (--keep-ended)" : "forgotten");
    if (*r->order_off)
        printf(", arrival orders kept (%s)\n", r->order_off);
    else
        printf(", arrival orders merged\n");
    printf("  %.3f s, %.0f states/s, peak memory %.1f MiB", r->seconds,
           r->seconds > 0 ? (double)r->states / r->seconds : 0.0, (double)r->memory_bytes / 1048576.0);
    if (c->jobs > 1)
        printf(", %u jobs", c->jobs);
    if (c->shards > 1)
        printf(", shard %u/%u", c->shard, c->shards);
    if (c->depth_first)
        printf(", depth-first");
    printf("\n");
    if (r->violation) {
        printf("VIOLATION: %s\n", r->message);
        char q[1200];
        sim_shell_quote(cx_path, q, sizeof q);
        if (cx_written) {
            printf("  %s counterexample (%u steps) written to %s\n", c->depth_first ? "a" : "shortest",
                   r->counterexample_steps, cx_path);
            printf("  reproduce: %s run --trace %s\n", cli_argv0, q);
        } else { /* nothing found is lost: the counterexample goes to stdout instead */
            printf("  %s counterexample (%u steps), which could not be written to %s:\n%s",
                   c->depth_first ? "a" : "shortest", r->counterexample_steps, cx_path, r->counterexample);
            printf("  reproduce: save the counterexample above as %s, then %s run --trace %s\n", q, cli_argv0, q);
        }
    } else if (r->complete) {
        printf("  no violation: every interleaving explored\n");
    } else if (strcmp(r->incomplete, "shard") == 0) {
        printf("  no violation: every interleaving of shard %u/%u explored (the other shards cover the rest)\n",
               c->shard, c->shards);
    } else {
        printf("  no violation found, but the search was incomplete\n");
        print_incomplete(o, r);
    }
}

static void print_json(const check_opts *o, const check_result *r, const char *cx_path, bool cx_written)
{
    const check_config *c = &o->cfg;
    printf("{\"strategy\": ");
    sim_json_string(stdout, c->strategy);
    printf(", \"channels\": %u, \"checkpoints\": %u, \"data\": %u, \"eop\": %s, \"cancel\": %s, \"skip\": %s, "
           "\"disk_fault\": %s, \"jobs\": %u, \"order\": \"%s\", \"complete\": %s, \"incomplete\": ",
           c->channels, c->checkpoints, c->data, c->eop ? "true" : "false", c->cancel ? "true" : "false",
           c->skip ? "true" : "false", c->disk_fault ? "true" : "false", c->jobs,
           c->depth_first ? "depth-first" : "breadth-first", r->complete ? "true" : "false");
    if (r->complete)
        printf("null");
    else
        sim_json_string(stdout, r->incomplete);
    if (c->bitstate_log2)
        printf(", \"bitstate\": {\"bits\": %llu, \"bits_set\": %llu, \"hash_factor\": %.2f}",
               (unsigned long long)r->bits_total, (unsigned long long)r->bits_set, r->hash_factor);
    printf(", \"reductions\": {\"sleep_sets\": %s, \"hash_compaction\": %s, \"symmetry\": %s", c->sleep_sets ? "true" : "false",
           c->no_compaction || c->bitstate_log2 ? "false" : "true", r->symmetry ? "true" : "false");
    if (!r->symmetry) {
        printf(", \"symmetry_off\": ");
        sim_json_string(stdout, r->symmetry_off);
    }
    printf(", \"forget_ended\": %s, \"merge_order\": %s", c->keep_ended ? "false" : "true",
           *r->order_off ? "false" : "true");
    if (*r->order_off) {
        printf(", \"order_off\": ");
        sim_json_string(stdout, r->order_off);
    }
    printf("}");
    printf(", \"states\": %llu, \"transitions\": %llu, \"revisits\": %llu, \"slept\": %llu, \"depth\": %u, "
           "\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"states_per_second\": %.1f, \"memory_bytes\": %llu, \"violation\": ",
           (unsigned long long)r->states, (unsigned long long)r->transitions, (unsigned long long)r->revisits,
           (unsigned long long)r->slept, r->depth, r->seconds, r->cpu_seconds, r->seconds > 0 ? (double)r->states / r->seconds : 0.0,
           (unsigned long long)r->memory_bytes);
    if (r->violation) {
        sim_json_string(stdout, r->message);
        printf(", \"counterexample\": ");
        sim_json_string(stdout, cx_path);
        if (!cx_written) { /* the file could not be written: the YAML itself */
            printf(", \"counterexample_written\": false, \"counterexample_yaml\": ");
            sim_json_string(stdout, r->counterexample);
        }
    } else {
        printf("null, \"counterexample\": null");
    }
    printf("}\n");
}

/* Writes the counterexample; on failure warns (the violation is still printed, exit 1). */
static bool write_cx(const char *path, const char *yaml)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(yaml, f) >= 0;
    ok = f && fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "barriersim: check: warning: cannot write the counterexample to %s: %s\n", path,
                strerror(errno));
    return ok;
}

int cmd_check(int argc, char **argv)
{
    check_opts o;
    parse(argc, argv, &o);
    if (o.out)
        cli_check_output("check", "--out", o.out); /* before exploring, not after */
    resolve(&o);
    o.cfg.progress_line = !o.json && isatty(STDERR_FILENO);
    o.cfg.stop = &check_stop_sig;
    cli_signals_handle(check_on_signal);
    check_result r;
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    int rc = check_run(&o.cfg, &r);
    if (rc)
        die("check: %s", bs_strerror(rc));
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    r.cpu_seconds = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    char cx_path[1024];
    snprintf(cx_path, sizeof cx_path, "%s", o.out ? o.out : "");
    if (!o.out)
        snprintf(cx_path, sizeof cx_path, "check-%s.yaml", o.cfg.strategy);
    bool cx_written = r.violation && write_cx(cx_path, r.counterexample);
    if (o.json)
        print_json(&o, &r, cx_path, cx_written);
    else
        print_text(&o, &r, cx_path, cx_written);
    int status = r.violation ? EXIT_VIOLATION
                 : r.complete || strcmp(r.incomplete, "shard") == 0 ? EXIT_PASS : EXIT_INCOMPLETE;
    check_result_free(&r);
    if (o.scenario_path)
        scenario_free(&o.sc);
    check_die_if_interrupted();
    return status;
}
