/*
 * simscen.h: simulation scenario files (issue 3, point 6): a YAML file holding a topology,
 * a strategy, a seed, scripted and random faults and an expectation, run by sim_run.
 *
 * A file is a simulation scenario when its document is a mapping with a top-level
 * `simulation:` key (handler-level files have `input:` instead). Loading reuses the
 * handler-level loader's toolkit (sim/scenario/loader.h): the bytes are screened in this
 * process, then parsed by libfyaml and validated in a forked child; every error reads
 * "file:line:col: what is wrong", with did-you-mean for misspelt keys and names.
 *
 * Format (every key but name, strategy and simulation is optional; an absent key keeps
 * sim_config_default()'s value):
 *   name: letters-digits-and-dashes
 *   description: free text
 *   strategy: spill | tracker | ...
 *   seed: 42                                   (default 1)
 *   plant: none | early-complete | wrong-offsets | drop-replayed   (test only)
 *   simulation:
 *     sources, records-per-source, stages, parallelism, credits, payload-bytes,
 *     link: all-to-all | forward | rebalance | hash | broadcast, or a sequence of them (one
 *       per stage); key-count, key-skew (Zipf exponent x 1000) with a hash link,
 *     latency-ns: {min, mean, max}, service-ns: {min, mean, max} (every stage),
 *     source-interval-ns, checkpoint-interval-ns, checkpoint-timeout-ns,
 *     max-buffered-bytes, max-events, max-restarts, alignment-timeout-ns (aligned-timeout)
 *     service-ns may also be a sequence of {min, mean, max}, one per stage
 *     network: records (default) | bytes   the network model (docs/simulation-network.md);
 *       with bytes (Flink's credit-based flow control; `credits` is then an error):
 *       segment-size (32768), buffers-per-channel (2), floating-buffers-per-gate (8),
 *       max-buffers-per-channel (10), buffer-timeout-ns (100 ms; 0: flush every record),
 *       credit-latency-ns: {min, mean, max} (default: as latency-ns)
 *   bounds: {checkpoint-ns, stall-ns, spill-bytes, open-files}
 *   faults: [{kind: eop|skip|overlap|cancel|timeout|write-error|enospc|short-write|
 *             read-error|corrupt|truncate|fail|reorder, target: N, at-ns: T, checkpoint: K, arg: A}]
 *     (reorder: source N holds b<K> back; at-ns after K starts the coordinator starts K+1,
 *      and N sends b<K+1>, then b<K>: a newer barrier overtakes an older one)
 *   random-faults: {KIND: PPM, ..., draws: N}
 *   guarantee: exactly-once | at-least-once   the sinks' final state is held to it (default:
 *            the strategy's own; a tracker held to exactly-once fails with "final state:
 *            not exactly-once after a restore" once a restore replays a record it counted)
 *   schedule:                                 scripted sources instead of random ones
 *     src0:                                   every source, by name, its steps in order
 *       - records: 3                          3 records, source-interval-ns apart
 *       - barrier: 1                          b1 on every output; the first b1 starts
 *                                             checkpoint 1 (a newer id abandons the pending one)
 *       - {at: 120us, records: 2}             at a simulated time (ns, us, ms, s), or as soon
 *                                             as the source is free after it; no `at`: a records
 *                                             step follows source-interval-ns after the
 *                                             previous step, any other step at once
 *       - cancel: 1                           x1 on every output
 *       - fault: {kind: fail, target: 5}      a fault fired here (once a run; no at-ns or
 *                                             checkpoint; skip and reorder are written as steps:
 *                                             leave b<K> out, or list b<K+1> before b<K>)
 *       - eop                                 the partition ends (eop follows the last step anyway)
 *     With a schedule there is no checkpoint interval, and the records steps decide the
 *     records: `checkpoint-interval-ns` and `records-per-source` are errors. Each `at` must
 *     not be earlier than the source's previous one. After a restart a source resumes at the
 *     step holding its restored offset (fault steps do not fire again).
 *   expect: {violation: <substring of the violation message> | none,
 *            checkpoints-completed-min: N, restarts-min: N, faults-fired-min: N,
 *            exact counts: checkpoints-completed: N, checkpoints-declined: N,
 *            checkpoints-timed-out: N, checkpoints-abandoned: N, restarts: N}
 */
#ifndef SIM_SIMSCEN_SIMSCEN_H
#define SIM_SIMSCEN_SIMSCEN_H

