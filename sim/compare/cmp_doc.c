/*
 * cmp_doc.c: the documents of `compare`: summary.md, index.html (the plots beside the same
 * tables, self-contained: the images sit next to it, nothing is fetched) and the summary
 * JSON (--json, and the "summary" member of metrics.json). Tables are written once, for
 * either Markdown or HTML, by the same code. Every figure is a statistic of pooled samples
 * with its 95% bootstrap interval and the number of samples and runs behind it; every
 * time, rate and table header says that it is simulated.
 */
#include "compare.h"

#include "../text.h"

#include <math.h>
#include <string.h>

static double dabs(double a) { return a < 0 ? -a : a; }

void cmp_human(double v, const char *unit, char *out, size_t len)
{
    double a = dabs(v);
    if (isnan(v)) {
        snprintf(out, len, "–");
    } else if (strcmp(unit, "ns") == 0) {
        if (a < 1e3)
            snprintf(out, len, "%.0f ns", v);
        else if (a < 1e6)
            snprintf(out, len, "%.3g µs", v / 1e3);
        else if (a < 1e9)
            snprintf(out, len, "%.3g ms", v / 1e6);
        else
            snprintf(out, len, "%.3g s", v / 1e9);
    } else if (strcmp(unit, "bytes") == 0) {
        if (a < 1024)
            snprintf(out, len, "%.0f B", v);
        else if (a < 1048576)
            snprintf(out, len, "%.3g KiB", v / 1024);
        else
            snprintf(out, len, "%.3g MiB", v / 1048576);
    } else if (strcmp(unit, "bytes/s") == 0) { /* bandwidths: decimal, as the plots' axes */
        if (a < 1e3)
            snprintf(out, len, "%.3g B/s", v);
        else if (a < 1e6)
            snprintf(out, len, "%.3g kB/s", v / 1e3);
        else if (a < 1e9)
            snprintf(out, len, "%.3g MB/s", v / 1e6);
        else
            snprintf(out, len, "%.3g GB/s", v / 1e9);
    } else if (strcmp(unit, "share") == 0) {
        snprintf(out, len, "%.1f%%", v * 100);
    } else if (strcmp(unit, "records/s") == 0) {
        if (a < 1e3)
            snprintf(out, len, "%.3g /s", v);
        else if (a < 1e6)
            snprintf(out, len, "%.3g k/s", v / 1e3);
        else
            snprintf(out, len, "%.3g M/s", v / 1e6);
    } else {
        snprintf(out, len, v == (double)(long long)v ? "%.0f" : "%.3g", v);
    }
}

void cmp_stat_cell(const cmp_stat *st, cmp_statistic which, const char *unit, char *out, size_t len)
{
    if (st->n == 0) {
        snprintf(out, len, "–");
        return;
    }
    char a[32], b[32], c[32];
    cmp_human(st->est[which], unit, a, sizeof a);
    if (st->lo[which] == st->hi[which]) {
        snprintf(out, len, "%s", a);
        return;
    }
    cmp_human(st->lo[which], unit, b, sizeof b);
    cmp_human(st->hi[which], unit, c, sizeof c);
    snprintf(out, len, "%s [%s, %s]", a, b, c);
}

typedef enum doc_fmt { DOC_MD, DOC_HTML } doc_fmt;

