/*
 * compare.h: `barriersim compare`: strategies side by side on simulation scenarios.
 *
 * A study is every (scenario x sweep point x strategy x seed) run, plus a baseline per
 * (scenario x sweep point x seed) with checkpoints off (the same seed: the same records
 * at the same emission times until back-pressure differs), which measures the delay that
 * checkpointing adds to record latency. Each run is collected with sim_run_ex's metrics
 * (sim/engine/metrics.h), written at once to the raw outputs (metrics.json and the CSVs,
 * one row per observation) and reduced to one row of scalars (cmp_run); groups of runs
 * that differ only by seed are summarised as median, min and max (cmp_stat), from which
 * summary.md, the --json summary, the verdicts on the published behaviours, the plots
 * (gnuplot SVG) and index.html are written.
 *
 * Ownership: a cmp_study owns its runs; cmp_study_free releases them. Nothing here reads
 * the wall clock; the files depend only on the inputs, seeds and binary.
 */
#ifndef SIM_COMPARE_COMPARE_H
#define SIM_COMPARE_COMPARE_H

#include "../engine/metrics.h"
#include "../engine/sim.h"
#include "../simscen/simscen.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CMP_SCENARIOS_MAX 16u
#define CMP_STRATEGIES_MAX 8u
#define CMP_SWEEP_MAX 16u
#define CMP_SEEDS_MAX 1000u
#define CMP_BASELINE UINT32_MAX /* cmp_run.strategy of a baseline run */

/* The scalars of one run (cmp_metric_info names and units them). */
typedef enum cmp_metric {
    CM_CK_P50, CM_CK_P90, CM_CK_MAX,             /* completed checkpoints' durations */
    CM_AL_P50, CM_AL_P99, CM_AL_MAX,             /* triggered alignments */
    CM_CS_P50,                                   /* unaligned: t<K> -> d<K> */
    CM_BUFFERED, CM_CHANNEL_STATE,               /* per completed checkpoint, mean */
    CM_IN_FLIGHT, CM_CREDIT_WAIT,                /* back-pressure */
    CM_LAT_P50, CM_LAT_P99, CM_LAT_P999, CM_LAT_MAX, CM_LAT_MEAN,
    CM_ADD_P50, CM_ADD_P99,                      /* latency minus the baseline's */
    CM_THROUGHPUT,
    CM_COMPLETED, CM_DECLINED, CM_TIMED_OUT, CM_ABANDONED, CM_PENDING,
    CM_DECL_SUBSUMED, CM_DECL_CANCELLED, CM_DECL_EOP, CM_DECL_LIMIT, CM_DECL_TIMEOUT,
    CM_REPLAYED, CM_RECOVERED, CM_DUPLICATES, CM_RESTARTS, CM_EVENTS,
    CM_COUNT
} cmp_metric;

typedef struct cmp_metric_info {
    const char *name;  /* column name, units last: "checkpoint_duration_p50_ns" */
    const char *label; /* for people: "checkpoint duration p50" */
    const char *unit;  /* "ns", "bytes", "share", "records/s", "" (a count) */
} cmp_metric_info;
const cmp_metric_info *cmp_metric_get(cmp_metric m);

/* Sweepable keys: the simulation key and how it sets a configuration. */
typedef struct cmp_sweep {
    char key[48];
    uint32_t n;
    uint64_t vals[CMP_SWEEP_MAX];
} cmp_sweep;
/* Parses "KEY=V1,V2,..."; 0, or -1 with a message naming what is wrong. */
int cmp_sweep_parse(const char *arg, cmp_sweep *out, char *err, size_t err_len);
/* Applies key=val to cfg; false for an unknown key. */
bool cmp_sweep_apply(const char *key, uint64_t val, sim_config *cfg);
/* The sweepable keys, comma-separated, for messages. */
const char *cmp_sweep_keys(void);

typedef struct cmp_run {
    uint32_t scenario, sweep, strategy; /* indices; strategy CMP_BASELINE for a baseline */
    uint64_t seed;
    sim_outcome outcome;
    char message[1024];
    bool has[CM_COUNT];                 /* false: not measured (no such observation) */
    double v[CM_COUNT];
} cmp_run;