#include "../engine/sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIMSCEN_FAULTS_MAX 256u
#define SIMSCEN_STEPS_MAX 1024u
/* expect's exact counts: checkpoints-completed, -declined, -timed-out, -abandoned, restarts */
enum { SIMSCEN_EXACT = 5 };
#define SIMSCEN_UNCHECKED UINT64_MAX
#define SIMSCEN_DESC_MAX 1024u

/*
 * Studies (claims.c; the format is docs/compare.md): a scenario file may carry a `study:`
 * mapping (what `compare FILE` runs when no flag says otherwise) and `claims:`, the
 * published behaviours the study tests, each with its source. `run` ignores both.
 */
#define SIMSCEN_CLAIMS_MAX 16u
#define SIMSCEN_AT_MAX 4u
#define SIMSCEN_STUDY_STRATEGIES_MAX 8u
#define SIMSCEN_STUDY_SWEEPS_MAX 4u
#define SIMSCEN_STUDY_VALUES_MAX 16u

typedef struct simscen_pos {
    uint32_t line, col;
} simscen_pos;

typedef struct simscen_at {          /* one `KEY: VALUE` of a point selector */
    char key[48];
    uint64_t value;
    simscen_pos pos;
} simscen_at;

typedef struct simscen_side {        /* a group: a strategy at the points selected */
    char strategy[32];               /* "" (to: the claim's own) */
    simscen_pos strategy_pos;
    uint32_t n_at;
    simscen_at at[SIMSCEN_AT_MAX];
} simscen_side;

typedef enum simscen_cmp { SIMSCEN_CMP_VALUE = 0, SIMSCEN_CMP_RATIO, SIMSCEN_CMP_DIFFERENCE } simscen_cmp;
typedef enum simscen_op { SIMSCEN_OP_LT = 0, SIMSCEN_OP_LE, SIMSCEN_OP_GT, SIMSCEN_OP_GE } simscen_op;

typedef struct simscen_claim {
    char text[512];                  /* `claim:` what is claimed */
    char source[512];                /* `source:` who states it (required) */
    char metric[64];                 /* `metric:` a compare metric name (docs/compare.md) */
    char statistic[16];              /* `statistic:` median (default), p90, p99, mean */
    simscen_side of;                 /* `strategy:` and `at:` */
    simscen_cmp compare;             /* `compare:` value (default), ratio, difference */
    simscen_side to;                 /* `to:` {strategy, at} (ratio, difference) */
    simscen_op op;                   /* `holds-if: "OP NUMBER [* KEY]"` */
    double threshold;
    char threshold_key[48];          /* "" or: threshold times this key's value at the point */
    simscen_pos pos, metric_pos, statistic_pos, holds_pos;
} simscen_claim;

typedef struct simscen_study {
    bool given;
    char strategies[SIMSCEN_STUDY_STRATEGIES_MAX][32];
    uint32_t n_strategies;           /* 0: not given */
    uint64_t seeds;                  /* 0: not given */
    bool warmup_given, cooldown_given;
    uint64_t warmup_ns, cooldown_ns;
    uint32_t n_sweeps;
    char sweep_key[SIMSCEN_STUDY_SWEEPS_MAX][48];
    uint32_t n_values[SIMSCEN_STUDY_SWEEPS_MAX];
    uint64_t values[SIMSCEN_STUDY_SWEEPS_MAX][SIMSCEN_STUDY_VALUES_MAX];
    simscen_pos sweep_pos[SIMSCEN_STUDY_SWEEPS_MAX];
} simscen_study;

typedef struct simscen {
    char path[512];
    char name[128];
    char description[SIMSCEN_DESC_MAX];
    char strategy[32];
    uint64_t seed;
    sim_config cfg;                 /* cfg.strategy -> a static name, cfg.faults -> faults */
    sim_fault faults[SIMSCEN_FAULTS_MAX];
    sim_step steps[SIMSCEN_STEPS_MAX];  /* cfg.steps -> steps (schedule.c) */
    char expect_violation[128];     /* "" : the run must be clean */
    uint64_t expect_checkpoints_min, expect_restarts_min, expect_faults_fired_min;
    uint64_t expect_exact[SIMSCEN_EXACT];  /* exact counts, SIMSCEN_UNCHECKED when not given */
    simscen_study study;
    simscen_claim claims[SIMSCEN_CLAIMS_MAX];
    uint32_t n_claims;
} simscen;