static void esc(FILE *f, doc_fmt d, const char *s)
{
    for (; *s; s++) {
        if (d == DOC_HTML && (*s == '<' || *s == '>' || *s == '&' || *s == '"'))
            fputs(*s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : "&quot;", f);
        else if (d == DOC_MD && *s == '|')
            fputs("\\|", f);
        else if (d == DOC_MD && *s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

static void row(FILE *f, doc_fmt d, const char *const *cells, int n, bool head)
{
    fputs(d == DOC_HTML ? "<tr>" : "|", f);
    for (int i = 0; i < n; i++) {
        if (d == DOC_HTML)
            fputs(head ? "<th>" : "<td>", f);
        else
            fputc(' ', f);
        esc(f, d, cells[i]);
        fputs(d == DOC_HTML ? (head ? "</th>" : "</td>") : " |", f);
    }
    fputs(d == DOC_HTML ? "</tr>\n" : "\n", f);
    if (head && d == DOC_MD) {
        fputc('|', f);
        for (int i = 0; i < n; i++)
            fputs(i ? "---:|" : "---|", f);
        fputc('\n', f);
    }
}

static void table_open(FILE *f, doc_fmt d) { fputs(d == DOC_HTML ? "<table>\n" : "\n", f); }
static void table_close(FILE *f, doc_fmt d) { fputs(d == DOC_HTML ? "</table>\n" : "\n", f); }

static void heading(FILE *f, doc_fmt d, int level, const char *text)
{
    if (d == DOC_HTML) {
        fprintf(f, "<h%d>", level);
        esc(f, d, text);
        fprintf(f, "</h%d>\n", level);
    } else {
        fprintf(f, "\n%.*s ", level, "######");
        esc(f, d, text);
        fputs("\n", f);
    }
}

static void para(FILE *f, doc_fmt d, const char *text)
{
    fputs(d == DOC_HTML ? "<p>" : "\n", f);
    esc(f, d, text);
    fputs(d == DOC_HTML ? "</p>\n" : "\n", f);
}

static const char *strat_name(const cmp_study *s, uint32_t k)
{
    return k < s->n_strat ? s->strategies[k] : "baseline (no checkpoints)";
}

/* ---- the glance table: one row per strategy at one point --------------------------------- */
typedef struct glance_col {
    cmp_metric m;
    cmp_statistic st;
    const char *head;
} glance_col;

static const glance_col glance[] = {
    {CM_CK_DURATION, CS_MEDIAN, "checkpoint duration median (simulated)"},
    {CM_CK_DURATION, CS_P99, "checkpoint duration p99 (simulated)"},
    {CM_ALIGNMENT, CS_MEDIAN, "alignment per task median (simulated)"},
    {CM_HELD, CS_MEAN, "held for alignment per checkpoint, mean (no channel state)"},
    {CM_CHANNEL_STATE, CS_MEAN, "channel state per checkpoint, mean"},
    {CM_IN_FLIGHT, CS_MEAN, "in flight at checkpoint start, mean"},
    {CM_LATENCY, CS_P99, "record latency p99 (simulated)"},
    {CM_ADD_P99, CS_MEAN, "latency p99 added vs baseline, mean over runs (simulated)"},
    {CM_THROUGHPUT, CS_MEAN, "throughput, mean over runs (records per simulated s)"},
};
#define GLANCE_N (int)(sizeof glance / sizeof *glance)

static void glance_table(FILE *f, doc_fmt d, cmp_study *s, uint32_t sc, uint32_t p)
{
    const char *cells[GLANCE_N + 3];
    char buf[GLANCE_N + 3][128];
    cells[0] = "strategy";
    cells[1] = "checkpoints completed in the window (runs)";
    for (int i = 0; i < GLANCE_N; i++)
        cells[i + 2] = glance[i].head;
    table_open(f, d);
    row(f, d, cells, GLANCE_N + 2, true);
    for (uint32_t k = 0; k <= s->n_strat; k++) {
        uint32_t strat = k < s->n_strat ? k : CMP_BASELINE;
        cells[0] = strat_name(s, k);
        const cmp_stat *ck = cmp_group(s, sc, p, strat, CM_CK_DURATION);
        const cmp_stat *runs = cmp_group(s, sc, p, strat, CM_EVENTS);
        snprintf(buf[1], sizeof buf[1], "%u (%u)", ck->n, runs->runs);
        cells[1] = buf[1];
        for (int i = 0; i < GLANCE_N; i++) {
            const cmp_stat *st = cmp_group(s, sc, p, strat, glance[i].m);
            cmp_stat_cell(st, glance[i].st, cmp_metric_get(glance[i].m)->unit, buf[i + 2], sizeof buf[i + 2]);
            cells[i + 2] = buf[i + 2];
        }
        row(f, d, cells, GLANCE_N + 2, false);
    }
    table_close(f, d);
}

/* When strategies completed different numbers of checkpoints at a point, say so. */
static void count_note(FILE *f, doc_fmt d, cmp_study *s, uint32_t sc, uint32_t p)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    char text[1024] = "", *t = text;
    for (uint32_t k = 0; k < s->n_strat; k++) {
        uint32_t n = cmp_group(s, sc, p, k, CM_CK_DURATION)->n;
        lo = n < lo ? n : lo, hi = n > hi ? n : hi;
        t += snprintf(t, sizeof text - (size_t)(t - text), "%s%s %u", k ? ", " : "", s->strategies[k], n);
    }
    if (s->n_strat < 2 || lo == hi)
        return;
    char full[1400];
    snprintf(full, sizeof full,
             "Note: the strategies completed different numbers of checkpoints in the window (%s), so totals per "
             "run are not comparable; every checkpoint figure here is a statistic of the pooled per-checkpoint "
             "samples (compared per checkpoint), with n behind it.", text);
    para(f, d, full);
}

static void strategy_table(FILE *f, doc_fmt d, cmp_study *s, uint32_t sc, uint32_t strat)
{
    const char *cells[CMP_POINTS_MAX + 2];
    static char buf[CMP_POINTS_MAX + 2][160];
    uint32_t np = cmp_points(s);
    cells[0] = "metric (simulated; median [95% CI], n samples / runs)";
    cells[1] = "one sample per";
    for (uint32_t p = 0; p < np; p++) {
        cmp_point_label(s, p, buf[p + 2], sizeof buf[p + 2]);
        cells[p + 2] = buf[p + 2];
    }
    table_open(f, d);
    row(f, d, cells, (int)np + 2, true);
    for (int m = 0; m < CM_COUNT; m++) {
        const cmp_metric_info *mi = cmp_metric_get((cmp_metric)m);
        cells[0] = mi->label;
        cells[1] = mi->per;
        bool any = false;
        for (uint32_t p = 0; p < np; p++) {
            const cmp_stat *st = cmp_group(s, sc, p, strat, (cmp_metric)m);
            char c[128];
            any |= st->n > 0;
            cmp_stat_cell(st, CS_MEDIAN, mi->unit, c, sizeof c);
            if (st->n)
                snprintf(buf[p + 2], sizeof buf[p + 2], "%s, n=%u/%u", c, st->n, st->runs);
            else
                snprintf(buf[p + 2], sizeof buf[p + 2], "–");
            cells[p + 2] = buf[p + 2];
        }
        if (any)
            row(f, d, cells, (int)np + 2, false);
    }
    table_close(f, d);
}

static void claims_list(FILE *f, doc_fmt d, cmp_study *s)
{
    uint32_t n = cmp_claims_eval(s, NULL, 0);
    if (n == 0) {
        para(f, d, "No claims declared: the scenario files declare none (see docs/compare.md, `claims:`).");
        return;
    }
    static cmp_claim_result res[CMP_SCENARIOS_MAX * SIMSCEN_CLAIMS_MAX];
    n = cmp_claims_eval(s, res, n);
    fputs(d == DOC_HTML ? "<ul class=\"claims\">\n" : "\n", f);
    for (uint32_t i = 0; i < n; i++) {
        const simscen_claim *c = &s->scen[res[i].scenario].claims[res[i].claim];
        fputs(d == DOC_HTML ? "<li><b>" : "- **", f);
        esc(f, d, c->text);
        fputs(d == DOC_HTML ? "</b> (" : "** (", f);
        esc(f, d, s->scen[res[i].scenario].name);
        fprintf(f, d == DOC_HTML ? ") <span class=\"v-%s\">%s</span>. " : "): *%s%s*. ",
                d == DOC_HTML ? (res[i].verdict == CMP_HOLDS ? "holds" : res[i].verdict == CMP_FAILS ? "fails" : "other")
                              : "",
                cmp_verdict_name(res[i].verdict));
        fputs("Source: ", f);
        esc(f, d, c->source);
        fputs(". Tested: ", f);
        char t[256];
        snprintf(t, sizeof t, "%s of %s %s %s %g%s%s.", c->statistic, c->metric,
                 c->compare == SIMSCEN_CMP_RATIO ? "(ratio)" : c->compare == SIMSCEN_CMP_DIFFERENCE ? "(difference)" : "",
                 c->op == SIMSCEN_OP_LT ? "<" : c->op == SIMSCEN_OP_LE ? "<=" : c->op == SIMSCEN_OP_GT ? ">" : ">=",
                 c->threshold, c->threshold_key[0] ? " × " : "", c->threshold_key);
        esc(f, d, t);
        fputs(d == DOC_HTML ? "<br><small>" : " ", f);
        esc(f, d, res[i].evidence);
        fputs(d == DOC_HTML ? "</small></li>\n" : "\n", f);
    }
    fputs(d == DOC_HTML ? "</ul>\n" : "", f);
}

static void method(FILE *f, doc_fmt d, const cmp_study *s)
{
    char text[2048], sweeps[512] = "";
    for (uint32_t i = 0; i < s->n_sweeps; i++)
        snprintf(sweeps + strlen(sweeps), sizeof sweeps - strlen(sweeps), "%s%s (%u values)", i ? " × " : "",
                 s->sweep[i].key->name, s->sweep[i].n);
    snprintf(text, sizeof text,
             "All times, rates and durations are simulated (the simulator's clock, not the wall clock). "
             "%llu seeds per point (%llu..%llu); %u strategies; grid: %s (%u points). Every run is checked against "
             "its strategy's guarantee after every step (%u violations). A baseline run per seed with no "
             "checkpoints gives the latency that checkpointing adds. Measured inside the window from %llu ns "
             "(warm-up) to the end of each run minus %llu ns (cool-down). Samples (one per checkpoint, alignment, "
             "record or run, as each metric says) are pooled over seeds; figures are the median (or the "
             "statistic named) with a 95%% two-stage bootstrap interval (%u resamples of seeds, then of samples "
             "within each seed; PRNG seed %llu), and n is the number of samples and runs behind each figure.",
             (unsigned long long)s->seeds, (unsigned long long)s->seed_base,
             (unsigned long long)(s->seed_base + s->seeds - 1), s->n_strat, s->n_sweeps ? sweeps : "none",
             cmp_points(s), s->violations, (unsigned long long)s->warmup_ns, (unsigned long long)s->cooldown_ns,
             s->bootstrap, (unsigned long long)s->bootstrap_seed);
    para(f, d, text);
}

static void body(FILE *f, doc_fmt d, cmp_study *s)
{
    method(f, d, s);
    heading(f, d, 2, "Claims");
    claims_list(f, d, s);
    for (uint32_t sc = 0; sc < s->n_scen; sc++) {
        char t[512];
        snprintf(t, sizeof t, "Scenario %s", s->scen[sc].name);
        heading(f, d, 2, t);
        if (s->scen[sc].description[0])
            para(f, d, s->scen[sc].description);
        for (uint32_t p = 0; p < cmp_points(s); p++) {
            char pl[256];
            cmp_point_label(s, p, pl, sizeof pl);
            snprintf(t, sizeof t, "%s, %s (simulated; median or mean [95%% CI])", s->scen[sc].name, pl);
            heading(f, d, 3, t);
            count_note(f, d, s, sc, p);
            glance_table(f, d, s, sc, p);
        }
        for (uint32_t k = 0; k <= s->n_strat; k++) {
            uint32_t strat = k < s->n_strat ? k : CMP_BASELINE;
            snprintf(t, sizeof t, "%s: %s, every metric", s->scen[sc].name, strat_name(s, k));
            if (d == DOC_HTML)
                fputs("<details><summary>", f), esc(f, d, t), fputs("</summary>\n", f);
            else
                heading(f, d, 3, t);
            strategy_table(f, d, s, sc, strat);
            if (d == DOC_HTML)
                fputs("</details>\n", f);
        }
    }
}

void cmp_write_markdown(FILE *f, cmp_study *s, bool plots, const char *plot_note)
{
    fputs("# barriersim compare: summary\n", f);
    if (!plots)
        fprintf(f, "\n**Plots missing:** %s\n", plot_note);
    body(f, DOC_MD, s);
}

static const char css[] =
    "body{font-family:sans-serif;margin:2em;max-width:1500px}table{border-collapse:collapse;margin:1em 0;"
    "font-size:85%}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child"
    "{text-align:left}th{background:#eee}figure{display:inline-block;margin:0.5em;vertical-align:top}"
    "figure img{width:720px;border:1px solid #ddd}figcaption{max-width:720px;font-size:90%}"
    ".claims li{margin:0.6em 0}.v-holds{color:#060;font-weight:bold}.v-fails{color:#a00;font-weight:bold}"
    ".v-other{color:#a60;font-weight:bold}.warn{color:#a00;font-weight:bold}";

void cmp_write_html(FILE *f, cmp_study *s, bool plots, const char *plot_note)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>barriersim compare"
               "</title>\n<style>%s</style></head><body>\n<h1>barriersim compare</h1>\n", css);
    fputs("<p>Raw data: <a href=\"metrics.json\">metrics.json</a> (with every run's resolved configuration, "
          "seed, trace hash and the binary's version), <a href=\"runs.csv\">runs.csv</a>, "
          "<a href=\"checkpoints.csv\">checkpoints.csv</a>, <a href=\"alignments.csv\">alignments.csv</a>, "
          "<a href=\"buffered.csv\">buffered.csv</a>; text: <a href=\"summary.md\">summary.md</a>; plots as "
          "SVG beside each PNG.</p>\n", f);
    if (!plots) {
        fputs("<p class=\"warn\">Plots missing: ", f);
        esc(f, DOC_HTML, plot_note);
        fputs("</p>\n", f);
    }
    for (uint32_t sc = 0; sc < s->n_scen && plots; sc++) {
        char names[16][160], titles[16][256];
        uint32_t n = cmp_plot_files(s, sc, names, titles, 16);
        for (uint32_t i = 0; i < n; i++) {
            fprintf(f, "<figure><a href=\"%s.svg\"><img src=\"%s.png\" alt=\"", names[i], names[i]);
            esc(f, DOC_HTML, titles[i]);
            fputs("\"></a><figcaption>", f);
            esc(f, DOC_HTML, titles[i]);
            fputs("</figcaption></figure>\n", f);
        }
    }
    body(f, DOC_HTML, s);
    fputs("</body></html>\n", f);
}

