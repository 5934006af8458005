/*
 * cmp_plot.c: the plots of `compare`, drawn by gnuplot as SVG from CSV files.
 *
 * While the runs go, cmp_plot_collect appends to DIR/plot-data/ what the plots need (raw
 * ns and bytes): every completed checkpoint (back-pressure at its start, duration), the
 * alignment times at the lowest and the highest sweep point, and the buffered bytes over
 * time of the first seed at the highest point. cmp_plot then writes the per-point
 * summaries, a gnuplot script DIR/plots.gp, and runs `gnuplot plots.gp` in DIR (output in
 * DIR/gnuplot.log). Per scenario, four SVGs: checkpoint duration against the swept
 * back-pressure (median, min-max error bars over seeds), duration against the data in
 * flight at each checkpoint's start, the alignment-time distribution per strategy (box
 * plots, low and high back-pressure) and buffered bytes over time.
 */
#include "compare.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const plot_kinds[] = {"duration-vs-sweep", "duration-vs-in-flight", "alignment-times",
                                         "buffered-over-time"};
static const char *const plot_titles[] = {
    "Checkpoint duration (end to end) against the swept back-pressure: median and min-max over seeds",
    "Checkpoint duration against the data in flight when it started: every completed checkpoint",
    "Alignment time per task: distribution per strategy at the lowest and highest back-pressure",
    "Bytes buffered by the alignment (spilled, held in blocked channels, channel state) over time",
};
#define PLOTS 4u

uint32_t cmp_plot_files(const cmp_study *s, uint32_t scen, char names[][128], const char *titles[], uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < PLOTS && n < max; i++) {
        if (i == 0 && s->sweep.n < 2)
            continue;
        snprintf(names[n], 128, "%.100s-%s.svg", s->scen[scen].name, plot_kinds[i]);
        titles[n++] = plot_titles[i];
    }
    return n;
}

static FILE *data_file(const char *dir, const cmp_study *s, uint32_t sc, const char *what, uint32_t strat,
                       bool fresh)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/plot-data/%s-%s-%s.csv", dir, s->scen[sc].name, what, s->strategies[strat]);
    return fopen(path, fresh ? "w" : "a");
}

int cmp_plot_collect(const cmp_study *s, const char *dir, const cmp_run *r, const sim_metrics *m)
{
    if (r->strategy == CMP_BASELINE)
        return 0;
    bool seed0 = r->seed == s->seed_base, lo = r->sweep == 0, hi = r->sweep + 1 == cmp_points(s);
    FILE *f = data_file(dir, s, r->scenario, "ck", r->strategy, seed0 && lo);
    if (!f)
        return -1;
    for (uint32_t i = 0; i < m->n_ck; i++)
        if (m->ck[i].id && m->ck[i].outcome == SIM_CK_COMPLETED)
            fprintf(f, "%llu,%llu\n", (unsigned long long)m->ck[i].in_flight_bytes_start,
                    (unsigned long long)m->ck[i].duration_ns);
    int bad = fclose(f);
    for (int side = 0; side < 2; side++) {
        if (!(side ? hi : lo))
            continue;
        if (!(f = data_file(dir, s, r->scenario, side ? "align-hi" : "align-lo", r->strategy, seed0)))
            return -1;
        for (uint32_t i = 0; i < m->n_al; i++)
            if (m->al[i].triggered)
                fprintf(f, "%llu\n", (unsigned long long)m->al[i].alignment_ns);
        bad |= fclose(f);
    }
    if (hi && seed0) {
        if (!(f = data_file(dir, s, r->scenario, "buffered", r->strategy, true)))
            return -1;
        for (uint32_t i = 0; i < m->n_samples; i++) {
            const sim_mx_sample *x = &m->samples[i];
            fprintf(f, "%llu,%llu\n", (unsigned long long)x->t_ns,
                    (unsigned long long)sim_mx_buffered(x));
        }
        bad |= fclose(f);
    }
    return bad ? -1 : 0;
}

static bool has_data(const char *dir, const cmp_study *s, uint32_t sc, const char *what, uint32_t strat)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/plot-data/%s-%s-%s.csv", dir, s->scen[sc].name, what, s->strategies[strat]);
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* Per strategy: sweep value, checkpoint p50 median, min, max (ns). */
static int write_sweep_data(const cmp_study *s, const char *dir, uint32_t sc)
{
    for (uint32_t k = 0; k < s->n_strat; k++) {
        FILE *f = data_file(dir, s, sc, "sweep", k, true);
        if (!f)
            return -1;
        for (uint32_t p = 0; p < s->sweep.n; p++) {
            cmp_stat st = cmp_group_stat(s, sc, p, k, CM_CK_P50);
            if (st.n)
                fprintf(f, "%llu,%.0f,%.0f,%.0f\n", (unsigned long long)s->sweep.vals[p], st.median, st.min, st.max);
        }
        if (fclose(f))
            return -1;
    }
    return 0;
}

typedef struct unit {
    double div;
    const char *name;
} unit;