/*
 * The `simulation:` keys (keys.c): one table, read by the loader and by `compare --sweep`.
 * NUMBER: a whole number in [min, max] at `offset` (`width` 4 or 8 bytes); DIST: a
 * {min, mean, max} distribution at `offset` (a number sets its mean, widening min and max
 * to hold it); BOOL: true or false (0 or 1 when swept) at `offset`; OPTION: a strategy option (core/bs_strategy.h), named by its descriptor; LINK, SERVICES: structured values the loader reads itself (SERVICES also has
 * get/set: the mean of every stage); SWEEP_ONLY: not a file key, only swept (get/set).
 */
typedef enum simscen_key_kind {
    SIMSCEN_KEY_NUMBER = 0,
    SIMSCEN_KEY_DIST,
    SIMSCEN_KEY_LINK,
    SIMSCEN_KEY_SERVICES,
    SIMSCEN_KEY_SWEEP_ONLY,
    SIMSCEN_KEY_OPTION,     /* a strategy option: name, unit and range from its descriptor */
    SIMSCEN_KEY_NETWORK,    /* the network model's name: records | bytes */
    SIMSCEN_KEY_BOOL,       /* true | false in a file, 1 | 0 swept; a bool at `offset` */
    SIMSCEN_KEY_HETERO,     /* per-node or per-channel overrides (`slot`: sim_hetero_kind) */
    SIMSCEN_KEY_TWO_INPUT,  /* two-input stages: {s2: {inputs: [s1, s0], link: hash}} */
} simscen_key_kind;

#define SIMSCEN_KEYS_MAX 64u

typedef struct simscen_key {
    const char *name;       /* "credits" */
    const char *unit;       /* "ns", "bytes", "records", "" (a count) */
    const char *what;       /* for people: "credits per channel" */
    simscen_key_kind kind;
    uint64_t min, max;      /* the range of a number (a distribution's mean) */
    size_t offset;          /* NUMBER, DIST: where in sim_config */
    unsigned width;         /* NUMBER: 4 or 8; BOOL: 1 */
    uint64_t (*get)(const sim_config *c);   /* optional: overrides offset */
    void (*set)(sim_config *c, uint64_t v); /* optional: overrides offset */
    unsigned slot;          /* OPTION: its bs_option_slot (0, or min .. max) */
} simscen_key;

/* Row i of the table (in loading order), NULL past the end. */
const simscen_key *simscen_key_at(size_t i);
/* The row named `name`, or NULL. */
const simscen_key *simscen_key_find(const char *name);
/* Has a numeric value that can be read and set (swept). */
bool simscen_key_numeric(const simscen_key *k);
/* True for a key of the byte network (it writes into sim_config.net): it needs
 * `network: bytes`. */
bool simscen_key_bytes_only(const simscen_key *k);
/* True for a checkpoint-cost key: a NUMBER row that writes into sim_config.costs. */
bool simscen_key_cost(const simscen_key *k);
uint64_t simscen_key_get(const simscen_key *k, const sim_config *c);
/* Sets v (range-checked): 0, or -1 with "key: V is out of range (min .. max)" in err. */
int simscen_key_set(const simscen_key *k, sim_config *c, uint64_t v, char *err, size_t err_len);
/* The numeric keys, comma-separated, into out; returns how many. */
size_t simscen_keys_numeric(char *out, size_t len);

/* Loads `path`. 0: a simulation scenario, in *out; 1: not a simulation scenario (or not
 * readable / not YAML: the handler-level loader reports it); -1: a malformed simulation
 * scenario, "path:line:col: message" in err. */
int simscen_load(const char *path, simscen *out, char *err, size_t err_len);
/* As simscen_load, from bytes in memory; `path` is used in messages only. */
int simscen_load_bytes(const char *path, const uint8_t *bytes, size_t len, simscen *out, char *err,
                       size_t err_len);

/* Runs it: 0 with *res filled, or -1 with why (an invalid configuration, out of memory). */
int simscen_run(const simscen *sc, sim_result *res, FILE *trace, char *why, size_t why_len);
/* 0 when the result meets the expectation, else 1 with why. */
int simscen_judge(const simscen *sc, const sim_result *res, char *why, size_t why_len);
/* Writes cfg and seed as a simulation scenario file (write.c): every parameter explicit, so
 * that loading it runs the same simulation (the same trace hash). `description` and
 * `expect_violation` may be NULL (no expectation: the file's run must be clean). */
void simscen_write(FILE *f, const sim_config *cfg, uint64_t seed, const char *name, const char *description,
                   const char *expect_violation);

/* One line: "hash <16 hex> <outcome> events N checkpoints C/S restarts R faults F". */
void simscen_summary(const sim_result *res, char *out, size_t out_len);

#endif