/* ---- JSON ------------------------------------------------------------------------------- */
static void json_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", f);
    else
        fprintf(f, "%.10g", v);
}

static void json_stat(FILE *f, const cmp_stat *st)
{
    fprintf(f, "{\"n\": %u, \"runs\": %u", st->n, st->runs);
    for (int i = 0; i < CS_COUNT; i++) {
        fprintf(f, ", \"%s\": {\"value\": ", cmp_statistic_name((cmp_statistic)i));
        json_num(f, st->est[i]);
        fputs(", \"ci95\": [", f);
        json_num(f, st->lo[i]);
        fputs(", ", f);
        json_num(f, st->hi[i]);
        fputs("]}", f);
    }
    fputc('}', f);
}

static void json_claims(FILE *f, cmp_study *s)
{
    static cmp_claim_result res[CMP_SCENARIOS_MAX * SIMSCEN_CLAIMS_MAX];
    uint32_t n = cmp_claims_eval(s, res, CMP_SCENARIOS_MAX * SIMSCEN_CLAIMS_MAX);
    for (uint32_t i = 0; i < n; i++) {
        const simscen_claim *c = &s->scen[res[i].scenario].claims[res[i].claim];
        fputs(i ? ",\n  {\"scenario\": " : "\n  {\"scenario\": ", f);
        sim_json_string(f, s->scen[res[i].scenario].name);
        fputs(", \"claim\": ", f);
        sim_json_string(f, c->text);
        fputs(", \"source\": ", f);
        sim_json_string(f, c->source);
        fputs(", \"metric\": ", f);
        sim_json_string(f, c->metric);
        fputs(", \"statistic\": ", f);
        sim_json_string(f, c->statistic);
        fprintf(f, ", \"verdict\": \"%s\", \"evidence\": ", cmp_verdict_name(res[i].verdict));
        sim_json_string(f, res[i].evidence);
        fputc('}', f);
    }
}

