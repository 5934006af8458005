/*
 * cmp_plot.c: the plots of `compare`, drawn by gnuplot as PNG (for the page and for
 * looking at) and SVG (for papers) from data files in DIR/plot-data/.
 *
 * Per scenario:
 *  - duration-vs-KEY (one per swept key, with one or two sweeps): the median checkpoint
 *    duration against the key's values, with its 95% bootstrap interval as a band; with a
 *    second sweep, one panel per value of the other key, on a shared y scale;
 *  - io-vs-KEY (one per swept key, when anything was checkpointed): the I/O trade-off of
 *    issue 9, three panels against the key: checkpointed data size, persisted in-flight data
 *    and end-to-end duration, medians with their 95% bands (other sweeps at their first value);
 *  - duration-cdf and alignment-cdf: the pooled per-checkpoint (per-task) distributions as
 *    empirical CDFs at the first and the last grid point, instead of overplotted scatters;
 *  - held-over-time: at the last grid point, the bytes held for alignment (spilled +
 *    blocked) and the pending channel state over simulated time, the median over seeds with
 *    the min-max band of every seed, one panel per strategy on a shared y scale; a strategy
 *    that held nothing gets no panel (the title says so).
 * Every strategy has one colour, dash and point type wherever it appears (by its name, not
 * its position in --strategies); axis ranges are computed from the data; every time axis
 * says "simulated". The gnuplot script (DIR/plots.gp) runs twice: fmt='png', fmt='svg'.
 */
#include "compare.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERIES_MAX 4096u

static double dmin(double a, double b) { return a < b ? a : b; }
static double dmax(double a, double b) { return a > b ? a : b; }

/* ---- styles: by strategy identity -------------------------------------------------------- */
typedef struct style {
    const char *name, *colour;
    int dash, point;
} style;

/* Okabe-Ito colours (distinguishable with colour-blindness). */
static const style styles[] = {
    {"spill", "#E69F00", 1, 7},    {"block", "#0072B2", 2, 5},   {"unaligned", "#009E73", 3, 9},
    {"aligned-timeout", "#D55E00", 4, 11}, {"tracker", "#CC79A7", 5, 13},
};
static const char *const spare_colours[] = {"#56B4E9", "#000000", "#F0E442", "#999999"};

static style style_of(const char *name)
{
    for (size_t i = 0; i < sizeof styles / sizeof *styles; i++)
        if (strcmp(styles[i].name, name) == 0)
            return styles[i];
    uint32_t h = 2166136261u; /* FNV-1a: the same name, the same style, in every study */
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (style){name, spare_colours[h % 4], 6 + (int)(h / 4 % 3), 4 + 2 * (int)(h / 12 % 4)};
}

static void gp_fill(FILE *f, const char *strat, const char *extra)
{
    fprintf(f, "lc rgb '%s' %s", style_of(strat).colour, extra);
}

static void gp_style(FILE *f, const char *strat, const char *extra)
{
    style st = style_of(strat);
    fprintf(f, "lc rgb '%s' dt %d %s", st.colour, st.dash, extra);
}

static void gp_points(FILE *f, const char *strat, const char *extra)
{
    style st = style_of(strat);
    fprintf(f, "lc rgb '%s' dt %d pt %d ps 1.3 %s", st.colour, st.dash, st.point, extra);
}

/* ---- units -------------------------------------------------------------------------------- */
typedef struct unit {
    double div;
    const char *name;
} unit;

static unit unit_for(const char *u, double max)
{
    if (strcmp(u, "ns") == 0)
        return max >= 2e9 ? (unit){1e9, "s"} : max >= 2e6 ? (unit){1e6, "ms"} : max >= 2e3 ? (unit){1e3, "µs"}
                                                                                          : (unit){1, "ns"};
    if (strcmp(u, "bytes") == 0)
        return max >= 2 * 1048576.0 ? (unit){1048576, "MiB"} : max >= 2048 ? (unit){1024, "KiB"} : (unit){1, "B"};
    if (strcmp(u, "bytes/s") == 0) /* storage bandwidths: decimal, as vendors quote them */
        return max >= 2e9 ? (unit){1e9, "GB/s"} : max >= 2e6 ? (unit){1e6, "MB/s"} : (unit){1, "bytes/s"};
    return (unit){1, u};
}

static void key_axis(const simscen_key *k, double max, unit *u, char *label, size_t len)
{
    *u = unit_for(k->unit, max);
    if (u->name[0])
        snprintf(label, len, "%s: %s (%s%s)", k->name, k->what, u->name,
                 strcmp(k->unit, "ns") == 0 ? ", simulated" : "");
    else
        snprintf(label, len, "%s: %s", k->name, k->what);
}

