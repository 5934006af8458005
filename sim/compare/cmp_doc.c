/*
 * cmp_doc.c: the documents of `compare`: summary.md, index.html (the plots beside the same
 * tables, self-contained: the SVGs sit next to it, nothing is fetched) and the summary
 * JSON (--json, and the "summary" member of metrics.json). Tables are written once, for
 * either Markdown or HTML, by the same code.
 */
#include "compare.h"

#include "../cli/cli.h"

#include <math.h>
#include <string.h>

typedef enum doc_fmt { DOC_MD, DOC_HTML } doc_fmt;

static void esc(FILE *f, doc_fmt d, const char *s)
{
    for (; *s; s++) {
        if (d == DOC_HTML && (*s == '<' || *s == '>' || *s == '&'))
            fputs(*s == '<' ? "&lt;" : *s == '>' ? "&gt;" : "&amp;", f);
        else if (d == DOC_MD && *s == '|')
            fputs("\\|", f);
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

static void point_label(const cmp_study *s, uint32_t p, char *out, size_t len)
{
    if (s->sweep.n)
        snprintf(out, len, "%s=%llu", s->sweep.key, (unsigned long long)s->sweep.vals[p]);
    else
        snprintf(out, len, "as in the file");
}

static const cmp_metric glance[] = {CM_CK_P50,     CM_AL_P50,  CM_AL_MAX,     CM_BUFFERED,  CM_CHANNEL_STATE,
                                    CM_IN_FLIGHT,  CM_LAT_P99, CM_ADD_P99,    CM_THROUGHPUT, CM_COMPLETED,
                                    CM_DECLINED,   CM_DUPLICATES};
#define GLANCE_N (int)(sizeof glance / sizeof *glance)

static void glance_table(FILE *f, doc_fmt d, const cmp_study *s, uint32_t sc, uint32_t p)
{
    const char *cells[GLANCE_N + 1];
    char buf[GLANCE_N + 1][96];
    cells[0] = "strategy";
    for (int i = 0; i < GLANCE_N; i++)
        cells[i + 1] = cmp_metric_get(glance[i])->label;
    table_open(f, d);
    row(f, d, cells, GLANCE_N + 1, true);
    for (uint32_t k = 0; k <= s->n_strat; k++) {
        uint32_t strat = k < s->n_strat ? k : CMP_BASELINE;
        cells[0] = k < s->n_strat ? s->strategies[k] : "baseline (no checkpoints)";
        for (int i = 0; i < GLANCE_N; i++) {
            cmp_stat st = cmp_group_stat(s, sc, p, strat, glance[i]);
            cmp_stat_cell(&st, cmp_metric_get(glance[i])->unit, buf[i + 1], sizeof buf[i + 1]);
            cells[i + 1] = buf[i + 1];
        }
        row(f, d, cells, GLANCE_N + 1, false);
    }
    table_close(f, d);
}

static void strategy_table(FILE *f, doc_fmt d, const cmp_study *s, uint32_t sc, uint32_t strat)
{
    const char *cells[CMP_SWEEP_MAX + 1];
    char buf[CMP_SWEEP_MAX + 1][96];
    uint32_t np = cmp_points(s);
    cells[0] = "metric (median, min–max over seeds)";
    for (uint32_t p = 0; p < np; p++) {
        point_label(s, p, buf[p + 1], sizeof buf[p + 1]);
        cells[p + 1] = buf[p + 1];
    }
    table_open(f, d);
    row(f, d, cells, (int)np + 1, true);
    for (int m = 0; m < CM_COUNT; m++) {
        const cmp_metric_info *mi = cmp_metric_get((cmp_metric)m);
        cells[0] = mi->label;
        bool any = false;
        for (uint32_t p = 0; p < np; p++) {
            cmp_stat st = cmp_group_stat(s, sc, p, strat, (cmp_metric)m);
            any |= st.n > 0;
            cmp_stat_cell(&st, mi->unit, buf[p + 1], sizeof buf[p + 1]);
            cells[p + 1] = buf[p + 1];
        }
        if (any)
            row(f, d, cells, (int)np + 1, false);
    }
    table_close(f, d);
}

static void verdict_list(FILE *f, doc_fmt d, const cmp_study *s)
{
    cmp_verdict v[CMP_VERDICTS];
    cmp_verdicts(s, v);
    fputs(d == DOC_HTML ? "<ul class=\"verdicts\">\n" : "\n", f);
    for (int i = 0; i < CMP_VERDICTS; i++) {
        fputs(d == DOC_HTML ? "<li><b>" : "- **", f);
        esc(f, d, v[i].claim);
        fputs(d == DOC_HTML ? "</b>: <i>" : "**: *", f);
        esc(f, d, cmp_verdict_state_name(v[i].state));
        fputs(d == DOC_HTML ? "</i>. " : "*. ", f);
        esc(f, d, v[i].evidence);
        fputs(d == DOC_HTML ? "</li>\n" : "\n", f);
    }
    fputs(d == DOC_HTML ? "</ul>\n" : "", f);
}

static void method(FILE *f, doc_fmt d, const cmp_study *s)
{
    char text[1024];
    snprintf(text, sizeof text,
             "%llu seeds per point (%llu..%llu); strategies: %u; every run is checked against the strategy's "
             "guarantee after every step (%u violations). A baseline run per seed with checkpoints off gives the "
             "latency that checkpointing adds. Cells: median over seeds, (min–max) when they differ. %s%s",
             (unsigned long long)s->seeds, (unsigned long long)s->seed_base,
             (unsigned long long)(s->seed_base + s->seeds - 1), s->n_strat, s->violations,
             s->sweep.n ? "Swept: " : "No sweep.", s->sweep.n ? s->sweep.key : "");
    para(f, d, text);
}

static void body(FILE *f, doc_fmt d, const cmp_study *s)
{
    method(f, d, s);
    heading(f, d, 2, "Verdicts on the published behaviours");
    verdict_list(f, d, s);
    for (uint32_t sc = 0; sc < s->n_scen; sc++) {
        char t[256];
        snprintf(t, sizeof t, "Scenario %s", s->scen[sc].name);
        heading(f, d, 2, t);
        if (s->scen[sc].description[0])
            para(f, d, s->scen[sc].description);
        for (uint32_t p = 0; p < cmp_points(s); p++) {
            char pl[96];
            point_label(s, p, pl, sizeof pl);
            snprintf(t, sizeof t, "%s, %s", s->scen[sc].name, pl);
            heading(f, d, 3, t);
            glance_table(f, d, s, sc, p);
        }
        for (uint32_t k = 0; k <= s->n_strat; k++) {
            uint32_t strat = k < s->n_strat ? k : CMP_BASELINE;
            snprintf(t, sizeof t, "%s: %s, every metric", s->scen[sc].name,
                     k < s->n_strat ? s->strategies[k] : "baseline (no checkpoints)");
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

void cmp_write_markdown(FILE *f, const cmp_study *s, bool plots, const char *plot_note)
{
    fputs("# barriersim compare: summary\n", f);
    if (!plots)
        fprintf(f, "\n**Plots missing:** %s\n", plot_note);
    body(f, DOC_MD, s);
}

static const char css[] =
    "body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;margin:1em 0;"
    "font-size:90%}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child"
    "{text-align:left}th{background:#eee}figure{display:inline-block;margin:0.5em;vertical-align:top}"
    "figure img{width:640px;border:1px solid #ddd}figcaption{max-width:640px;font-size:90%}"
    ".verdicts li{margin:0.5em 0}.warn{color:#a00;font-weight:bold}";

void cmp_write_html(FILE *f, const cmp_study *s, bool plots, const char *plot_note)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>barriersim compare"
               "</title>\n<style>%s</style></head><body>\n<h1>barriersim compare</h1>\n", css);
    fputs("<p>Raw data: <a href=\"metrics.json\">metrics.json</a>, <a href=\"runs.csv\">runs.csv</a>, "
          "<a href=\"checkpoints.csv\">checkpoints.csv</a>, <a href=\"alignments.csv\">alignments.csv</a>, "
          "<a href=\"buffered.csv\">buffered.csv</a>; text: <a href=\"summary.md\">summary.md</a>.</p>\n", f);
    for (uint32_t sc = 0; sc < s->n_scen; sc++) {
        if (!plots) {
            fputs("<p class=\"warn\">Plots missing: ", f);
            esc(f, DOC_HTML, plot_note);
            fputs("</p>\n", f);
            break;
        }
        char names[8][128];
        const char *titles[8];
        uint32_t n = cmp_plot_files(s, sc, names, titles, 8);
        for (uint32_t i = 0; i < n; i++) {
            fprintf(f, "<figure><a href=\"%s\"><img src=\"%s\" alt=\"", names[i], names[i]);
            esc(f, DOC_HTML, titles[i]);
            fputs("\"></a><figcaption>", f);
            esc(f, DOC_HTML, titles[i]);
            fputs("</figcaption></figure>\n", f);
        }
    }
    body(f, DOC_HTML, s);
    fputs("</body></html>\n", f);
}

static void json_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", f);
    else
        fprintf(f, "%.10g", v);
}

void cmp_write_summary_json(FILE *f, const cmp_study *s)
{
    fprintf(f, "{\"runs\": %zu, \"violations\": %u, \"groups\": [", s->n_runs, s->violations);
    bool first = true;
    for (uint32_t sc = 0; sc < s->n_scen; sc++)
        for (uint32_t p = 0; p < cmp_points(s); p++)
            for (uint32_t k = 0; k <= s->n_strat; k++) {
                uint32_t strat = k < s->n_strat ? k : CMP_BASELINE;
                fputs(first ? "\n  {\"scenario\": " : ",\n  {\"scenario\": ", f);
                first = false;
                cli_json_string(f, s->scen[sc].name);
                fputs(", \"strategy\": ", f);
                cli_json_string(f, k < s->n_strat ? s->strategies[k] : "baseline");
                fputs(", \"sweep_value\": ", f);
                if (s->sweep.n)
                    fprintf(f, "%llu", (unsigned long long)s->sweep.vals[p]);
                else
                    fputs("null", f);
                fputs(", \"metrics\": {", f);
                for (int m = 0; m < CM_COUNT; m++) {
                    cmp_stat st = cmp_group_stat(s, sc, p, strat, (cmp_metric)m);
                    fprintf(f, "%s\"%s\": ", m ? ", " : "", cmp_metric_get((cmp_metric)m)->name);
                    if (!st.n) {
                        fputs("null", f);
                        continue;
                    }
                    fprintf(f, "{\"n\": %u, \"median\": ", st.n);
                    json_num(f, st.median);
                    fputs(", \"min\": ", f);
                    json_num(f, st.min);
                    fputs(", \"max\": ", f);
                    json_num(f, st.max);
                    fputc('}', f);
                }
                fputs("}}", f);
            }
    fputs("\n], \"verdicts\": [", f);
    first = true;
    {
        cmp_verdict v[CMP_VERDICTS];
        cmp_verdicts(s, v);
        for (int i = 0; i < CMP_VERDICTS; i++) {
            fputs(first ? "\n  {\"claim\": " : ",\n  {\"claim\": ", f);
            first = false;
            cli_json_string(f, v[i].claim);
            fprintf(f, ", \"state\": \"%s\", \"evidence\": ", cmp_verdict_state_name(v[i].state));
            cli_json_string(f, v[i].evidence);
            fputc('}', f);
        }
    }
    fputs("\n]}", f);
}
