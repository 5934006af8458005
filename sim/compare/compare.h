/*
 * compare.h: `barriersim compare`: strategies side by side on simulation scenarios.
 *
 * A study is every (scenario x grid point x strategy x seed) run, plus a baseline per
 * (scenario x grid point x seed) with checkpoints off (no coordinator interval and no
 * scripted barrier or cancel steps; the same seed: the same records at the same emission
 * times until back-pressure differs), which measures the delay that checkpointing adds to
 * record latency. The grid is the product of the sweeps (`--sweep KEY=V,...`, any numeric
 * key of the simulation key table in sim/simscen/keys.c; the first sweep varies slowest).
 *
 * Each run is collected with sim_run_ex's metrics (sim/engine/metrics.h), written at once
 * to the raw outputs (metrics.json with the run's provenance, and the CSVs) and reduced to
 * samples per metric (cmp_run.samples): one per checkpoint, alignment or record inside the
 * measurement window [warm-up, end of run - cool-down), or one per run for run totals.
 * Groups of runs that differ only by seed pool their samples; every figure is a statistic
 * (median, p90, p99, mean) with a 95% bootstrap confidence interval from a two-stage
 * bootstrap (seeds, then samples within a seed), drawn from a PRNG seeded by the study, so
 * the same inputs give the same files byte for byte (cmp_stats.c). Claims come from the
 * scenario files (simscen.h), never from C (cmp_claims.c). summary.md, index.html, the
 * --json summary and the plots (gnuplot, PNG and SVG) are written from the groups.
 *
 * Ownership: a cmp_study owns its runs, their samples and its statistics cache;
 * cmp_study_free releases them. Nothing here reads the wall clock.
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
#define CMP_SWEEP_MAX 16u       /* values per sweep */
#define CMP_SWEEPS_MAX 4u       /* sweeps (grid dimensions) */
#define CMP_POINTS_MAX 256u     /* grid points */
#define CMP_SEEDS_MAX 1000u
#define CMP_BOOTSTRAP_DEFAULT 1000u
#define CMP_LATENCY_KEPT 1024u  /* latency order statistics kept per run */
#define CMP_BASELINE UINT32_MAX /* cmp_run.strategy of a baseline run */

/* The metrics (cmp_metric_get names and units them). POOLED: one sample per checkpoint,
 * alignment or record in the window; RUN: one sample per run. */
typedef enum cmp_metric {
    CM_CK_DURATION,   /* completed checkpoints, end to end */
    CM_ALIGNMENT,     /* per task and checkpoint, triggered alignments */
    CM_CS_TIME,       /* unaligned: t<K> -> d<K> per task */
    CM_HELD,          /* per completed checkpoint: spilled + held in blocked channels (no channel state) */
    CM_CHANNEL_STATE, /* per completed checkpoint: channel-state bytes */
    CM_IN_FLIGHT,     /* per checkpoint: data in flight at its start */
    CM_LATENCY,       /* per record (CMP_LATENCY_KEPT order statistics per run) */
    CM_ADD_P50, CM_ADD_P99,   /* per run: latency p50/p99 minus the same seed's baseline's */
    CM_THROUGHPUT,
    CM_CREDIT_WAIT,
    CM_COMPLETED, CM_DECLINED, CM_TIMED_OUT, CM_ABANDONED, CM_PENDING,
    CM_REPLAYED, CM_RECOVERED, CM_DUPLICATES, CM_RESTARTS, CM_EVENTS,
    /* Flink's checkpoint statistics (sim/engine/metrics.h); per task: acknowledged snapshots */
    CM_START_DELAY,   /* per task: checkpoint start to its first barrier */
    CM_SYNC,          /* per task: synchronous phase */
    CM_ASYNC,         /* per task: asynchronous phase */
    CM_CHECKPOINTED,  /* per completed checkpoint: operator state + persisted in-flight data */
    CM_PERSISTED,     /* per completed checkpoint: persisted in-flight data */
    CM_PROCESSED,     /* per completed checkpoint: processed in-flight data during alignments */
    CM_STATE,         /* per completed checkpoint: operator state */
    CM_METADATA,      /* per completed checkpoint: last acknowledgement to completion */
    CM_COUNT
} cmp_metric;

typedef enum cmp_metric_kind { CMP_POOLED = 0, CMP_PER_RUN } cmp_metric_kind;

typedef struct cmp_metric_info {
    const char *name;  /* units last: "checkpoint_duration_ns" (claims name metrics so) */
    const char *label; /* for people: "checkpoint duration (simulated)" */
    const char *unit;  /* "ns", "bytes", "share", "records/s", "" (a count) */
    cmp_metric_kind kind;
    const char *per;   /* what one sample is: "checkpoint", "alignment", "record", "run" */
} cmp_metric_info;
const cmp_metric_info *cmp_metric_get(cmp_metric m);
/* By name; -1 when unknown. */
int cmp_metric_find(const char *name);

