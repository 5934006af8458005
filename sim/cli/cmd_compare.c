/*
 * cmd_compare.c: `barriersim compare` runs strategies side by side on simulation
 * scenarios, over seeds and a grid of sweeps, and writes the comparison (sim/compare/):
 * metrics.json, runs/checkpoints/alignments/buffered .csv, summary.md, plots drawn by
 * gnuplot (PNG and SVG) and index.html. docs/compare.md is the reference.
 *
 * Study settings come from the first scenario file's `study:` mapping when it has one;
 * each flag overrides its setting (any --sweep replaces the file's whole grid).
 *
 * Output: everything is written into a fresh sibling folder (OUT.tmp-XXXXXX) and renamed
 * to OUT only when the study is complete; on any error the temporary folder is removed
 * and an existing OUT is left as it was. An existing OUT is replaced only when it is
 * empty or a previous compare output (it holds metrics.json).
 *
 * Exit codes: 0 every run kept its strategy's guarantee (a tracker's duplicates after a
 * restore are its guarantee, reported, not a failure; claims that fail are findings, not
 * errors); 1 a run found a violation or stopped with an error (each printed with the
 * command that reproduces it); 2 a usage error, an unreadable or malformed scenario or
 * claim, or an output folder that cannot be written. A missing gnuplot is not an error:
 * everything else is written and the plots are replaced by a warning.
 */
#define _XOPEN_SOURCE 700
#include "cli.h"
#include "cmd.h"

#include "../compare/compare.h"
#include "../strategies.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char compare_usage[] =
    "usage: barriersim compare SCENARIO... [--strategies LIST] [--seeds N] [--seed-base B]\n"
    "                          [--sweep KEY=V1,V2,...]... [--warmup T] [--cooldown T]\n"
    "                          [--bootstrap N] [--out DIR] [--json]\n"
    "\n"
    "Runs every strategy of LIST on each simulation scenario file, for seeds B .. B+N-1 and\n"
    "every point of the grid, plus a baseline per seed with no checkpoints at all (the\n"
    "latency checkpointing adds is measured against it). The scenario's strategy key is\n"
    "overridden. Every run is checked against its strategy's guarantee. The first file's\n"
    "`study:` mapping gives defaults for these flags; its `claims:` are tested and reported\n"
    "with their confidence intervals (format: docs/compare.md).\n"
    "\n"
    "  --strategies LIST  comma-separated (default: the study's, else every core strategy)\n"
    "{strategy-lib}"
    "  --seeds N          seeds per point, 1..1000 (default: the study's, else 3)\n"
    "  --seed-base B      the first seed (default: the first scenario's seed)\n"
    "  --sweep KEY=V,...  run each point with KEY set to V (up to 16 values); KEY is any\n"
    "                     numeric simulation key (docs/compare.md lists them; a distribution\n"
    "                     key sets its mean). Repeat --sweep with other keys for a grid (at\n"
    "                     most 4 keys and 256 points); a key swept twice is an error\n"
    "  --warmup T         exclude the first T of simulated time from every metric (ns, or\n"
    "                     with a unit: 400us, 3ms, 1s)\n"
    "  --cooldown T       exclude the last T of each run (default for both: the study's,\n"
    "                     else 0)\n"
    "  --bootstrap N      bootstrap resamples for the 95% intervals, 0..100000 (default 1000;\n"
    "                     the PRNG is seeded from --seed-base: reports are byte-identical)\n"
    "  --out DIR          where to write (default compare-out; replaced only when complete):\n"
    "                     metrics.json, runs.csv, checkpoints.csv, alignments.csv,\n"
    "                     buffered.csv, summary.md, *.png and *.svg (gnuplot), index.html\n"
    "  --json             print the summary (groups with intervals, claims) as JSON on stdout\n"
    "\n"
    "Exit: 0 every guarantee held, 1 a violation or error (with its reproduction command),\n"
    "2 usage error or bad SCENARIO. Without gnuplot the plots are skipped with a warning.\n"
    "Reference: docs/compare.md (studies, statistics, claims), docs/cli.md, docs/sim-scenarios.md.\n";