/* Tics at 1, 2 and 5 of every decade in [lo, hi] (lo > 0): gnuplot's default labels only
 * powers of ten, which leaves a range inside one decade with one number. Over more than
 * two decades of a horizontal axis (three of a vertical one, whose labels stack) 2 and 5
 * stay as unlabelled minor tics: labelled, they ran into each other on a narrow panel (the
 * timeout grid's 5 us .. 5 ms axis printed "0.0050.010.02", a CDF's 10 .. 2000 us "10002000"). */
static void gp_log_tics(FILE *f, const char *axis, double lo, double hi)
{
    assert(lo > 0 && hi > lo);
    static const double steps[] = {1, 2, 5};
    bool wide = hi / lo > (axis[0] == 'x' ? 100 : 1000);
    fprintf(f, "set %stics (", axis);
    int n = 0;
    double decade = 1; /* the power of ten at or below lo, in bounded steps (no libm) */
    for (int g = 0; g < 400 && decade * 10 <= lo; g++)
        decade *= 10;
    for (int g = 0; g < 400 && decade > lo; g++)
        decade /= 10;
    for (int d = 0; d < 40 && decade <= hi; d++, decade *= 10)
        for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
            double v = steps[i] * decade;
            if (v < lo || v > hi)
                continue;
            if (wide && i > 0) /* level 1: a minor tic, no label */
                fprintf(f, "%s\"\" %g 1", n++ ? ", " : "", v);
            else
                fprintf(f, "%s%g", n++ ? ", " : "", v);
        }
    fprintf(f, "%s)\n", n ? "" : "1");
}

/* A range fitted to [lo, hi]: log when it spans more than 30x (x: 10x) and is positive. */
static void gp_yrange(FILE *f, double lo, double hi, const char *axis)
{
    double span = axis[0] == 'x' ? 10 : 30;
    if (!(hi > lo)) {
        hi = lo + (lo > 0 ? lo : 1);
        lo = lo > 0 ? lo * 0.5 : 0;
    }
    if (lo > 0 && hi / lo > span) {
        fprintf(f, "set logscale %s\nset %srange [%g:%g]\n", axis, axis, lo / 1.25, hi * 1.25);
        gp_log_tics(f, axis, lo / 1.25, hi * 1.25);
    } else {
        double pad = (hi - lo) * 0.06;
        fprintf(f, "unset logscale %s\nset %srange [%g:%g]\nset %stics autofreq\n", axis, axis,
                lo - pad < 0 && lo >= 0 ? 0 : lo - pad, hi + pad, axis);
    }
}

/* A swept on/off key (SIMSCEN_KEY_BOOL) is two categories, not a continuum: its axis shows
 * "off" and "on" only (it showed 0, 0.2, ... 1). */
static void gp_bool_axis(FILE *f, const simscen_key *k, const char *axis)
{
    if (k->kind == SIMSCEN_KEY_BOOL)
        fprintf(f, "unset logscale %s\nset %srange [-0.25:1.25]\nset %stics (\"off\" 0, \"on\" 1)\n", axis, axis,
                axis);
}

static void gp_term(FILE *f, int w, int h)
{
    fprintf(f, "eval termcmd(%d,%d)\n", w, h);
}

static void gp_reset(FILE *f)
{
    fputs("reset\nset encoding utf8\nset grid lc rgb '#dddddd'\nset border lw 1.2\n"
          "set key outside right top box opaque spacing 1.2\nset style fill transparent solid 0.18 noborder\n",
          f);
}

/* ---- data files --------------------------------------------------------------------------- */
static FILE *data_open(const char *dir, const char *name, char *rel, size_t rel_len)
{
    char path[1400];
    snprintf(rel, rel_len, "plot-data/%s", name);
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return fopen(path, "w");
}

/* ---- collection: the over-time series of one run ---------------------------------------- */
int cmp_plot_collect(const cmp_study *s, const char *dir, cmp_run *r, const sim_metrics *m)
{
    (void)dir;
    if (r->strategy == CMP_BASELINE || r->point + 1 != cmp_points(s) || m->n_samples == 0)
        return 0;
    uint64_t interval = s->scen[r->scenario].cfg.checkpoint_interval_ns;
    uint64_t g = interval >= 20 ? interval / 20 : m->grid_ns;
    if (g == 0)
        g = 1;
    while (m->run_ns / g + 1 > SERIES_MAX)
        g *= 2;
    uint32_t n = (uint32_t)(m->run_ns / g + 1);
    r->held_t = malloc(n * sizeof *r->held_t);
    r->cs_t = malloc(n * sizeof *r->cs_t);
    if (!r->held_t || !r->cs_t)
        return -1;
    uint32_t at = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint64_t t = (uint64_t)j * g;
        while (at + 1 < m->n_samples && m->samples[at + 1].t_ns <= t)
            at++;
        const sim_mx_sample *x = &m->samples[at];
        bool before = x->t_ns > t;
        r->held_t[j] = before ? 0 : (double)(x->blocked_bytes + (x->channel_state_bytes ? 0 : x->file_bytes));
        r->cs_t[j] = before ? 0 : (double)x->channel_state_bytes;
    }
    r->n_t = n;
    r->series_grid_ns = g;
    return 0;
}