static unit time_unit(double max_ns)
{
    return max_ns >= 2e6 ? (unit){1e6, "ms"} : (unit){1e3, "µs"};
}

static double group_max(const cmp_study *s, uint32_t sc, cmp_metric m)
{
    double x = 0;
    for (uint32_t p = 0; p < cmp_points(s); p++)
        for (uint32_t k = 0; k < s->n_strat; k++) {
            cmp_stat st = cmp_group_stat(s, sc, p, k, m);
            if (st.n && st.max > x)
                x = st.max;
        }
    return x;
}

static void sweep_axis(const cmp_study *s, char *label, size_t len, double *div)
{
    const char *k = s->sweep.key;
    size_t n = strlen(k);
    *div = 1;
    if (strcmp(k, "sink-service-ns") == 0) {
        snprintf(label, len, "sink service time per record, mean (µs)");
        *div = 1e3;
    } else if (strcmp(k, "credits") == 0) {
        snprintf(label, len, "credits per channel (items in flight)");
    } else if (n > 3 && strcmp(k + n - 3, "-ns") == 0) {
        snprintf(label, len, "%.*s (µs)", (int)(n - 3), k);
        *div = 1e3;
    } else {
        snprintf(label, len, "%s", k);
    }
}

static void gp_head(FILE *f)
{
    fputs("set terminal svg size 960,600 dynamic enhanced font 'Sans,15' background rgb 'white'\n"
          "set encoding utf8\nset datafile separator ','\nset grid lc rgb '#dddddd'\n"
          "set key outside right top box opaque spacing 1.2\nset border lw 1.2\nset pointsize 1.2\n",
          f);
}

static void gp_sweep(FILE *f, const char *dir, const cmp_study *s, uint32_t sc)
{
    char xl[128];
    double xdiv;
    sweep_axis(s, xl, sizeof xl, &xdiv);
    unit u = time_unit(group_max(s, sc, CM_CK_P50));
    fprintf(f, "set output '%s-duration-vs-sweep.svg'\nset title 'Checkpoint duration against back-pressure "
               "(%s)'\nset xlabel '%s'\nset ylabel 'checkpoint duration, p50 per run (%s, log scale)'\n"
               "set logscale y\nplot",
            s->scen[sc].name, s->scen[sc].name, xl, u.name);
    bool first = true;
    for (uint32_t k = 0; k < s->n_strat; k++) {
        if (!has_data(dir, s, sc, "sweep", k))
            continue;
        fprintf(f, "%s 'plot-data/%s-sweep-%s.csv' using ($1/%g):($2/%g):($3/%g):($4/%g) with yerrorlines lt %u "
                   "lw 2 title '%s'",
                first ? "" : ",", s->scen[sc].name, s->strategies[k], xdiv, u.div, u.div, u.div, k + 1,
                s->strategies[k]);
        first = false;
    }
    fputs(first ? " NaN notitle\n" : "\n", f);
    fputs("unset logscale y\n", f);
}

static void gp_in_flight(FILE *f, const char *dir, const cmp_study *s, uint32_t sc)
{
    unit u = time_unit(group_max(s, sc, CM_CK_MAX));
    fprintf(f, "set output '%s-duration-vs-in-flight.svg'\nset title 'Checkpoint duration against data in "
               "flight at its start (%s, all runs)'\nset xlabel 'data in flight when the checkpoint started "
               "(KiB)'\nset ylabel 'checkpoint duration (%s, log scale)'\nset logscale y\nplot",
            s->scen[sc].name, s->scen[sc].name, u.name);
    bool first = true;
    for (uint32_t k = 0; k < s->n_strat; k++) {
        if (!has_data(dir, s, sc, "ck", k))
            continue;
        fprintf(f, "%s 'plot-data/%s-ck-%s.csv' using ($1/1024):($2/%g) with points lt %u pt %u ps 0.6 title '%s'",
                first ? "" : ",", s->scen[sc].name, s->strategies[k], u.div, k + 1, 5 + 2 * (k % 4),
                s->strategies[k]);
        first = false;
    }
    fputs(first ? " NaN notitle\n" : "\n", f);
    fputs("unset logscale y\n", f);
}

static void gp_align_side(FILE *f, const char *dir, const cmp_study *s, uint32_t sc, bool hi, unit u)
{
    char pl[96] = "";
    if (s->sweep.n)
        snprintf(pl, sizeof pl, ": %s=%llu", s->sweep.key,
                 (unsigned long long)s->sweep.vals[hi ? s->sweep.n - 1 : 0]);
    fprintf(f, "set title '%s back-pressure%s'\nset xtics (", hi ? "highest" : "lowest", pl);
    for (uint32_t k = 0; k < s->n_strat; k++)
        fprintf(f, "%s'%s' %u", k ? ", " : "", s->strategies[k], k + 1);
    fprintf(f, ") rotate by -30\nset xrange [0.3:%u.7]\nset ylabel 'alignment time per task (%s)'\nplot", s->n_strat,
            u.name);
    bool first = true;
    for (uint32_t k = 0; k < s->n_strat; k++) {
        const char *what = hi ? "align-hi" : "align-lo";
        if (!has_data(dir, s, sc, what, k))
            continue;
        fprintf(f, "%s 'plot-data/%s-%s-%s.csv' using (%u):($1/%g) with boxplot lt %u lw 1.5 fs transparent solid "
                   "0.3 notitle",
                first ? "" : ",", s->scen[sc].name, what, s->strategies[k], k + 1, u.div, k + 1);
        first = false;
    }
    fputs(first ? " NaN notitle\n" : "\n", f);
}