typedef struct compare_cli {
    cmp_study s;
    const char *out;
    bool json, progress, seeds_set, warmup_set, cooldown_set, strat_set;
    double last_progress;
    cmp_sweep sweeps[CMP_SWEEPS_MAX];
    uint32_t n_sweeps;
} compare_cli;

/* ---- the output folder: written aside, renamed when complete -------------------------- */
static char out_tmp[1100];
static bool out_committed;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void out_cleanup(void)
{
    if (out_tmp[0] && !out_committed)
        rm_tree(out_tmp);
}

/* An existing `dir` may be replaced when it is empty or a previous compare output. */
static void out_check_replaceable(const char *dir)
{
    struct stat st;
    char probe[1100];
    if (stat(dir, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode))
        die("compare: --out %s: exists and is not a folder", dir);
    snprintf(probe, sizeof probe, "%s/metrics.json", dir);
    if (access(probe, F_OK) == 0 || rmdir(dir) == 0)
        return;
    die("compare: --out %s: the folder holds files that are not a compare output; choose another --out", dir);
}

static void out_begin(const char *dir)
{
    char sub[1200];
    if (strlen(dir) > 1000)
        die("compare: --out: the path is too long");
    out_check_replaceable(dir);
    snprintf(out_tmp, sizeof out_tmp, "%s.tmp-XXXXXX", dir);
    if (!mkdtemp(out_tmp)) {
        int e = errno;
        out_tmp[0] = '\0';
        die("compare: cannot create a folder beside %s: %s", dir, strerror(e));
    }
    atexit(out_cleanup);
    chmod(out_tmp, 0755);
    snprintf(sub, sizeof sub, "%s/plot-data", out_tmp);
    if (mkdir(sub, 0755) != 0)
        die("compare: cannot create %s: %s", sub, strerror(errno));
}

static void out_commit(const char *dir)
{
    char old[1100] = "";
    struct stat st;
    if (stat(dir, &st) == 0) {
        snprintf(old, sizeof old, "%s.old-XXXXXX", dir);
        if (!mkdtemp(old) || rmdir(old) != 0 || rename(dir, old) != 0)
            die("compare: cannot move the previous %s aside: %s", dir, strerror(errno));
    }
    if (rename(out_tmp, dir) != 0) {
        int e = errno;
        if (old[0])
            rename(old, dir);
        die("compare: cannot rename %s to %s: %s", out_tmp, dir, strerror(e));
    }
    out_committed = true;
    if (old[0])
        rm_tree(old);
}

/* ---- flags ------------------------------------------------------------------------------ */
static void add_strategy(cmp_study *s, const char *tok)
{
    sim_strategy st;
    if (!sim_strategy_find(tok, &st)) {
        char known[256] = "";
        for (size_t i = 0; sim_strategy_name(i); i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                     sim_strategy_name(i));
        die("compare: --strategies: unknown strategy '%s' (known: %s)", tok, known);
    }
    for (uint32_t i = 0; i < s->n_strat; i++)
        if (strcmp(s->strategies[i], tok) == 0)
            die("compare: --strategies: '%s' is listed twice", tok);
    if (s->n_strat == CMP_STRATEGIES_MAX)
        die("compare: --strategies: at most %u strategies", CMP_STRATEGIES_MAX);
    s->strategies[s->n_strat++] = tok;
}

static void parse_strategies(char *list, cmp_study *s)
{
    s->n_strat = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
        add_strategy(s, tok);
    if (s->n_strat == 0)
        die("compare: --strategies: the list is empty");
}

static void default_strategies(cmp_study *s)
{
    for (size_t i = 0; sim_strategy_name(i) && s->n_strat < CMP_STRATEGIES_MAX; i++) {
        sim_strategy st;
        if (sim_strategy_find(sim_strategy_name(i), &st) && st.builtin)
            s->strategies[s->n_strat++] = sim_strategy_name(i);
    }
}