/* The statistics of a group (cmp_stats.c). */
typedef enum cmp_statistic { CS_MEDIAN = 0, CS_P90, CS_P99, CS_MEAN, CS_COUNT } cmp_statistic;
const char *cmp_statistic_name(cmp_statistic s); /* "median", "p90", "p99", "mean" */
int cmp_statistic_find(const char *name);        /* -1 when unknown */

/* One sweep: a simulation key (sim/simscen/keys.c) and its values. */
typedef struct cmp_sweep {
    const simscen_key *key;
    uint32_t n;
    uint64_t vals[CMP_SWEEP_MAX];
} cmp_sweep;
/* Parses "KEY=V1,V2,..." (values in the key's range); 0, or -1 with a message naming what is
 * wrong (an unknown or non-numeric key lists the numeric ones). */
int cmp_sweep_parse(const char *arg, cmp_sweep *out, char *err, size_t err_len);
/* Adds a sweep to a grid: -1 with a message when its key is already swept or the grid
 * would exceed CMP_SWEEPS_MAX sweeps or CMP_POINTS_MAX points. */
int cmp_grid_add(cmp_sweep *grid, uint32_t *n, const cmp_sweep *sw, char *err, size_t err_len);

typedef struct cmp_samples {
    double *v;        /* sorted ascending */
    uint32_t n;
} cmp_samples;

typedef struct cmp_run {
    uint32_t scenario, point, strategy; /* indices; strategy CMP_BASELINE for a baseline */
    uint64_t seed;
    sim_outcome outcome;
    char message[1024];
    uint64_t trace_hash;
    uint64_t lat_p50_ns, lat_p99_ns;    /* in the window; for the added latency */
    bool has_lat;
    cmp_samples samples[CM_COUNT];      /* n == 0: not measured */
    /* over time, on the grid series_grid_ns from 0 (cmp_plot_collect): held for alignment
     * (spilled + blocked) and pending channel state, bytes */
    double *held_t, *cs_t;
    uint32_t n_t;
    uint64_t series_grid_ns;
} cmp_run;

typedef struct cmp_stat {
    uint32_t n, runs;                   /* samples and runs behind it; n == 0: not measured */
    double est[CS_COUNT];               /* the statistic of the pooled samples */
    double lo[CS_COUNT], hi[CS_COUNT];  /* 95% bootstrap interval */
} cmp_stat;

typedef struct cmp_study {
    const char *scenario_paths[CMP_SCENARIOS_MAX];
    simscen *scen;                      /* n_scen loaded scenarios */
    uint32_t n_scen;
    const char *strategies[CMP_STRATEGIES_MAX];
    uint32_t n_strat;
    uint64_t seeds, seed_base;
    bool seed_base_set;
    cmp_sweep sweep[CMP_SWEEPS_MAX];    /* the grid; n_sweeps == 0: one point, the file's */
    uint32_t n_sweeps;
    uint64_t warmup_ns, cooldown_ns;    /* the measurement window */
    uint32_t bootstrap;                 /* resamples (0: no intervals) */
    uint64_t bootstrap_seed;
    const char *argv0;                  /* for the reproduce commands */
    cmp_run *runs;
    size_t n_runs, cap_runs;
    uint32_t violations;
    cmp_stat *cache;                    /* lazily: per (scenario, point, strategy+1, metric) */
    bool *cached;
} cmp_study;

void cmp_study_free(cmp_study *s);
/* Points of the grid (1 without a sweep). */
uint32_t cmp_points(const cmp_study *s);
/* The value of sweep `dim` at grid point `p`. */
uint64_t cmp_point_value(const cmp_study *s, uint32_t p, uint32_t dim);
/* "sink-service-ns=500, credits=8" (or "as in the file"). */
void cmp_point_label(const cmp_study *s, uint32_t p, char *out, size_t len);
/* The same for a reader: values in human units, the unit's suffix dropped from the key
 * ("alignment-timeout 5 µs, segment-size 4 KiB"); plots' panel titles use it. */
void cmp_point_label_human(const cmp_study *s, uint32_t p, char *out, size_t len);
/* A key's name without its unit's suffix ("alignment-timeout-ns" -> "alignment-timeout"),
 * for beside a value printed in human units. */
void cmp_key_short_name(const simscen_key *k, char *out, size_t len);
/* The point whose sweep values are vals (n_sweeps of them); -1 when there is none. */
int cmp_point_find(const cmp_study *s, const uint64_t *vals);
/* The strategy's index, or -1. */
int cmp_strategy_index(const cmp_study *s, const char *name);

/* The configuration of one run (the scenario's, the point's values and the strategy; a
 * baseline: no checkpoints at all, scripted barrier and cancel steps removed into
 * steps_buf, which must hold SIMSCEN_STEPS_MAX steps and outlive the run). */
void cmp_config(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, sim_config *cfg,
                sim_step *steps_buf);

/* Reduces one run's result and metrics to its samples inside the study's window (the
 * baseline, when given, sets the added-latency samples). -1 when out of memory. */
