/*
 * cmd_compare.c: `barriersim compare` runs strategies side by side on simulation
 * scenarios, over seeds and an optional sweep, and writes the comparison (sim/compare/):
 * metrics.json, runs/checkpoints/alignments/buffered .csv, summary.md, SVG plots drawn by
 * gnuplot and index.html.
 *
 * Exit codes: 0 every run kept its strategy's guarantee (a tracker's duplicates after a
 * restore are its guarantee, reported, not a failure); 1 a run found a violation or
 * stopped with an error (each printed with the command that reproduces it); 2 a usage
 * error, an unreadable or malformed scenario, or an output directory that cannot be
 * written. A missing gnuplot is not an error: everything else is written, the plots are
 * replaced by a warning (stderr, summary.md, index.html), and the exit code is unchanged.
 */
#include "cli.h"

#include "../compare/compare.h"
#include "../strategies.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char compare_usage[] =
    "usage: barriersim compare SCENARIO... [--strategies LIST] [--seeds N] [--seed-base B]\n"
    "                          [--sweep KEY=V1,V2,...] [--out DIR] [--json]\n"
    "\n"
    "Runs every strategy of LIST on each simulation scenario file (scenarios/sim/, reports/),\n"
    "for seeds B .. B+N-1 and every point of the sweep, plus a baseline per seed with\n"
    "checkpoints off (the latency checkpointing adds is measured against it). The scenario's\n"
    "strategy key is overridden. Every run is checked against its strategy's guarantee.\n"
    "\n"
    "  --strategies LIST  comma-separated (default: every core strategy)\n"
    "  --seeds N          seeds per point, 1..1000 (default 3)\n"
    "  --seed-base B      the first seed (default: the first scenario's seed)\n"
    "  --sweep KEY=V,...  run each point with KEY set to V (up to 16 values); KEY is one of\n"
    "                     credits, sink-service-ns, service-ns, latency-ns (the mean; the\n"
    "                     distribution's min and max are widened to hold it),\n"
    "                     source-interval-ns, checkpoint-interval-ns, checkpoint-timeout-ns,\n"
    "                     records-per-source, alignment-timeout-ns\n"
    "  --out DIR          where to write (default compare-out; created if missing):\n"
    "                     metrics.json, runs.csv, checkpoints.csv, alignments.csv,\n"
    "                     buffered.csv, summary.md, *.svg (gnuplot), index.html\n"
    "  --json             print the summary (groups: median/min/max over seeds; verdicts)\n"
    "                     as JSON on standard output\n"
    "\n"
    "Exit: 0 every guarantee held, 1 a violation or error (with its reproduction command),\n"
    "2 usage error or bad SCENARIO. Without gnuplot the plots are skipped with a warning.\n"
    "Reference: docs/cli.md (compare), docs/sim-scenarios.md (the keys a sweep can set).\n";

typedef struct compare_cli {
    cmp_study s;
    const char *out;
    bool json, progress;
    double last_progress;
} compare_cli;

static void parse_strategies(char *list, cmp_study *s)
{
    s->n_strat = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        sim_strategy st;
        if (!sim_strategy_find(tok, &st)) {
            char known[512];
            die("compare: --strategies: unknown strategy '%s' (known: %s)", tok,
                sim_strategy_list(known, sizeof known));
        }
        for (uint32_t i = 0; i < s->n_strat; i++)
            if (strcmp(s->strategies[i], tok) == 0)
                die("compare: --strategies: '%s' is listed twice", tok);
        if (s->n_strat == CMP_STRATEGIES_MAX)
            die("compare: --strategies: at most %u strategies", CMP_STRATEGIES_MAX);
        s->strategies[s->n_strat++] = tok;
    }
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