/* ---- plot 1: duration against a swept key ------------------------------------------------- */
typedef struct plot_ctx {
    cmp_study *s;
    const char *dir;
    FILE *gp;
    uint32_t sc;
    char names[16][160];
    char titles[16][256];
    uint32_t n;
} plot_ctx;

static void add_plot(plot_ctx *pc, const char *kind, const char *title)
{
    if (pc->n >= 16)
        return;
    snprintf(pc->names[pc->n], sizeof pc->names[0], "%.100s-%s", pc->s->scen[pc->sc].name, kind);
    snprintf(pc->titles[pc->n], sizeof pc->titles[0], "%s", title);
    pc->n++;
}

/* The grid point with dim d at value index i and dim e (if any) at value index j. */
static uint32_t point_of(const cmp_study *s, uint32_t d, uint32_t i, int e, uint32_t j)
{
    uint64_t vals[CMP_SWEEPS_MAX];
    for (uint32_t k = 0; k < s->n_sweeps; k++)
        vals[k] = s->sweep[k].vals[0];
    vals[d] = s->sweep[d].vals[i];
    if (e >= 0)
        vals[e] = s->sweep[e].vals[j];
    int p = cmp_point_find(s, vals);
    return p < 0 ? 0 : (uint32_t)p;
}

static int plot_vs_key(plot_ctx *pc, uint32_t d)
{
    cmp_study *s = pc->s;
    int e = s->n_sweeps == 2 ? (int)(1 - d) : -1;
    uint32_t panels = e >= 0 ? s->sweep[e].n : 1;
    const simscen_key *k = s->sweep[d].key;
    double xmax = 0, ylo = INFINITY, yhi = 0;
    for (uint32_t i = 0; i < s->sweep[d].n; i++)
        xmax = dmax(xmax, (double)s->sweep[d].vals[i]);
    for (uint32_t j = 0; j < panels; j++)
        for (uint32_t i = 0; i < s->sweep[d].n; i++)
            for (uint32_t st = 0; st < s->n_strat; st++) {
                const cmp_stat *x = cmp_group(s, pc->sc, point_of(s, d, i, e, j), st, CM_CK_DURATION);
                if (x->n)
                    ylo = dmin(ylo, x->lo[CS_MEDIAN]), yhi = dmax(yhi, x->hi[CS_MEDIAN]);
            }
    if (!(yhi > 0))
        return 0; /* no checkpoint completed anywhere: no empty plot */
    unit xu, yu = unit_for("ns", yhi);
    char xl[256], kind[96], title[256];
    key_axis(k, xmax, &xu, xl, sizeof xl);
    if (panels > 1 && xu.name[0]) /* side by side, the long label runs into the next panel's */
        snprintf(xl, sizeof xl, "%s (%s%s)", k->name, xu.name, strcmp(k->unit, "ns") == 0 ? ", simulated" : "");
    else if (panels > 1)
        snprintf(xl, sizeof xl, "%s", k->name);
    snprintf(kind, sizeof kind, "duration-vs-%s", k->name);
    snprintf(title, sizeof title, "Checkpoint duration (simulated) against %s: median and 95%% CI band%s", k->name,
             e >= 0 ? ", one panel per value of the other key" : "");
    add_plot(pc, kind, title);
    FILE *f = pc->gp;
    gp_reset(f);
    int cols = panels <= 3 ? (int)panels : panels <= 4 ? 2 : 3, rows = (int)((panels + (uint32_t)cols - 1) / (uint32_t)cols);
    gp_term(f, cols * 540 + 300, rows * 400 + 70);
    fprintf(f, "set output '%s.'.fmt\n", pc->names[pc->n - 1]);
    fprintf(f, "set xlabel \"%s\"\nset ylabel 'checkpoint duration, median (%s, simulated)'\n", xl, yu.name);
    gp_yrange(f, ylo / yu.div, yhi / yu.div, "y");
    double x0 = (double)s->sweep[d].vals[0], x1 = x0;
    for (uint32_t i = 0; i < s->sweep[d].n; i++)
        x0 = dmin(x0, (double)s->sweep[d].vals[i]), x1 = dmax(x1, (double)s->sweep[d].vals[i]);
    gp_yrange(f, x0 / xu.div, x1 / xu.div, "x");
    gp_bool_axis(f, k, "x");
    fprintf(f, "set multiplot layout %d,%d title \"%s: checkpoint duration (simulated) vs %s\\nmedian, band: "
               "95%% bootstrap CI\" font ',12'\n", rows, cols, s->scen[pc->sc].name, k->name);
    for (uint32_t j = 0; j < panels; j++) {
        if (e >= 0) {
            char v[48], kn[128];
            cmp_human((double)s->sweep[e].vals[j], s->sweep[e].key->unit, v, sizeof v);
            cmp_key_short_name(s->sweep[e].key, kn, sizeof kn);
            fprintf(f, "set title '%s = %s'\n", kn, v);
        }
        else
            fputs("unset title\n", f);
        if (j + 1 < panels)
            fputs("unset key\n", f);
        else
            fputs("set key outside right top box opaque\n", f);
        fputs("plot", f);
        bool first = true;
        for (uint32_t st = 0; st < s->n_strat; st++) {
            char name[400], rel[500];
            snprintf(name, sizeof name, "%s-vs%u-p%u-%s.dat", s->scen[pc->sc].name, d, j, s->strategies[st]);
            FILE *df = data_open(pc->dir, name, rel, sizeof rel);
            if (!df)
                return -1;
            uint32_t rowsn = 0;
            for (uint32_t i = 0; i < s->sweep[d].n; i++) {
                const cmp_stat *x = cmp_group(s, pc->sc, point_of(s, d, i, e, j), st, CM_CK_DURATION);
                if (x->n)
                    fprintf(df, "%g %g %g %g %u\n", (double)s->sweep[d].vals[i] / xu.div, x->est[CS_MEDIAN] / yu.div,
                            x->lo[CS_MEDIAN] / yu.div, x->hi[CS_MEDIAN] / yu.div, x->n), rowsn++;
            }
            if (fclose(df))
                return -1;
            if (!rowsn)
                continue;
            fprintf(f, "%s '%s' using 1:3:4 with filledcurves ", first ? "" : ",", rel);
            gp_fill(f, s->strategies[st], "notitle");
            fprintf(f, ", '%s' using 1:2 with linespoints lw 2 ", rel);
            gp_points(f, s->strategies[st], "");
            fprintf(f, " title '%s'", s->strategies[st]);
            first = false;
        }
        fputs(first ? " NaN notitle\n" : "\n", f);
    }
    fputs("unset multiplot\n", f);
    return 0;
}