int cmp_reduce(const cmp_study *s, const sim_result *r, const sim_metrics *m, const cmp_run *baseline,
               cmp_run *out);
void cmp_run_free(cmp_run *r);

/* ---- statistics (cmp_stats.c) ----------------------------------------------------------- */
/* The pooled statistics of (scenario, point, strategy or CMP_BASELINE, metric), cached. */
const cmp_stat *cmp_group(cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m);
/* Bootstrap replicates of one statistic of a group into out[0 .. s->bootstrap-1] (for
 * claims comparing two groups); `stream` separates the PRNG streams of callers. Returns
 * the number written (0 when the group is empty). */
uint32_t cmp_group_replicates(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m,
                              cmp_statistic st, uint64_t stream, double *out);
/* The statistic of sorted values (nearest-rank quantiles, as everywhere in barriersim). */
double cmp_stat_of_sorted(const double *v, uint32_t n, cmp_statistic st);

/* ---- claims (cmp_claims.c) -------------------------------------------------------------- */
typedef enum cmp_verdict { CMP_HOLDS = 0, CMP_FAILS, CMP_INCONCLUSIVE, CMP_NOT_TESTED } cmp_verdict;
const char *cmp_verdict_name(cmp_verdict v); /* "holds", "fails", "inconclusive", "not tested" */

typedef struct cmp_claim_result {
    uint32_t scenario, claim;           /* the claim: s->scen[scenario].claims[claim] */
    cmp_verdict verdict;
    char evidence[2048];                /* per point: the estimate, its 95% CI and n */
} cmp_claim_result;
/* Checks every claim's names against the study (metric, statistic, strategies, keys):
 * 0, or -1 with "file:line:col: what is wrong". */
int cmp_claims_validate(const cmp_study *s, char *err, size_t err_len);
/* Evaluates every claim of every scenario; returns how many (out may be NULL to count). */
uint32_t cmp_claims_eval(cmp_study *s, cmp_claim_result *out, uint32_t max);

/* ---- raw outputs (cmp_write.c) ---------------------------------------------------------- */
typedef struct cmp_out {
    FILE *json, *runs, *cks, *als, *buf;
    bool first_run;
} cmp_out;
/* Opens DIR/metrics.json and DIR/{runs,checkpoints,alignments,buffered}.csv and writes
 * their headers; 0, or -1 with a message. */
int cmp_out_open(cmp_out *o, const char *dir, const cmp_study *s, char *err, size_t err_len);
/* Writes one run: its provenance, its row, its checkpoints, alignments and samples. */
void cmp_out_run(cmp_out *o, const cmp_study *s, const cmp_run *r, const sim_config *cfg, const sim_metrics *m);
/* Finishes metrics.json (with the summary) and closes everything; 0, or -1 with a message. */
int cmp_out_close(cmp_out *o, cmp_study *s, char *err, size_t err_len);
/* Writes a CSV field (quoted when needed). */
void cmp_csv_str(FILE *f, const char *s);
/* The command that reproduces one run (one point, one strategy, one seed). */
void cmp_repro_command(const cmp_study *s, const cmp_run *r, char *out, size_t len);
/* The binary's version string (git describe at build time, or "unknown"). */
const char *cmp_version(void);

/* ---- documents (cmp_doc.c) -------------------------------------------------------------- */
/* summary.md */
void cmp_write_markdown(FILE *f, cmp_study *s, bool plots, const char *plot_note);
/* The summary as one JSON object (for --json and metrics.json). */
void cmp_write_summary_json(FILE *f, cmp_study *s);
/* index.html: the plots and the summary; self-contained (no network). */
void cmp_write_html(FILE *f, cmp_study *s, bool plots, const char *plot_note);
/* "22.5 µs [21.0, 24.1]" for statistic st, or "–" when nothing was measured. */
void cmp_stat_cell(const cmp_stat *st, cmp_statistic which, const char *unit, char *out, size_t len);
/* A value in a readable unit: "1.25 ms", "830 µs", "12.0 KiB", "0.31". */
void cmp_human(double v, const char *unit, char *out, size_t len);

/* ---- plots (cmp_plot.c) ----------------------------------------------------------------- */
/* Writes DIR/plot-data/ and DIR/plots.gp, then runs gnuplot to make the PNGs and SVGs in
 * DIR. Returns 0 when drawn, 1 when gnuplot is missing or failed (why in note), -1 when a
 * file cannot be written (note). */
int cmp_plot(cmp_study *s, const char *dir, char *note, size_t note_len);
/* Keeps what the over-time plots need from one run in r (its series); -1 when out of memory. */
int cmp_plot_collect(const cmp_study *s, const char *dir, cmp_run *r, const sim_metrics *m);
/* The plot files (without extension) for scenario i, in display order; returns how many. */
uint32_t cmp_plot_files(const cmp_study *s, uint32_t scen, char names[][160], char titles[][256], uint32_t max);

#endif