void cmp_write_summary_json(FILE *f, cmp_study *s)
{
    fprintf(f, "{\"runs\": %zu, \"violations\": %u, \"times\": \"simulated\", \"warmup_ns\": %llu, "
               "\"cooldown_ns\": %llu, \"bootstrap\": %u, \"bootstrap_seed\": %llu, \"groups\": [",
            s->n_runs, s->violations, (unsigned long long)s->warmup_ns, (unsigned long long)s->cooldown_ns,
            s->bootstrap, (unsigned long long)s->bootstrap_seed);
    bool first = true;
    for (uint32_t sc = 0; sc < s->n_scen; sc++)
        for (uint32_t p = 0; p < cmp_points(s); p++)
            for (uint32_t k = 0; k <= s->n_strat; k++) {
                uint32_t strat = k < s->n_strat ? k : CMP_BASELINE;
                fputs(first ? "\n  {\"scenario\": " : ",\n  {\"scenario\": ", f);
                first = false;
                sim_json_string(f, s->scen[sc].name);
                fputs(", \"strategy\": ", f);
                sim_json_string(f, k < s->n_strat ? s->strategies[k] : "baseline");
                fputs(", \"point\": {", f);
                for (uint32_t i = 0; i < s->n_sweeps; i++) {
                    fputs(i ? ", " : "", f);
                    sim_json_string(f, s->sweep[i].key->name);
                    fprintf(f, ": %llu", (unsigned long long)cmp_point_value(s, p, i));
                }
                fputs("}, \"metrics\": {", f);
                for (int m = 0; m < CM_COUNT; m++) {
                    fprintf(f, "%s\"%s\": ", m ? ", " : "", cmp_metric_get((cmp_metric)m)->name);
                    const cmp_stat *st = cmp_group(s, sc, p, strat, (cmp_metric)m);
                    if (st->n)
                        json_stat(f, st);
                    else
                        fputs("null", f);
                }
                fputs("}}", f);
            }
    fputs("\n], \"claims\": [", f);
    json_claims(f, s);
    fputs("\n]}", f);
}