static void compare_flag(compare_cli *c, const char *a, const char *v)
{
    char err[1400];
    if (strcmp(a, "--strategies") == 0) {
        parse_strategies((char *)v, &c->s);
        c->strat_set = true;
    } else if (strcmp(a, "--seeds") == 0) {
        c->s.seeds = cli_flag_u64("compare", a, v, 1, CMP_SEEDS_MAX);
        c->seeds_set = true;
    } else if (strcmp(a, "--seed-base") == 0) {
        c->s.seed_base = cli_flag_u64("compare", a, v, 0, UINT64_MAX - CMP_SEEDS_MAX);
        c->s.seed_base_set = true;
    } else if (strcmp(a, "--warmup") == 0) {
        c->s.warmup_ns = cli_flag_ns("compare", a, v, UINT64_MAX / 4);
        c->warmup_set = true;
    } else if (strcmp(a, "--cooldown") == 0) {
        c->s.cooldown_ns = cli_flag_ns("compare", a, v, UINT64_MAX / 4);
        c->cooldown_set = true;
    } else if (strcmp(a, "--bootstrap") == 0) {
        c->s.bootstrap = (uint32_t)cli_flag_u64("compare", a, v, 0, 100000);
    } else if (strcmp(a, "--out") == 0) {
        c->out = v;
    } else if (strcmp(a, "--sweep") == 0) {
        cmp_sweep sw;
        if (cmp_sweep_parse(v, &sw, err, sizeof err) || cmp_grid_add(c->sweeps, &c->n_sweeps, &sw, err, sizeof err))
            die("compare: %s", err);
    } else {
        die("compare: unknown option '%s' (see 'barriersim compare --help')", a);
    }
}

static void compare_parse(int argc, char **argv, compare_cli *c)
{
    memset(c, 0, sizeof *c);
    c->out = "compare-out";
    c->s.seeds = 3;
    c->s.bootstrap = CMP_BOOTSTRAP_DEFAULT;
    c->s.argv0 = cli_argv0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            cli_usage_print(stdout, compare_usage);
            exit(EXIT_PASS);
        }
        if (strcmp(a, "--json") == 0) {
            c->json = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (c->s.n_scen == CMP_SCENARIOS_MAX)
                die("compare: at most %u scenario files", CMP_SCENARIOS_MAX);
            c->s.scenario_paths[c->s.n_scen++] = a;
            continue;
        }
        if (i + 1 >= argc)
            die("compare: %s needs a value (see 'barriersim compare --help')", a);
        compare_flag(c, a, argv[++i]);
    }
    if (c->s.n_scen == 0)
        die("compare: no scenario file given (see 'barriersim compare --help')");
}

static void load_scenarios(cmp_study *s)
{
    s->scen = calloc(s->n_scen, sizeof *s->scen);
    if (!s->scen)
        die("compare: out of memory");
    for (uint32_t i = 0; i < s->n_scen; i++) {
        const char *p = s->scenario_paths[i];
        FILE *f = fopen(p, "rb");
        if (!f)
            die("compare: cannot read %s: %s", p, strerror(errno));
        fclose(f);
        char err[1024];
        int rc = simscen_load(p, &s->scen[i], err, sizeof err);
        if (rc < 0)
            die("%s", err);
        if (rc > 0)
            die("compare: %s: not a simulation scenario (it needs a top-level 'simulation:' mapping)", p);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(s->scen[j].name, s->scen[i].name) == 0)
                die("compare: %s: scenario name '%s' is used twice", p, s->scen[i].name);
    }
    if (!s->seed_base_set)
        s->seed_base = s->scen[0].seed;
    s->bootstrap_seed = s->seed_base;
}

/* The first file's `study:` fills what no flag gave. */
static void apply_study(compare_cli *c)
{
    cmp_study *s = &c->s;
    const simscen_study *st = &s->scen[0].study;
    if (!c->strat_set && st->n_strategies)
        for (uint32_t i = 0; i < st->n_strategies; i++)
            add_strategy(s, st->strategies[i]);
    if (s->n_strat == 0)
        default_strategies(s);
    if (!c->seeds_set && st->seeds)
        s->seeds = st->seeds;
    if (!c->warmup_set && st->warmup_given)
        s->warmup_ns = st->warmup_ns;
    if (!c->cooldown_set && st->cooldown_given)
        s->cooldown_ns = st->cooldown_ns;
    if (c->n_sweeps == 0) {
        for (uint32_t i = 0; i < st->n_sweeps; i++) {
            char arg[1024], err[1400];
            size_t used = (size_t)snprintf(arg, sizeof arg, "%s=", st->sweep_key[i]);
            for (uint32_t j = 0; j < st->n_values[i] && used < sizeof arg; j++)
                used += (size_t)snprintf(arg + used, sizeof arg - used, "%s%llu", j ? "," : "",
                                         (unsigned long long)st->values[i][j]);
            cmp_sweep sw;
            if (cmp_sweep_parse(arg, &sw, err, sizeof err) ||
                cmp_grid_add(c->sweeps, &c->n_sweeps, &sw, err, sizeof err))
                die("%s:%u:%u: study: %s", s->scenario_paths[0], st->sweep_pos[i].line, st->sweep_pos[i].col,
                    err + (strncmp(err, "--sweep ", 8) == 0 ? 8 : 0));
        }
    }
    memcpy(s->sweep, c->sweeps, sizeof s->sweep);
    s->n_sweeps = c->n_sweeps;
    char err[1400];
    if (cmp_claims_validate(s, err, sizeof err) != 0)
        die("%s", err);
}