static void compare_parse(int argc, char **argv, compare_cli *c)
{
    memset(c, 0, sizeof *c);
    c->out = "compare-out";
    c->s.seeds = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(compare_usage, stdout);
            exit(EXIT_PASS);
        }
        if (strcmp(a, "--json") == 0) { c->json = true; continue; }
        if (strncmp(a, "--", 2) != 0) {
            if (c->s.n_scen == CMP_SCENARIOS_MAX)
                die("compare: at most %u scenario files", CMP_SCENARIOS_MAX);
            c->s.scenario_paths[c->s.n_scen++] = a;
            continue;
        }
        if (!v)
            die("compare: %s needs a value (see 'barriersim compare --help')", a);
        i++;
        char err[512];
        if (strcmp(a, "--strategies") == 0) parse_strategies(argv[i], &c->s);
        else if (strcmp(a, "--seeds") == 0) c->s.seeds = cli_flag_u64("compare", a, v, 1, CMP_SEEDS_MAX);
        else if (strcmp(a, "--seed-base") == 0) { c->s.seed_base = cli_flag_u64("compare", a, v, 0, UINT64_MAX - CMP_SEEDS_MAX); c->s.seed_base_set = true; }
        else if (strcmp(a, "--out") == 0) c->out = v;
        else if (strcmp(a, "--sweep") == 0) {
            if (cmp_sweep_parse(v, &c->s.sweep, err, sizeof err))
                die("compare: %s", err);
        }
        else die("compare: unknown option '%s' (see 'barriersim compare --help')", a);
    }
    if (c->s.n_scen == 0)
        die("compare: no scenario file given (see 'barriersim compare --help')");
    if (c->s.n_strat == 0)
        default_strategies(&c->s);
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
    s->alignment_timeout_ns = s->scen[0].cfg.alignment_timeout_ns;
}

static void make_dir(const char *dir)
{
    char sub[1024];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die("compare: cannot create %s: %s", dir, strerror(errno));
    snprintf(sub, sizeof sub, "%s/plot-data", dir);
    if (mkdir(sub, 0755) != 0 && errno != EEXIST)
        die("compare: cannot create %s: %s", sub, strerror(errno));
}

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
    char q[1200], sweep[128] = "";
    cli_shell_quote(s->scenario_paths[r->scenario], q, sizeof q);
    if (s->sweep.n)
        snprintf(sweep, sizeof sweep, " --sweep %s=%llu", s->sweep.key, (unsigned long long)s->sweep.vals[r->sweep]);
    const char *name = r->strategy == CMP_BASELINE ? "baseline" : s->strategies[r->strategy];
    fprintf(stderr, "%s%s: %s seed %llu: %s: %s\n", c->progress ? "\r\033[K" : "", s->scen[r->scenario].name, name,
            (unsigned long long)r->seed, sim_outcome_name(r->outcome), r->message);
    fprintf(stderr, "  reproduce: %s compare %s --strategies %s --seeds 1 --seed-base %llu%s --out compare-repro\n",
            cli_argv0, q, r->strategy == CMP_BASELINE ? s->strategies[0] : name, (unsigned long long)r->seed, sweep);
}

/* Runs one configuration; returns its row (the baseline of the same seed, when given,
 * sets the added latency). */
static const cmp_run *run_one(compare_cli *c, cmp_out *o, uint32_t sc, uint32_t p, uint32_t k, uint64_t seed,
                              const cmp_run *base)
{
    cmp_study *s = &c->s;
    sim_config cfg;
    cmp_config(s, sc, p, k, &cfg);
    /* 20 samples per checkpoint interval: an alignment's rise and fall show */
    uint64_t interval = s->scen[sc].cfg.checkpoint_interval_ns;
    sim_metrics m = {.sample_grid_ns = interval >= 20 ? interval / 20 : 0};
    sim_result res;
    int rc = sim_run_ex(&cfg, seed, &res, NULL, &m);
    if (rc == BS_ENOMEM)
        die("compare: out of memory");
    if (rc != 0)
        die("compare: %s: %s", s->scenario_paths[sc], res.message);
    size_t base_at = base ? (size_t)(base - s->runs) : 0;
    cmp_run *r = new_run(s);
    r->scenario = sc, r->sweep = p, r->strategy = k, r->seed = seed;
    cmp_reduce(&res, &m, base ? &s->runs[base_at] : NULL, r);
    if (r->outcome != SIM_OK) {
        s->violations++;
        report_failure(c, r);
    }
    cmp_out_run(o, s, r, &m);
    if (cmp_plot_collect(s, c->out, r, &m))
        die("compare: cannot write %s/plot-data: %s", c->out, strerror(errno));
    sim_metrics_free(&m);
    return r;
}

