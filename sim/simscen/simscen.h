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
 *   bounds: {checkpoint-ns, stall-ns, spill-bytes, open-files}
 *   faults: [{kind: eop|skip|overlap|cancel|timeout|write-error|enospc|short-write|
 *             read-error|corrupt|truncate|fail, target: N, at-ns: T, checkpoint: K, arg: A}]
 *   random-faults: {KIND: PPM, ..., draws: N}
 *   expect: {violation: <substring of the violation message> | none,
 *            checkpoints-completed-min: N, restarts-min: N, faults-fired-min: N}
 */
#ifndef SIM_SIMSCEN_SIMSCEN_H
#define SIM_SIMSCEN_SIMSCEN_H

#include "../engine/sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIMSCEN_FAULTS_MAX 256u
#define SIMSCEN_DESC_MAX 1024u

typedef struct simscen {
    char path[512];
    char name[128];
    char description[SIMSCEN_DESC_MAX];
    char strategy[32];
    uint64_t seed;
    sim_config cfg;                 /* cfg.strategy -> a static name, cfg.faults -> faults */
    sim_fault faults[SIMSCEN_FAULTS_MAX];
    char expect_violation[128];     /* "" : the run must be clean */
    uint64_t expect_checkpoints_min, expect_restarts_min, expect_faults_fired_min;
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
/* One line: "hash <16 hex> <outcome> events N checkpoints C/S restarts R faults F". */
void simscen_summary(const sim_result *res, char *out, size_t out_len);

#endif