/* ---- the runs --------------------------------------------------------------------------- */
static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(compare_cli *c, size_t done, size_t total, const char *what)
{
    double now = mono_s();
    if (!c->progress || (now - c->last_progress < 0.2 && done < total))
        return;
    c->last_progress = now;
    fprintf(stderr, "\rcompare: run %zu of %zu (%s)\033[K", done, total, what);
}

static cmp_run *new_run(cmp_study *s)
{
    if (s->n_runs == s->cap_runs) {
        size_t cap = s->cap_runs ? 2 * s->cap_runs : 64;
        cmp_run *r = realloc(s->runs, cap * sizeof *r);
        if (!r)
            die("compare: out of memory");
        s->runs = r;
        s->cap_runs = cap;
    }
    cmp_run *r = &s->runs[s->n_runs++];
    memset(r, 0, sizeof *r);
    return r;
}

static void report_failure(const compare_cli *c, const cmp_run *r)
{
    const cmp_study *s = &c->s;
    char repro[2048], pl[256];
    cmp_repro_command(s, r, repro, sizeof repro);
    cmp_point_label(s, r->point, pl, sizeof pl);
    const char *name = r->strategy == CMP_BASELINE ? "baseline" : s->strategies[r->strategy];
    fprintf(stderr, "%s%s: %s, %s, seed %llu: %s: %s\n", c->progress ? "\r\033[K" : "", s->scen[r->scenario].name,
            name, pl, (unsigned long long)r->seed, sim_outcome_name(r->outcome), r->message);
    fprintf(stderr, "  reproduce: %s\n", repro);
}

/* Runs one configuration; returns its index (the baseline of the same seed, when given,
 * sets the added latency). */
static size_t run_one(compare_cli *c, cmp_out *o, uint32_t sc, uint32_t p, uint32_t k, uint64_t seed,
                      const size_t *base_at)
{
    static sim_step steps[SIMSCEN_STEPS_MAX];
    cmp_study *s = &c->s;
    sim_config cfg;
    cmp_config(s, sc, p, k, &cfg, steps);
    /* 20 samples per checkpoint interval: an alignment's rise and fall show */
    uint64_t interval = s->scen[sc].cfg.checkpoint_interval_ns;
    sim_metrics m = {.sample_grid_ns = interval >= 20 ? interval / 20 : 0, .keep_latencies = true};
    sim_result res;
    int rc = sim_run_ex(&cfg, seed, &res, NULL, &m);
    if (rc == BS_ENOMEM)
        die("compare: out of memory");
    if (rc != 0) {
        char pl[256];
        cmp_point_label(s, p, pl, sizeof pl);
        die("compare: %s (%s): %s", s->scenario_paths[sc], pl, res.message);
    }
    cmp_run *r = new_run(s);
    r->scenario = sc, r->point = p, r->strategy = k, r->seed = seed;
    if (cmp_reduce(s, &res, &m, base_at ? &s->runs[*base_at] : NULL, r) != 0)
        die("compare: out of memory");
    if (r->outcome != SIM_OK) {
        s->violations++;
        report_failure(c, r);
    }
    cmp_out_run(o, s, r, &cfg, &m);
    if (cmp_plot_collect(s, out_tmp, r, &m))
        die("compare: out of memory");
    sim_metrics_free(&m);
    return (size_t)(r - s->runs);
}