/* ---- plot 1b: the I/O trade-off against a swept key ------------------------------------- */
/* Issue 9: what unaligned checkpoints trade: their checkpointed size grows with the in-flight
 * data they persist, and with a finite storage bandwidth the end-to-end duration follows. */
static const struct {
    cmp_metric m;
    const char *tag, *ylabel;
} io_panels[] = {
    {CM_CHECKPOINTED, "size", "checkpointed size"},
    {CM_PERSISTED, "persisted", "persisted in-flight data"},
    {CM_CK_DURATION, "duration", "end-to-end duration"},
};

/* One panel: metric m's median and 95% band against sweep d, the other sweep e (if any)
 * at its value j, every strategy; the last panel of a row carries the key. */
static int io_panel(plot_ctx *pc, uint32_t d, int e, uint32_t j, int which, unit xu)
{
    cmp_study *s = pc->s;
    cmp_metric m = io_panels[which].m;
    const char *u = cmp_metric_get(m)->unit;
    double lo = INFINITY, hi = 0;
    for (uint32_t i = 0; i < s->sweep[d].n; i++)
        for (uint32_t st = 0; st < s->n_strat; st++) {
            const cmp_stat *x = cmp_group(s, pc->sc, point_of(s, d, i, e, j), st, m);
            if (x->n)
                lo = dmin(lo, x->lo[CS_MEDIAN]), hi = dmax(hi, x->hi[CS_MEDIAN]);
        }
    unit yu = unit_for(u, hi);
    FILE *f = pc->gp;
    if (e >= 0) {
        double v = (double)s->sweep[e].vals[j];
        unit vu = unit_for(s->sweep[e].key->unit, v);
        fprintf(f, "set title '%s at %s = %g%s%s'\n", io_panels[which].ylabel, s->sweep[e].key->name, v / vu.div,
                vu.name[0] ? " " : "", vu.name);
    } else {
        fprintf(f, "set title '%s'\n", io_panels[which].ylabel);
    }
    fprintf(f, "set ylabel '%s, median (%s%s)'\n", io_panels[which].ylabel, yu.name,
            strcmp(u, "ns") == 0 ? ", simulated" : "");
    /* sizes start at 0 B (aligned checkpoints persist nothing): a linear axis from 0 */
    if (strcmp(u, "bytes") == 0)
        fprintf(f, "unset logscale y\nset yrange [0:%g]\nset ytics autofreq\n", hi > 0 ? hi / yu.div * 1.08 : 1);
    else
        gp_yrange(f, (lo < INFINITY ? lo : 0) / yu.div, hi / yu.div, "y");
    fputs(which + 1 < (int)(sizeof io_panels / sizeof *io_panels) ? "unset key\nplot" : "set key outside right top box opaque\nplot", f);
    bool first = true;
    for (uint32_t st = 0; st < s->n_strat; st++) {
        char name[400], rel[500];
        snprintf(name, sizeof name, "%s-io%u-p%u-%s-%s.dat", s->scen[pc->sc].name, d, j, io_panels[which].tag,
                 s->strategies[st]);
        FILE *df = data_open(pc->dir, name, rel, sizeof rel);
        if (!df)
            return -1;
        uint32_t rows = 0;
        for (uint32_t i = 0; i < s->sweep[d].n; i++) {
            const cmp_stat *x = cmp_group(s, pc->sc, point_of(s, d, i, e, j), st, m);
            if (x->n)
                fprintf(df, "%g %g %g %g %u\n", (double)s->sweep[d].vals[i] / xu.div, x->est[CS_MEDIAN] / yu.div,
                        x->lo[CS_MEDIAN] / yu.div, x->hi[CS_MEDIAN] / yu.div, x->n), rows++;
        }
        if (fclose(df))
            return -1;
        if (!rows)
            continue;
        fprintf(f, "%s '%s' using 1:3:4 with filledcurves ", first ? "" : ",", rel);
        gp_fill(f, s->strategies[st], "notitle");
        fprintf(f, ", '%s' using 1:2 with linespoints lw 2 ", rel);
        gp_points(f, s->strategies[st], "");
        fprintf(f, " title '%s'", s->strategies[st]);
        first = false;
    }
    fputs(first ? " NaN notitle\n" : "\n", f);
    return 0;
}