static void run_all(compare_cli *c, cmp_out *o)
{
    cmp_study *s = &c->s;
    size_t total = (size_t)s->n_scen * cmp_points(s) * s->seeds * (s->n_strat + 1), done = 0;
    for (uint32_t sc = 0; sc < s->n_scen; sc++)
        for (uint32_t p = 0; p < cmp_points(s); p++)
            for (uint64_t i = 0; i < s->seeds; i++) {
                uint64_t seed = s->seed_base + i;
                const cmp_run *base = run_one(c, o, sc, p, CMP_BASELINE, seed, NULL);
                size_t base_at = (size_t)(base - s->runs);
                progress(c, ++done, total, "baseline");
                for (uint32_t k = 0; k < s->n_strat; k++) {
                    run_one(c, o, sc, p, k, seed, &s->runs[base_at]);
                    progress(c, ++done, total, s->strategies[k]);
                }
            }
    if (c->progress)
        fputs("\r\033[K", stderr);
}

static void write_doc(const char *dir, const char *name, const cmp_study *s, bool plots, const char *note,
                      void (*writer)(FILE *, const cmp_study *, bool, const char *))
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die("compare: cannot write %s: %s", path, strerror(errno));
    writer(f, s, plots, note);
    if (ferror(f) | (fclose(f) != 0))
        die("compare: cannot write %s", path);
}

void cmp_study_free(cmp_study *s)
{
    free(s->scen);
    free(s->runs);
    s->scen = NULL;
    s->runs = NULL;
}

static void print_verdicts(FILE *f, const cmp_study *s)
{
    cmp_verdict v[CMP_VERDICTS];
    cmp_verdicts(s, v);
    for (int i = 0; i < CMP_VERDICTS; i++)
        fprintf(f, "  [%s] %s\n", cmp_verdict_state_name(v[i].state), v[i].claim);
}


int cmd_compare(int argc, char **argv);

int cmd_compare(int argc, char **argv)
{
    compare_cli c;
    compare_parse(argc, argv, &c);
    load_scenarios(&c.s);
    make_dir(c.out);
    c.progress = isatty(STDERR_FILENO);
    cmp_out o;
    char err[1024], note[1024] = "";
    if (cmp_out_open(&o, c.out, &c.s, err, sizeof err))
        die("compare: %s", err);
    run_all(&c, &o);
    if (cmp_out_close(&o, &c.s, err, sizeof err))
        die("compare: %s", err);
    int prc = cmp_plot(&c.s, c.out, note, sizeof note);
    if (prc < 0)
        die("compare: %s", note);
    if (prc > 0)
        fprintf(stderr, "barriersim: compare: warning: plots skipped: %s\n", note);
    write_doc(c.out, "summary.md", &c.s, prc == 0, note, cmp_write_markdown);
    write_doc(c.out, "index.html", &c.s, prc == 0, note, cmp_write_html);
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
    print_verdicts(out, &c.s);
    fprintf(out, "written to %s/: metrics.json, runs.csv, checkpoints.csv, alignments.csv, buffered.csv, "
                 "summary.md%s, index.html\nopen %s/index.html\n",
            c.out, prc == 0 ? ", *.svg" : "", c.out);
    int code = c.s.violations ? EXIT_VIOLATION : EXIT_PASS;
    cmp_study_free(&c.s);
    return code;
}