static void gp_align(FILE *f, const char *dir, const cmp_study *s, uint32_t sc)
{
    unit u = time_unit(group_max(s, sc, CM_AL_MAX));
    fprintf(f, "set output '%s-alignment-times.svg'\nset terminal svg size 1200,600 dynamic enhanced "
               "font 'Sans,15' background rgb 'white'\nset style boxplot outliers pointtype 7\n"
               "set style data boxplot\nset pointsize 0.4\nunset key\nset xlabel 'strategy'\n"
               "set multiplot layout 1,2 title 'Alignment time per task and checkpoint (%s; box: quartiles, "
               "whiskers: 1.5 IQR)'\n",
            s->scen[sc].name, s->scen[sc].name);
    gp_align_side(f, dir, s, sc, false, u);
    gp_align_side(f, dir, s, sc, true, u);
    fputs("unset multiplot\nset xtics autofreq norotate\nset autoscale x\nset key outside right top box\n"
          "set pointsize 1.2\n",
          f);
    gp_head(f);
}

/* One panel per strategy, stacked, on a shared time axis and y range: five step lines
 * on one panel hide each other. */
static void gp_buffered(FILE *f, const char *dir, const cmp_study *s, uint32_t sc)
{
    char pl[96] = "";
    if (s->sweep.n)
        snprintf(pl, sizeof pl, ", %s=%llu", s->sweep.key, (unsigned long long)s->sweep.vals[s->sweep.n - 1]);
    uint32_t panels = 0;
    for (uint32_t k = 0; k < s->n_strat; k++)
        panels += has_data(dir, s, sc, "buffered", k);
    fprintf(f, "set output '%s-buffered-over-time.svg'\n", s->scen[sc].name);
    fprintf(f, "set terminal svg size 960,%u dynamic enhanced font 'Sans,15' background rgb 'white'\n",
            210 * (panels ? panels : 1) + 100);
    fprintf(f, "unset key\nset xlabel ''\nset ylabel 'KiB'\nset yrange [0:1<*]\nset ytics font ',12'\n"
               "set multiplot layout %u,1 title 'Buffered for alignment over time (%s%s, seed %llu)'\n",
            panels ? panels : 1, s->scen[sc].name, pl, (unsigned long long)s->seed_base);
    uint32_t done = 0;
    for (uint32_t k = 0; k < s->n_strat; k++) {
        if (!has_data(dir, s, sc, "buffered", k))
            continue;
        if (++done == panels)
            fputs("set xlabel 'simulated time (ms)'\n", f);
        fprintf(f, "set title '%s'\nplot 'plot-data/%s-buffered-%s.csv' using ($1/1e6):($2/1024) with steps "
                   "lt %u lw 1.5 notitle\n",
                s->strategies[k], s->scen[sc].name, s->strategies[k], k + 1);
    }
    if (!panels)
        fputs("plot NaN notitle\n", f);
    fputs("unset multiplot\nset yrange [*:*]\nset ytics font ''\nset key\n", f);
    gp_head(f); /* the default terminal size again, for the next scenario's plots */
}

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

static int run_gnuplot(const char *dir)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(127);
        int fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execlp("gnuplot", "gnuplot", "plots.gp", (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int cmp_plot(const cmp_study *s, const char *dir, char *note, size_t note_len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/plots.gp", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(note, note_len, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fputs("# Written by barriersim compare: run `gnuplot plots.gp` in this directory.\n", f);
    gp_head(f);
    for (uint32_t sc = 0; sc < s->n_scen; sc++) {
        if (s->sweep.n >= 2) {
            if (write_sweep_data(s, dir, sc)) {
                fclose(f);
                snprintf(note, note_len, "cannot write %s/plot-data: %s", dir, strerror(errno));
                return -1;
            }
            gp_sweep(f, dir, s, sc);
        }
        gp_in_flight(f, dir, s, sc);
        gp_align(f, dir, s, sc);
        gp_buffered(f, dir, s, sc);
    }
    if (fclose(f)) {
        snprintf(note, note_len, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    if (!gnuplot_found()) {
        snprintf(note, note_len, "gnuplot is not installed (Debian: apt-get install gnuplot-nox); the data and "
                                 "%s/plots.gp are written: run `gnuplot plots.gp` there once it is",
                 dir);
        return 1;
    }
    int rc = run_gnuplot(dir);
    if (rc != 0) {
        snprintf(note, note_len, "gnuplot failed (exit %d): see %s/gnuplot.log", rc, dir);
        return 1;
    }
    return 0;
}