/* Drawn when some strategy checkpointed anything (operator state or in-flight data). With
 * a second sweep, one row of panels per value of it (its first and last when it has more
 * than three): the trade-off can turn over between them. */
static int plot_io_vs_key(plot_ctx *pc, uint32_t d)
{
    cmp_study *s = pc->s;
    int e = s->n_sweeps == 2 ? (int)(1 - d) : -1;
    uint32_t rowv[3] = {0}, rows = e < 0 ? 1 : s->sweep[e].n <= 3 ? s->sweep[e].n : 2;
    for (uint32_t r = 0; e >= 0 && r < rows; r++)
        rowv[r] = s->sweep[e].n <= 3 ? r : r * (s->sweep[e].n - 1);
    bool any = false;
    for (uint32_t p = 0; p < cmp_points(s) && !any; p++)
        for (uint32_t st = 0; st < s->n_strat && !any; st++) {
            const cmp_stat *x = cmp_group(s, pc->sc, p, st, CM_CHECKPOINTED);
            any = x->n && x->hi[CS_MEDIAN] > 0;
        }
    if (!any || s->n_sweeps > 2)
        return 0;
    const simscen_key *k = s->sweep[d].key;
    double x0 = (double)s->sweep[d].vals[0], x1 = x0;
    for (uint32_t i = 0; i < s->sweep[d].n; i++)
        x0 = dmin(x0, (double)s->sweep[d].vals[i]), x1 = dmax(x1, (double)s->sweep[d].vals[i]);
    unit xu = unit_for(k->unit, x1);
    char kind[96], title[256];
    snprintf(kind, sizeof kind, "io-vs-%s", k->name);
    snprintf(title, sizeof title, "The I/O trade-off against %s: checkpointed size, persisted in-flight data and "
             "end-to-end duration (simulated), medians with 95%% CI bands%s", k->name,
             e >= 0 ? ", one row per value of the other key" : "");
    add_plot(pc, kind, title);
    FILE *f = pc->gp;
    gp_reset(f);
    gp_term(f, 3 * 500 + 280, (int)rows * 380 + 80);
    fprintf(f, "set output '%s.'.fmt\nset xlabel \"%s%s%s%s\"\n", pc->names[pc->n - 1], k->name,
            xu.name[0] ? " (" : "", xu.name, xu.name[0] ? (strcmp(k->unit, "ns") == 0 ? ", simulated)" : ")") : "");
    gp_yrange(f, x0 / xu.div, x1 / xu.div, "x");
    gp_bool_axis(f, k, "x");
    fprintf(f, "set multiplot layout %u,3 title \"%s: checkpoint I/O vs %s (%s)\\nmedian, band: 95%% bootstrap CI\" "
               "font ',12'\n", rows, s->scen[pc->sc].name, k->name, k->what);
    for (uint32_t r = 0; r < rows; r++)
        for (int w = 0; w < (int)(sizeof io_panels / sizeof *io_panels); w++)
            if (io_panel(pc, d, e, rowv[r], w, xu))
                return -1;
    fputs("unset multiplot\n", f);
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- plots 2 and 3: CDFs at the first and the last point ---------------------------------- */
static bool group_range(cmp_study *s, uint32_t sc, uint32_t p, cmp_metric m, double *lo, double *hi)
{
    bool any = false;
    for (size_t i = 0; i < s->n_runs; i++) {
        const cmp_run *r = &s->runs[i];
        if (r->scenario != sc || r->point != p || r->strategy == CMP_BASELINE || !r->samples[m].n)
            continue;
        *lo = dmin(*lo, r->samples[m].v[0]);
        *hi = dmax(*hi, r->samples[m].v[r->samples[m].n - 1]);
        any = true;
    }
    return any;
}

static int cdf_data(plot_ctx *pc, uint32_t p, uint32_t st, cmp_metric m, double div, char *rel, size_t rel_len,
                    uint32_t *n)
{
    cmp_study *s = pc->s;
    char name[400];
    snprintf(name, sizeof name, "%s-cdf-%s-p%u-%s.dat", s->scen[pc->sc].name, cmp_metric_get(m)->name, p,
             s->strategies[st]);
    FILE *df = data_open(pc->dir, name, rel, rel_len);
    if (!df)
        return -1;
    uint32_t total = 0;
    for (size_t i = 0; i < s->n_runs; i++) {
        const cmp_run *r = &s->runs[i];
        if (r->scenario == pc->sc && r->point == p && r->strategy == st)
            total += r->samples[m].n;
    }
    double *all = malloc((total ? total : 1) * sizeof *all);
    if (!all) {
        fclose(df);
        return -1;
    }
    uint32_t k = 0;
    for (size_t i = 0; i < s->n_runs; i++) {
        const cmp_run *r = &s->runs[i];
        if (r->scenario == pc->sc && r->point == p && r->strategy == st)
            for (uint32_t x = 0; x < r->samples[m].n; x++)
                all[k++] = r->samples[m].v[x];
    }
    qsort(all, k, sizeof *all, cmp_d);
    for (uint32_t i = 0; i < k; i++)
        fprintf(df, "%g %g\n", all[i] / div, (double)(i + 1) / k);
    free(all);
    *n = k;
    return fclose(df) ? -1 : 0;
}

static int plot_cdf(plot_ctx *pc, cmp_metric m, const char *kind, const char *what)
{
    cmp_study *s = pc->s;
    uint32_t last = cmp_points(s) - 1, pts[2] = {0, last}, np = last ? 2 : 1;
    double lo = INFINITY, hi = -INFINITY;
    bool any = false;
    for (uint32_t i = 0; i < np; i++)
        any |= group_range(s, pc->sc, pts[i], m, &lo, &hi);
    if (!any || !(hi > 0))
        return 0;
    unit u = unit_for(cmp_metric_get(m)->unit, hi);
    char title[256];
    snprintf(title, sizeof title, "%s (simulated): empirical CDF of every sample, pooled over seeds, at the %s", what,
             np == 2 ? "first and the last grid point" : "only grid point");
    add_plot(pc, kind, title);
    FILE *f = pc->gp;
    gp_reset(f);
    gp_term(f, (int)np * 560 + 200, 460);
    fprintf(f, "set output '%s.'.fmt\n", pc->names[pc->n - 1]);
    fprintf(f, "set xlabel '%s (%s, simulated)'\nset ylabel 'share of samples at or below'\nset yrange [0:1.02]\n",
            what, u.name);
    gp_yrange(f, lo / u.div, hi / u.div, "x");
    if (!(lo > 0) && hi > 0) /* a linear axis from 0: a strategy whose samples are all 0 (no
                               * alignment) is a step at 0, drawn on the border unless the
                               * axis starts a little below it */
        fprintf(f, "set xrange [%g:]\n", -0.02 * hi / u.div);
    fprintf(f, "set multiplot layout 1,%u title \"%s (simulated), %s: CDF pooled over seeds\" font ',13'\n", np, what,
            s->scen[pc->sc].name);
    for (uint32_t i = 0; i < np; i++) {
        char pl[256];
        cmp_point_label_human(s, pts[i], pl, sizeof pl);
        fprintf(f, "set title \"%s\"\n%s\nplot", pl, i + 1 < np ? "unset key" : "set key outside right top box opaque");
        bool first = true;
        for (uint32_t st = 0; st < s->n_strat; st++) {
            char rel[500];
            uint32_t n = 0;
            if (cdf_data(pc, pts[i], st, m, u.div, rel, sizeof rel, &n))
                return -1;
            if (!n)
                continue;
            fprintf(f, "%s '%s' using 1:2 with steps lw 2 ", first ? "" : ",", rel);
            gp_style(f, s->strategies[st], "");
            fprintf(f, " title '%s (n=%u)'", s->strategies[st], n);
            first = false;
        }
        fputs(first ? " NaN notitle\n" : "\n", f);
    }
    fputs("unset multiplot\n", f);
    return 0;
}

/* ---- plot 4: held for alignment and channel state over time -------------------------------- */
/* Median, min and max over the runs of (last point, st) at each grid step into a file. */
static int series_data(plot_ctx *pc, uint32_t st, bool cs, double div, char *rel, size_t rel_len, double *peak)
{
    cmp_study *s = pc->s;
    char name[400];
    snprintf(name, sizeof name, "%s-over-time-%s-%s.dat", s->scen[pc->sc].name, cs ? "cs" : "held",
             s->strategies[st]);
    FILE *df = data_open(pc->dir, name, rel, rel_len);
    if (!df)
        return -1;
    uint32_t n = 0;
    uint64_t g = 0;
    for (size_t i = 0; i < s->n_runs; i++) {
        const cmp_run *r = &s->runs[i];
        if (r->scenario == pc->sc && r->strategy == st && r->n_t)
            n = r->n_t > n ? r->n_t : n, g = r->series_grid_ns;
    }
    double v[CMP_SEEDS_MAX];
    for (uint32_t j = 0; j < n; j++) {
        uint32_t k = 0;
        for (size_t i = 0; i < s->n_runs && k < CMP_SEEDS_MAX; i++) {
            const cmp_run *r = &s->runs[i];
            if (r->scenario == pc->sc && r->strategy == st && j < r->n_t && r->series_grid_ns == g)
                v[k++] = cs ? r->cs_t[j] : r->held_t[j];
        }
        if (!k)
            continue;
        qsort(v, k, sizeof *v, cmp_d);
        *peak = dmax(*peak, v[k - 1]);
        fprintf(df, "%g %g %g %g\n", (double)j * (double)g, v[(k - 1) / 2] / div, v[0] / div, v[k - 1] / div);
    }
    return fclose(df) ? -1 : 0;
}

static int plot_over_time(plot_ctx *pc)
{
    cmp_study *s = pc->s;
    double peak = 0, tmax = 0;
    bool has[CMP_STRATEGIES_MAX] = {0};
    uint32_t panels = 0;
    char skipped[256] = "";
    for (uint32_t st = 0; st < s->n_strat; st++) {
        double pk = 0;
        for (size_t i = 0; i < s->n_runs; i++) {
            const cmp_run *r = &s->runs[i];
            if (r->scenario != pc->sc || r->strategy != st)
                continue;
            for (uint32_t j = 0; j < r->n_t; j++)
                pk = dmax(pk, dmax(r->held_t[j], r->cs_t[j]));
            tmax = dmax(tmax, (double)r->n_t * (double)r->series_grid_ns);
        }
        has[st] = pk > 0;
        panels += has[st];
        peak = dmax(peak, pk);
        if (!has[st])
            snprintf(skipped + strlen(skipped), sizeof skipped - strlen(skipped), "%s%s", skipped[0] ? ", " : "",
                     s->strategies[st]);
    }
    if (!panels)
        return 0;
    unit yu = unit_for("bytes", peak), tu = unit_for("ns", tmax);
    char pl[256], title[512];
    cmp_point_label_human(s, cmp_points(s) - 1, pl, sizeof pl);
    snprintf(title, sizeof title, "Held for alignment (spilled + blocked) and channel state over simulated time at "
             "%s: median over seeds, band min-max%s%s%s", pl, skipped[0] ? "; held nothing, no panel: " : "", skipped,
             "");
    add_plot(pc, "held-over-time", title);
    FILE *f = pc->gp;
    gp_reset(f);
    gp_term(f, 1000, (int)panels * 190 + 110);
    fprintf(f, "set output '%s.'.fmt\nset ylabel '%s'\nset yrange [0:%g]\nset xrange [0:%g]\nset ytics font ',9'\n"
               "set key inside right top opaque font ',9'\n",
            pc->names[pc->n - 1], yu.name, peak / yu.div * 1.08, tmax / tu.div);
    fprintf(f, "set multiplot layout %u,1 title \"%s, %s:\\nheld for alignment and channel state (median over %llu "
               "seeds, band min-max)%s%s\" font ',12'\n",
            panels, s->scen[pc->sc].name, pl, (unsigned long long)s->seeds, skipped[0] ? "\\nheld nothing: " : "",
            skipped);
    uint32_t done = 0;
    for (uint32_t st = 0; st < s->n_strat; st++) {
        if (!has[st])
            continue;
        char rh[500], rc[500];
        double pk = 0;
        if (series_data(pc, st, false, yu.div, rh, sizeof rh, &pk) || series_data(pc, st, true, yu.div, rc, sizeof rc, &pk))
            return -1;
        fprintf(f, "set title '%s' offset 0,-0.6\n", s->strategies[st]);
        if (++done == panels)
            fprintf(f, "set xlabel 'time (%s, simulated)'\n", tu.name);
        else
            fputs("set xlabel ''\n", f);
        fprintf(f, "plot '%s' using ($1/%g):3:4 with filledcurves ", rh, tu.div);
        gp_fill(f, s->strategies[st], "notitle");
        fprintf(f, ", '' using ($1/%g):2 with steps lw 1.6 ", tu.div);
        gp_style(f, s->strategies[st], "title 'held (spilled + blocked)'");
        fprintf(f, ", '%s' using ($1/%g):3:4 with filledcurves lc rgb '#444444' notitle", rc, tu.div);
        fprintf(f, ", '' using ($1/%g):2 with steps lw 1.6 lc rgb '#444444' dt 3 title 'channel state'\n", tu.div);
    }
    fputs("unset multiplot\n", f);
    return 0;
}

/* ---- driver -------------------------------------------------------------------------------- */
static bool gnuplot_found(void)
{
    const char *path = getenv("PATH");
    char dir[1024];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(dir, sizeof dir, "%.*s/gnuplot", (int)n, path);
        if (n && access(dir, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

static int run_gnuplot(const char *dir, const char *fmt)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char arg[32];
        snprintf(arg, sizeof arg, "fmt='%s'", fmt);
        if (chdir(dir) != 0)
            _exit(127);
        int fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execlp("gnuplot", "gnuplot", "-e", arg, "plots.gp", (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_script(cmp_study *s, const char *dir, FILE *f, plot_ctx *all, uint32_t n_all)
{
    fputs("# Written by barriersim compare: `gnuplot -e \"fmt='png'\" plots.gp` (or fmt='svg') in this folder.\n"
          "if (!exists('fmt')) fmt = 'png'\n"
          "termcmd(w,h) = fmt eq 'svg' ? sprintf(\"set terminal svg size %d,%d dynamic enhanced font 'Sans,12' "
          "background rgb 'white'\", w, h) : sprintf(\"set terminal pngcairo size %d,%d enhanced font 'Sans,11' "
          "background rgb 'white'\", w, h)\n",
          f);
    for (uint32_t sc = 0; sc < s->n_scen && sc < n_all; sc++) {
        plot_ctx *pc = &all[sc];
        *pc = (plot_ctx){.s = s, .dir = dir, .gp = f, .sc = sc};
        if (s->n_sweeps <= 2)
            for (uint32_t d = 0; d < s->n_sweeps; d++)
                if (s->sweep[d].n >= 2 && plot_vs_key(pc, d))
                    return -1;
        for (uint32_t d = 0; d < s->n_sweeps; d++)
            if (s->sweep[d].n >= 2 && plot_io_vs_key(pc, d))
                return -1;
        if (plot_cdf(pc, CM_CK_DURATION, "duration-cdf", "checkpoint duration") ||
            plot_cdf(pc, CM_ALIGNMENT, "alignment-cdf", "alignment time per task") || plot_over_time(pc))
            return -1;
    }
    return 0;
}

static plot_ctx *plots_of(const cmp_study *s)
{
    static plot_ctx all[CMP_SCENARIOS_MAX];
    (void)s;
    return all;
}

uint32_t cmp_plot_files(const cmp_study *s, uint32_t scen, char names[][160], char titles[][256], uint32_t max)
{
    const plot_ctx *pc = &plots_of(s)[scen];
    uint32_t n = 0;
    for (; n < pc->n && n < max && pc->s == s; n++) {
        memcpy(names[n], pc->names[n], sizeof pc->names[n]);
        memcpy(titles[n], pc->titles[n], sizeof pc->titles[n]);
    }
    return n;
}

int cmp_plot(cmp_study *s, const char *dir, char *note, size_t note_len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/plots.gp", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(note, note_len, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int bad = write_script(s, dir, f, plots_of(s), CMP_SCENARIOS_MAX);
    if (fclose(f) || bad) {
        snprintf(note, note_len, "cannot write %s/plot-data: %s", dir, strerror(errno));
        return -1;
    }
    if (!gnuplot_found()) {
        snprintf(note, note_len, "gnuplot is not installed (Debian: apt-get install gnuplot-nox); the data and "
                                 "plots.gp are written: run `gnuplot plots.gp` there once it is");
        return 1;
    }
    int rc = run_gnuplot(dir, "png");
    if (rc == 0)
        rc = run_gnuplot(dir, "svg");
    if (rc != 0) {
        snprintf(note, note_len, "gnuplot failed (exit %d): see gnuplot.log", rc);
        return 1;
    }
    return 0;
}