typedef struct cmp_study {
    const char *scenario_paths[CMP_SCENARIOS_MAX];
    simscen *scen;                      /* n_scen loaded scenarios */
    uint32_t n_scen;
    const char *strategies[CMP_STRATEGIES_MAX];
    uint32_t n_strat;
    uint64_t seeds, seed_base;
    bool seed_base_set;
    cmp_sweep sweep;                    /* n == 0: no sweep (one point: the file's value) */
    uint64_t alignment_timeout_ns;      /* the timeout aligned-timeout runs used (0: none) */
    cmp_run *runs;
    size_t n_runs, cap_runs;
    uint32_t violations;
} cmp_study;

void cmp_study_free(cmp_study *s);
/* Points of the sweep (1 without one). */
static inline uint32_t cmp_points(const cmp_study *s) { return s->sweep.n ? s->sweep.n : 1; }

/* The configuration of one run (scenario's, strategy and sweep point applied; a baseline:
 * checkpoints off). */
void cmp_config(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, sim_config *cfg);

/* Reduces one run's result and metrics to its row (the baseline, when given, sets the
 * added-latency columns). */
void cmp_reduce(const sim_result *r, const sim_metrics *m, const cmp_run *baseline, cmp_run *out);

/* ---- raw outputs (cmp_write.c) ---------------------------------------------------------- */
typedef struct cmp_out {
    FILE *json, *runs, *cks, *als, *buf;
    bool first_run;
} cmp_out;
/* Opens DIR/metrics.json and DIR/{runs,checkpoints,alignments,buffered}.csv and writes
 * their headers; 0, or -1 with a message. */
int cmp_out_open(cmp_out *o, const char *dir, const cmp_study *s, char *err, size_t err_len);
/* Writes one run: its row, its checkpoints, alignments and samples. */
void cmp_out_run(cmp_out *o, const cmp_study *s, const cmp_run *r, const sim_metrics *m);
/* Finishes metrics.json (with the summary) and closes everything; 0, or -1 with a message. */
int cmp_out_close(cmp_out *o, const cmp_study *s, char *err, size_t err_len);
/* Writes a CSV field (quoted when needed). */
void cmp_csv_str(FILE *f, const char *s);

/* ---- summary (cmp_summary.c) ------------------------------------------------------------ */
typedef struct cmp_stat {
    uint32_t n;                         /* runs with the metric measured */
    double median, min, max;
} cmp_stat;
/* Over the seeds of (scenario, point, strategy). */
cmp_stat cmp_group_stat(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m);

typedef enum cmp_verdict_state { CMP_NOT_TESTED = 0, CMP_REPRODUCED, CMP_NOT_REPRODUCED } cmp_verdict_state;
typedef struct cmp_verdict {
    const char *claim;
    cmp_verdict_state state;
    char evidence[1024];
} cmp_verdict;
#define CMP_VERDICTS 4
/* The study's verdicts: durations from scenarios without restores (when there are any),
 * duplicates from scenarios with them. */
void cmp_verdicts(const cmp_study *s, cmp_verdict out[CMP_VERDICTS]);
const char *cmp_verdict_state_name(cmp_verdict_state v);

/* summary.md */
void cmp_write_markdown(FILE *f, const cmp_study *s, bool plots, const char *plot_note);
/* The summary as one JSON object (for --json and metrics.json). */
void cmp_write_summary_json(FILE *f, const cmp_study *s);
/* index.html: the plots and the summary; self-contained (no network). */
void cmp_write_html(FILE *f, const cmp_study *s, bool plots, const char *plot_note);
/* A statistic as "median (min–max)" in a readable unit; "–" when nothing was measured. */
void cmp_stat_cell(const cmp_stat *st, const char *unit, char *out, size_t len);
/* A value in a readable unit: "1.25 ms", "830 us", "12.0 KiB", "0.31". */
void cmp_human(double v, const char *unit, char *out, size_t len);

/* ---- plots (cmp_plot.c) ----------------------------------------------------------------- */
/* Writes DIR/plot-data/ and DIR/plots.gp, then runs gnuplot to make the SVGs in DIR. Returns 0
 * when the SVGs were drawn, 1 when gnuplot is missing or failed (why in note), -1 when a
 * file cannot be written (err). */
int cmp_plot(const cmp_study *s, const char *dir, char *note, size_t note_len);
/* Appends what the plots need from one run (alignment times, checkpoints, samples). */
int cmp_plot_collect(const cmp_study *s, const char *dir, const cmp_run *r, const sim_metrics *m);
/* The names of the SVG files for scenario i, in display order; returns how many. */
uint32_t cmp_plot_files(const cmp_study *s, uint32_t scen, char names[][128], const char *titles[], uint32_t max);

#endif