static void run_all(compare_cli *c, cmp_out *o)
{
    cmp_study *s = &c->s;
    size_t total = (size_t)s->n_scen * cmp_points(s) * s->seeds * (s->n_strat + 1), done = 0;
    for (uint32_t sc = 0; sc < s->n_scen; sc++)
        for (uint32_t p = 0; p < cmp_points(s); p++)
            for (uint64_t i = 0; i < s->seeds; i++) {
                uint64_t seed = s->seed_base + i;
                size_t base = run_one(c, o, sc, p, CMP_BASELINE, seed, NULL);
                progress(c, ++done, total, "baseline");
                for (uint32_t k = 0; k < s->n_strat; k++) {
                    run_one(c, o, sc, p, k, seed, &base);
                    progress(c, ++done, total, s->strategies[k]);
                }
            }
    if (c->progress)
        fputs("\r\033[K", stderr);
}

static void write_doc(const char *dir, const char *name, cmp_study *s, bool plots, const char *note,
                      void (*writer)(FILE *, cmp_study *, bool, const char *))
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die("compare: cannot write %s: %s", path, strerror(errno));
    writer(f, s, plots, note);
    if (ferror(f) | (fclose(f) != 0))
        die("compare: cannot write %s", path);
}

static void print_claims(FILE *f, cmp_study *s)
{
    static cmp_claim_result res[CMP_SCENARIOS_MAX * SIMSCEN_CLAIMS_MAX];
    uint32_t n = cmp_claims_eval(s, res, CMP_SCENARIOS_MAX * SIMSCEN_CLAIMS_MAX);
    if (n == 0)
        fputs("  no claims declared\n", f);
    for (uint32_t i = 0; i < n; i++)
        fprintf(f, "  [%s] %s: %s\n", cmp_verdict_name(res[i].verdict), s->scen[res[i].scenario].name,
                s->scen[res[i].scenario].claims[res[i].claim].text);
}

int cmd_compare(int argc, char **argv)
{
    compare_cli c;
    compare_parse(argc, argv, &c);
    load_scenarios(&c.s);
    apply_study(&c);
    out_begin(c.out);
    c.progress = isatty(STDERR_FILENO);
    cmp_out o;
    char err[1024], note[1024] = "";
    if (cmp_out_open(&o, out_tmp, &c.s, err, sizeof err))
        die("compare: %s", err);
    run_all(&c, &o);
    if (cmp_out_close(&o, &c.s, err, sizeof err))
        die("compare: %s", err);
    int prc = cmp_plot(&c.s, out_tmp, note, sizeof note);
    if (prc < 0)
        die("compare: %s", note);
    if (prc > 0)
        fprintf(stderr, "barriersim: compare: warning: plots skipped: %s\n", note);
    write_doc(out_tmp, "summary.md", &c.s, prc == 0, note, cmp_write_markdown);
    write_doc(out_tmp, "index.html", &c.s, prc == 0, note, cmp_write_html);
    out_commit(c.out);
    FILE *out = c.json ? stderr : stdout;
    if (c.json) {
        cmp_write_summary_json(stdout, &c.s);
        fputc('\n', stdout);
    }
    fprintf(out, "compare: %zu runs (%u scenario%s x %u point%s x %llu seed%s x %u strategies + baseline), "
                 "%u violation%s\n",
            c.s.n_runs, c.s.n_scen, c.s.n_scen == 1 ? "" : "s", cmp_points(&c.s), cmp_points(&c.s) == 1 ? "" : "s",
            (unsigned long long)c.s.seeds, c.s.seeds == 1 ? "" : "s", c.s.n_strat, c.s.violations,
            c.s.violations == 1 ? "" : "s");
    print_claims(out, &c.s);
    fprintf(out, "written to %s/: metrics.json, runs.csv, checkpoints.csv, alignments.csv, buffered.csv, "
                 "summary.md%s, index.html\nopen %s/index.html\n",
            c.out, prc == 0 ? ", *.png, *.svg" : "", c.out);
    int code = c.s.violations ? EXIT_VIOLATION : EXIT_PASS;
    cmp_study_free(&c.s);
    return code;
}
