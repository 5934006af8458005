/*
 * sim.h: the deterministic discrete-event simulator, as a library.
 *
 * A run builds a topology (sources, then `stages` stages of `parallelism` tasks each, joined
 * by forward or all-to-all channels with per-item latency and bounded credits), runs a real
 * core handler in every task over an input gate fed by its channels, and lets a
 * coordinator start, complete, decline and time out checkpoints. Every task's handler is
 * checked by its own verify/ checker after every step (DESIGN.md section 5); when a
 * checkpoint completes, the run also checks that it is a consistent cut.
 *
 * Contract: the same configuration, seed and binary give the same result and a
 * byte-identical trace (and trace hash); nothing reads the wall clock; the library prints
 * nothing except into the caller's trace FILE. All memory is allocated when the run starts
 * and freed before sim_run returns; the event loop itself does not allocate (the core's
 * handlers and the checkers keep their own bookkeeping).
 */
#ifndef SIM_ENGINE_SIM_H
#define SIM_ENGINE_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_STAGES_MAX 8
#define SIM_PARALLELISM_MAX 256
#define SIM_SOURCES_MAX 256
#define SIM_CREDITS_MAX 4096

/* How a stage boundary connects its senders to its receivers. */
typedef enum sim_link {
    SIM_LINK_ALL_TO_ALL = 0, /* every sender to every receiver; records are routed by label */
    SIM_LINK_FORWARD = 1,    /* sender i to receiver i (both sides need the same count) */
} sim_link;

/* A bounded duration distribution, nanoseconds: min + exponential(mean - min), clamped to
 * max (rng_bounded). mean <= min gives the constant min. */
typedef struct sim_dist {
    uint64_t min_ns, mean_ns, max_ns;
} sim_dist;

typedef struct sim_config {
    uint32_t sources;                 /* 1 .. SIM_SOURCES_MAX */
    uint32_t stages;                  /* 1 .. SIM_STAGES_MAX; the last stage's tasks are sinks */
    uint32_t parallelism;             /* tasks per stage, 1 .. SIM_PARALLELISM_MAX */
    sim_link link[SIM_STAGES_MAX];    /* link[0]: sources -> stage 0; link[s]: stage s-1 -> s */
    uint32_t credits;                 /* items a channel holds in flight or unconsumed, >= 1 */
    sim_dist latency;                 /* per item on a channel (FIFO: never overtakes) */
    sim_dist service[SIM_STAGES_MAX]; /* a task's busy time after each item it is returned */
    uint64_t source_interval_ns;      /* mean gap between a source's records (exponential) */
    uint64_t records_per_source;
    uint32_t payload_len;             /* bytes per data record, 8 .. 4096 */
    uint64_t checkpoint_interval_ns;  /* 0: no checkpoints */
    uint64_t checkpoint_timeout_ns;   /* 0: never time out */
    const char *strategy;             /* "spill", "tracker", ... (sim_strategy_find) */
    uint64_t max_buffered_bytes;      /* spill option; 0: no limit */
    uint64_t max_events;              /* stop after this many events; 0: 1e9 */
} sim_config;

/* Fills cfg with the reference configuration: 4 sources of 2000 records each, then a
 * 2-stage 4x4 all-to-all topology, 4 credits per channel, spill, a checkpoint every
 * 200 us (timeout 10 ms). */
void sim_config_default(sim_config *cfg);

typedef enum sim_outcome {
    SIM_OK = 0,        /* the run ended (every sink finished, or max_events) with no violation */
    SIM_VIOLATION = 1, /* an invariant was violated: see message */
    SIM_ERROR = 2,     /* a handler or the engine stopped with an error: see message */
} sim_outcome;

typedef struct sim_result {
    sim_outcome outcome;
    char message[1024];             /* "t=<ns> event <n>: <who>: <what>" or "" */
    bool stopped_at_max_events;
    uint64_t events;                /* events processed */
    uint64_t time_ns;               /* simulated time at the end */
    uint64_t checkpoints_started;
    uint64_t checkpoints_completed;
    uint64_t checkpoints_declined;  /* a handler aborted it */
    uint64_t checkpoints_timed_out;
    uint64_t checkpoint_duration_max_ns; /* the longest a completed checkpoint took */
    uint64_t records_emitted;       /* by the sources */
    uint64_t records_delivered;     /* returned to the sinks' operators */
    uint64_t items_sent;            /* every item put on any channel */
    uint64_t credit_waits;          /* times a sender found no credit */
    uint64_t credit_wait_ns;        /* total time senders waited for credit */
    uint64_t sink_fold;             /* the sinks' operator states combined */
    uint64_t spill_files;           /* spill files the handlers created */
    uint64_t spill_writes;          /* write calls on them */
    uint64_t trace_lines;
    uint64_t trace_hash;            /* a 64-bit hash of every trace line's content, header
                                       included: the same with or without a trace FILE */
    uint64_t queue_len_max;         /* the event queue's high-water mark */
} sim_result;

/*
 * Runs one simulation. Writes the trace (one line per happening, at least one per event:
 * "<time_ns> <event#> <who> <what>", after a header line holding the seed and every
 * parameter) to `trace` when it is not NULL (for a trace in memory, pass open_memstream's
 * FILE); the hash is computed either way. Returns 0 with *res filled (the outcome is in
 * res->outcome; a violation's or error's message names the simulated time and the event
 * number), BS_EINVAL for an invalid configuration (res->message says why) or BS_ENOMEM.
 */
int sim_run(const sim_config *cfg, uint64_t seed, sim_result *res, FILE *trace);

/* "ok", "violation" or "error". */
const char *sim_outcome_name(sim_outcome o);

#endif
