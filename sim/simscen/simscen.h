/*
 * simscen.h: simulation scenario files (issue 3, point 6): a YAML file holding a topology,
 * a strategy, a seed, scripted and random faults and an expectation, run by sim_run.
 *
 * A file is a simulation scenario when its document is a mapping with a top-level
 * `simulation:` key (handler-level files have `input:` instead). Loading reuses the
 * handler-level loader's internals (sim/scenario/sc_int.h): the bytes are screened in this
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
 *     link: all-to-all | forward, or a sequence of them (one per stage),
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
} simscen;

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
