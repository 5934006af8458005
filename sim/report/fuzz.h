/*
 * fuzz.h: running many seeds of the built-in randomized configurations (swarm.h) and
 * keeping the totals CI needs; shrinking a failing seed's configuration. The verbs
 * `fuzz`, `soak` and `replay` (sim/cli/) are thin shells around these functions, so the
 * unit tests drive the same code.
 *
 * Seeds are run in increasing order. A seed range [seed_base, seed_base + seeds) split
 * with shard K of N keeps the seeds s with s % N == K, so the N shards of one range
 * partition it, and merging their reports (report.h) gives the unsharded totals.
 * Nothing here prints; the loop reads the monotonic clock only for the time budget and
 * the figures (never inside a simulation).
 */
#ifndef SIM_REPORT_FUZZ_H
#define SIM_REPORT_FUZZ_H

#include "../engine/sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUZZ_FAILURES_KEPT 1000 /* failures listed in a report; more are only counted */
#define FUZZ_SHARDS_MAX 4096

typedef struct fuzz_opts {
    const char *strategy;      /* a strategy name or "any" (SWARM_ANY) */
    uint64_t seed_base;
    uint64_t seeds;            /* the range's length; with seconds > 0, 0 means unbounded */
    double seconds;            /* a time budget; 0: run the whole range */
    uint32_t shard, shards;    /* shard K of N; N = 1: everything */
    bool check_determinism;    /* run every seed twice and compare trace hashes */
    uint64_t max_events;       /* per seed; 0: the engine's default */
    const char *faults;        /* fault kinds seeds may switch on: "all" (NULL), "none" or
                                  a list (swarm_faults_parse); must be valid */
    sim_plant plant;           /* test-only: a planted simulation bug (SIM_PLANT_NONE) */
    const char *network;       /* records (NULL), bytes or any (swarm_draw_network) */
    const char *costs;         /* off (NULL), on or any (swarm_draw_costs) */
    const char *topology;      /* chain (NULL), two-input or any (swarm_draw_topology) */
    const char *prog;          /* the program name for reproduce commands (NULL: barriersim) */
} fuzz_opts;

/* Sums over seeds: merging shards adds them up field by field. */
typedef struct fuzz_totals {
    uint64_t seeds, passed, failed;
    uint64_t events;
    uint64_t checkpoints_started, checkpoints_completed, checkpoints_declined, checkpoints_timed_out;
    uint64_t checkpoints_abandoned; /* ended by an overlap or a restart */
    uint64_t records_delivered;
    uint64_t faults_fired, restarts;
    uint64_t hash_sum;         /* the trace hashes added up (mod 2^64): order-free */
    double seconds;            /* wall-clock time spent running seeds (not deterministic) */
} fuzz_totals;

typedef struct fuzz_failure {
    uint64_t seed;
    char kind[16];             /* "violation", "error" or "nondeterminism" */
    char invariant[64];        /* e.g. "exactly-once", "consistent cut", "deadlock" */
    char message[1024];
    char shrunk[512];          /* the path of the shrunk reproduction, or "" */
} fuzz_failure;

typedef struct fuzz_report {
    char strategy[64];
    uint64_t seed_base, seeds_requested;
    double seconds_requested;
    uint32_t shards;           /* the shard count of the runs in this report, <= FUZZ_SHARDS_MAX */
    uint64_t shard_bits[64];   /* bit K: shard K's seeds are in this report */
    bool check_determinism;
    uint64_t max_events;       /* per seed; 0: the engine's default */
    char faults[160];          /* the fault kinds allowed ("all", "none" or a list) */
    char plant[32];            /* the planted simulation bug, "none" normally */
    char network[16];          /* the network model: "records", "bytes" or "any" */
    char costs[8];             /* checkpoint costs: "off", "on" or "any" */
    char topology[12];         /* "chain", "two-input" or "any" */
    fuzz_totals totals;
    fuzz_failure *failures;    /* sorted by seed; owned */
    size_t n_failures, cap_failures;
    uint64_t failures_unlisted; /* failures beyond FUZZ_FAILURES_KEPT */
} fuzz_report;

/* The outcome of one seed. */
typedef struct fuzz_seed {
    sim_config cfg;
    sim_result res;
    bool failed;
    fuzz_failure failure;      /* valid when failed (shrunk = "") */
} fuzz_seed;

/* The first seed >= from that belongs to shard `shard` of `shards`; false when none
 * exists below 2^64. */
bool fuzz_shard_first(uint64_t from, uint32_t shard, uint32_t shards, uint64_t *out);

/* Extracts the invariant's name from an engine message ("t=.. event N: who: [step N: ]
 * name: details") into out; "error" style messages give their first phrase. */
void fuzz_invariant_name(const char *message, char *out, size_t out_len);

/* The event number in an engine message, or 0. */
uint64_t fuzz_message_event(const char *message);

/*
 * Runs seed `seed` of configuration cfg (twice when check_determinism) and classifies it.
 * Returns 0, or BS_ENOMEM. An invalid configuration counts as a failure ("error").
 */
int fuzz_run_config(const sim_config *cfg, uint64_t seed, bool check_determinism, fuzz_seed *out);

/* Draws seed `seed`'s configuration as fuzz does (swarm_draw_faults with o->faults and
 * o->max_events) into *cfg. */
void fuzz_draw(const fuzz_opts *o, uint64_t seed, sim_config *cfg);

/* Draws seed `seed`'s configuration (fuzz_draw) and runs it. */
int fuzz_run_seed(const fuzz_opts *o, uint64_t seed, fuzz_seed *out);

void fuzz_report_init(fuzz_report *r, const fuzz_opts *o);
void fuzz_report_free(fuzz_report *r);
/* Adds one seed's outcome to the totals and, when it failed, to the failure list
 * (kept sorted by seed). 0 or BS_ENOMEM. */
int fuzz_report_add(fuzz_report *r, uint64_t seed, const fuzz_seed *s);
/* Adds a whole failure record (used by merge). 0 or BS_ENOMEM. */
int fuzz_report_add_failure(fuzz_report *r, const fuzz_failure *f);

/* Called after every seed; return false to stop early. */
typedef bool (*fuzz_progress_fn)(void *ctx, const fuzz_report *r, uint64_t seed, const fuzz_seed *s);

/* Runs the seeds o selects, in increasing order, into r (fuzz_report_init is done here).
 * Returns 0 or BS_ENOMEM (r is then still valid and must be freed). */
int fuzz_loop(const fuzz_opts *o, fuzz_report *r, fuzz_progress_fn progress, void *ctx);

/* ---- shrinking ------------------------------------------------------------------------ */
typedef struct fuzz_shrink_stats {
    unsigned runs, accepted;
    uint64_t events_before, events_after;
} fuzz_shrink_stats;

/*
 * Starting from cfg (which fails at `seed` with invariant `invariant`), tries smaller
 * variants: fewer records, sources, tasks per stage, stages and checkpoints, forward
 * instead of all-to-all links, fewer fault slots and fault kinds, keeping each that still
 * fails with the same invariant (a run cut short by max-events never counts). Variants
 * are tried at the current seed first; when none fails there, at 3 other seeds derived
 * from it. Finally a max-events bound at the failing event. At most `max_runs` runs.
 * Writes the smallest failing configuration to *best and its seed to *best_seed (cfg and
 * seed when nothing smaller fails). Returns 0 or BS_ENOMEM.
 */
int fuzz_shrink(const sim_config *cfg, uint64_t seed, const char *invariant, unsigned max_runs,
                sim_config *best, uint64_t *best_seed, fuzz_shrink_stats *stats);

#endif
