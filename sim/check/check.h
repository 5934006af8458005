/*
 * check.h: the model checker. It explores every interleaving of channel deliveries and
 * fault choices of a small configuration, driving the real core and checking every
 * invariant of verify/ in every state, breadth-first, so the first violation found has a
 * shortest path; that path is written as a handler-level scenario that `barriersim run`
 * replays.
 *
 * The configuration is a set of channel scripts (from flags: K checkpoints of D data items
 * each; or from a scenario's input, channel by channel) plus choices: a channel may end
 * with eop at any point (eop), deliver x<K> instead of b<K> (cancel), drop a barrier
 * (skip), and one spill-file I/O call of the run may fail (disk_fault). A scenario's own
 * `faults:` apply as in `barriersim run`: the nth call of a kind in the run fails.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include "../../core/barriersim.h"
#include "../../verify/verify.h"
#include "../scenario/scenario.h"

#include <signal.h>

/* The checker's limits: the command line refuses more (exit 2), and the model's state
 * layout relies on them (model.h ties each to its field with a _Static_assert). */
#define CHECK_CHANNELS_MAX 16u       /* channels: transitions and masks are 64-bit */
#define CHECK_SCRIPT_MAX 65535u      /* items of one channel's script: a 16-bit position */
#define CHECK_FAULT_NTH_MAX 65535u   /* a scenario fault's nth: 16-bit call counts */

typedef struct check_config {
    const char *strategy;            /* name, for messages and the counterexample */
    const bs_strategy *ops;          /* the strategy (table or test-only) */
    verify_guarantee guarantee;
    bool check_progress;
    uint32_t channels;
    uint32_t checkpoints;            /* K, with flags */
    uint32_t data;                   /* D data items per epoch, with flags */
    const scenario *from;            /* instead of K/D: the scenario's channel sequences */
    uint32_t page_size;
    BS_OPTION_FIELDS;                /* the strategy's options (its descriptor's table);
                                        alignment_timeout_ns 0: never times out */
    bool eop, cancel, skip, disk_fault;
    bool sleep_sets;                 /* partial-order reduction (default on) */
    bool symmetry;                   /* symmetry reduction over channels with identical
                                        scripts, when the strategy can rename channels
                                        (its relabel hook); default on */
    bool keep_ended;                 /* no forgetting of ended checkpoints in a state's
                                        identity (model.c, FORGETTING ENDED CHECKPOINTS):
                                        for comparison, larger searches */
    bool keep_order;                 /* keep the arrival order of the items a handler
                                        holds (spill files) in a state's identity (model.c,
                                        MERGING ARRIVAL ORDERS): for comparison */
    bool count_orbits;               /* test aid (one job, symmetry off): also count the
                                        distinct images of the states stored under symmetry,
                                        forgetting and merged arrival orders (unless
                                        faults keep them) (check_result.orbits) */
    bool no_compaction;              /* store each state's canonical bytes and compare them,
                                        not only its 128-bit hash (for comparison: slower) */
    uint64_t pack_from_bytes;        /* test aid: pack a level's blobs once its arena holds
                                        this many bytes (0: the default, 16 MiB; 1: all) */
    uint32_t arena_chunk_bytes;      /* test aid: the size of a level arena's recycled
                                        chunks (0: the default, 4 MiB; else a multiple of
                                        64 KiB) */
    bool depth_first;                /* one job: expand the state stored last first (memory:
                                        the visited set only; counterexamples not shortest) */
    uint64_t max_states;             /* 0: no bound; past it the search stops, incomplete */
    uint64_t max_memory_bytes;       /* 0: no bound; once the process's peak resident set
                                        passes it the search stops, incomplete ("max-memory") */
    uint32_t max_depth;              /* 0: no bound */
    uint32_t bitstate_log2;          /* 0: exact hash set; else a bit array of 2^n bits */
    uint32_t shard, shards;          /* explore shard `shard` of `shards` (0 of 1: all) */
    uint32_t jobs;                   /* worker threads sharing one visited set (0 or 1: one) */
    bool progress_line;              /* a progress line on stderr */
    const volatile sig_atomic_t *stop; /* NULL, or a flag that, once non-zero, ends the
                                        search at its next expansion, incomplete
                                        ("interrupted"): a signal handler sets it */
} check_config;

typedef struct check_result {
    uint64_t states;                 /* distinct states stored */
    uint64_t transitions;            /* transitions executed */
    uint64_t revisits;               /* transitions that reached a stored state */
    uint64_t slept;                  /* transitions not executed thanks to sleep sets */
    uint32_t depth;                  /* greatest depth reached (breadth-first: shortest) */
    double seconds;                  /* wall time of the search (monotonic clock) */
    double cpu_seconds;              /* CPU time of the process over the same span (all
                                        threads: with --jobs J up to J times seconds) */
    uint64_t memory_bytes;           /* peak resident set */
    bool complete;                   /* the space was exhausted: no bound hit, not bitstate */
    char incomplete[160];            /* why not complete ("" when complete): "bitstate",
                                        "max-states", "max-memory", "max-depth", "shard",
                                        "violation", "interrupted" */
    uint64_t bits_total, bits_set;   /* bitstate: the bit array's size and bits set */
    double hash_factor;              /* bitstate: bits_total / states (SPIN's hash factor) */
    bool symmetry;                   /* the symmetry reduction was on */
    char symmetry_off[96];           /* why not ("" when on) */
    char order_off[96];              /* why arrival orders were kept ("" when merged) */
    uint64_t symmetry_inexact;       /* states canonicalised from a subset of their tied
                                        renamings (sound; an orbit may then be stored twice) */
    uint64_t orbits;                 /* count_orbits: distinct canonical forms of the states */
    bool violation;
    char message[1024];              /* the violation */
    char *counterexample;            /* scenario YAML (malloc'd) when violation */
    uint32_t counterexample_steps;
} check_result;

/* Runs the search. 0 with *res filled (free with check_result_free), or a BS_E* code. */
int check_run(const check_config *cfg, check_result *res);
/* The longest channel script cfg makes (flags: K checkpoints of D data items each, then D;
 * or a scenario's items of one channel, `wait` excepted), for the command line to bound by
 * CHECK_SCRIPT_MAX before check_run. */
uint64_t check_script_len_max(const check_config *cfg);
void check_result_free(check_result *res);

#endif
