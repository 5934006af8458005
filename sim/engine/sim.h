/*
 * sim.h: the deterministic discrete-event simulator, as a library.
 *
 * A run builds a topology (sources, then `stages` stages of `parallelism` tasks each, joined
 * by channels with per-item latency and bounded credits, records routed by each boundary's
 * link kind: sim_link, partition.c), runs a real
 * core handler in every task over an input gate fed by its channels, and lets a
 * coordinator start, complete, decline and time out checkpoints. Every task's handler is
 * checked by its own verify/ checker after every step (DESIGN.md section 5); when a
 * checkpoint completes, the run also checks that it is a consistent cut. Faults (scripted
 * or drawn from the seed) end partitions early, skip barriers, overlap, cancel and time
 * out checkpoints, fail spill I/O and fail tasks; a failed task restarts the job from the
 * latest completed checkpoint (fresh handlers and checkers, restored operator states,
 * sources rewound). At the end the sinks' state is checked against the failure-free
 * result; liveness, deadlock and spill bounds are checked as the run goes.
 *
 * Contract: the same configuration, seed and binary give the same result and a
 * byte-identical trace (and trace hash); nothing reads the wall clock; the library prints
 * nothing except into the caller's trace FILE. All memory is allocated when the run starts
 * and freed before sim_run returns; the event loop itself does not allocate (the core's
 * handlers and the checkers keep their own bookkeeping, a restart reopens them, and the
 * channel state of unaligned checkpoints grows as handlers report it: chanstate.c).
 * Unaligned checkpoints: barriers overtake queued data through the gate's priority read;
 * a task acknowledges such a checkpoint at d<K>, and a restore gives every task its
 * channel state back ahead of new input.
 */
#ifndef SIM_ENGINE_SIM_H
#define SIM_ENGINE_SIM_H

#include "../../core/barriersim.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_STAGES_MAX 8
#define SIM_PARALLELISM_MAX 256
#define SIM_SOURCES_MAX 256
#define SIM_CREDITS_MAX 4096

/*
 * How a stage boundary connects its senders to its receivers, and which channel a record
 * takes (partition.c; docs/simulation-network.md, "Link kinds"). Every kind but forward
 * joins every sender to every receiver. As Flink's StreamPartitioners: forward
 * (ForwardPartitioner), rebalance (RebalancePartitioner: round-robin per sender from a
 * random first channel), hash (KeyGroupStreamPartitioner: the record's key -> key group ->
 * operator index) and broadcast (BroadcastPartitioner: every record on every channel).
 * all-to-all is the simulator's original kind, kept so that existing scenarios and traces
 * stay as they were: a record goes to the receiver a 64-bit mix of its label picks (every
 * record its own key, not Flink's key-group mapping).
 */
typedef enum sim_link {
    SIM_LINK_ALL_TO_ALL = 0, /* every sender to every receiver; records are routed by label */
    SIM_LINK_FORWARD = 1,    /* sender i to receiver i (both sides need the same count) */
    SIM_LINK_REBALANCE = 2,  /* round-robin per sender, from a first channel drawn per run */
    SIM_LINK_HASH = 3,       /* by the record's key (sim_config.key_count, key_skew_milli) */
    SIM_LINK_BROADCAST = 4,  /* every record to every receiver */
    SIM_LINK_KINDS
} sim_link;

/* "all-to-all", "forward", "rebalance", "hash", "broadcast"; NULL for an unknown kind. */
const char *sim_link_name(sim_link l);
/* The kind named by the len bytes at name, or -1. */
int sim_link_find(const char *name, size_t len);

/* Keys of hash links (partition.c): a record's key is drawn once, from the seed and the
 * record's label, among key_count integer keys 0 .. key_count-1 (Java Integers: hashCode is
 * the value), key k with probability proportional to (k+1)^-s (Zipf, s = key_skew_milli /
 * 1000; 0: uniform); every hash link of the job routes it by that key. */
#define SIM_KEYS_MAX (1u << 20)
#define SIM_KEYS_DEFAULT 1024u
#define SIM_KEY_SKEW_MAX 5000u     /* s <= 5 */
/* Broadcast links copy records: the copies of one record reaching the sinks (the product of
 * the broadcast links' fan-outs) are bounded so that the sinks' per-record counts hold them. */
#define SIM_COPIES_MAX 64u
/* The copies of one record that reach stage `stages` - 1 (1 for 0; broadcast links
 * multiply by the parallelism; a two-input stage gets the copies of both its inputs);
 * SIM_COPIES_MAX + 1 when more. */
struct sim_config;
uint32_t sim_link_copies(const struct sim_config *c, uint32_t stages);
/* True when one of c's stage boundaries (second inputs included) has link kind l. */
bool sim_link_used(const struct sim_config *c, sim_link l);

/*
 * Two-input stages (topo.c, partition.c; docs/sim-scenarios.md, "Two-input stages"): stage s
 * reads its first input from stage s-1 (or the sources) through link[s], as every stage
 * does, and, when in2_from[s] != SIM_IN2_NONE, a second input from the earlier stage
 * in2_from[s] - 1 (at most s-2) through in2_link[s]: the job is a diamond, stage u's records
 * going both down the chain and straight to s (Flink: a DataStream consumed twice, one
 * ResultPartition per consumer, RecordWriter per partition). The task's gate spans the
 * channels of both inputs, in first-input-then-second-input order, and ONE barrier handler
 * aligns over all of them, as Flink's InputProcessorUtil.createCheckpointBarrierHandler
 * builds one SingleCheckpointBarrierHandler (or CheckpointBarrierTracker) over the channels
 * of every input gate of a TwoInputStreamTask / MultipleInputStreamTask. The operator is a
 * union (a co-process function that forwards every record of either input): a join's
 * selectivity is not modelled. A stage feeds at most one second input; the sources feed
 * none. All SIM_IN2_NONE (the default): the chain, with its traces unchanged.
 */
#define SIM_IN2_NONE 0u
/* The stage that feeds stage s's second input, or SIM_NONE_STAGE. */
#define SIM_NONE_STAGE UINT32_MAX
uint32_t sim_in2_stage(const struct sim_config *c, uint32_t s);
/* The stage whose second input stage u feeds, or SIM_NONE_STAGE. */
uint32_t sim_in2_consumer(const struct sim_config *c, uint32_t u);
/* True when some stage of c has a second input. */
bool sim_two_input(const struct sim_config *c);
/* Why c's second inputs are not a diamond the engine can run (NULL: they are). */
const char *sim_in2_problem(const struct sim_config *c);

/* A bounded duration distribution, nanoseconds: min + exponential(mean - min), clamped to
 * max (rng_bounded). mean <= min gives the constant min. */
typedef struct sim_dist {
    uint64_t min_ns, mean_ns, max_ns;
} sim_dist;

/*
 * Faults (fault.c; each kind's row and action: fault_kinds.c). Each is scriptable (a sim_fault in sim_config.faults) and randomizable
 * (sim_config.fault_ppm: drawn from the faults PRNG stream when the run starts, so the seed
 * decides them; the trace prints every fault drawn). `target` is a node id: sources are
 * 0 .. sources-1, then tasks stage by stage (task i of stage s is sources + s*parallelism
 * + i). A fault fires at simulated time `at_ns`, or, when `checkpoint` is not 0, `at_ns`
 * after that checkpoint starts (a skip applies when it starts). A disk fault arms the
 * task's I/O: it fires at the next matching call (after a restart, armed faults are gone).
 * A disk error or a corrupt read-back stops the task's handler: a task failure.
 */
typedef enum sim_fault_kind {
    SIM_FAULT_EOP = 0,     /* source: its partition ends now (eop on every output); stays
                              ended at this offset after a restore */
    SIM_FAULT_SKIP,        /* source: does not send the barrier of `checkpoint` (or of the
                              next checkpoint started after at_ns) */
    SIM_FAULT_OVERLAP,     /* coordinator: starts the next checkpoint now, before the pending
                              one ends (which is abandoned) */
    SIM_FAULT_CANCEL,      /* source or task: sends x<K> on its outputs (K = `checkpoint`, else
                              the last started); a sink declines K instead */
    SIM_FAULT_TIMEOUT,     /* coordinator: the pending checkpoint times out now */
    SIM_FAULT_WRITE_ERROR, /* task: its next spill write fails (EIO) */
    SIM_FAULT_ENOSPC,      /* task: spill writes fail with ENOSPC once `arg` more bytes are written */
    SIM_FAULT_SHORT_WRITE, /* task: its next spill write writes at most `arg` (>= 1) bytes */
    SIM_FAULT_READ_ERROR,  /* task: its next spill read fails (EIO) */
    SIM_FAULT_CORRUPT,     /* task: the next spill file it reads back has its first record's
                              kind byte flipped */
    SIM_FAULT_TRUNCATE,    /* task: the next spill file it reads back ends after `arg` bytes */
    SIM_FAULT_FAIL,        /* task: fails; the job restarts from the latest completed checkpoint */
    SIM_FAULT_REORDER,     /* source: holds b<K> back (K = `checkpoint`, else the next started
                              after at_ns); `at_ns` after K starts (at once when time-keyed) the
                              coordinator starts K+1 (K is abandoned) and the source sends
                              b<K+1>, then b<K>: a newer barrier overtakes an older one */
    SIM_FAULT_KINDS
} sim_fault_kind;

typedef struct sim_fault {
    sim_fault_kind kind;
    uint32_t target;      /* node id (ignored by coordinator faults) */
    uint64_t at_ns;       /* time, or delay after `checkpoint` starts */
    uint64_t checkpoint;  /* 0: time-keyed */
    uint64_t arg;         /* ENOSPC: bytes; SHORT_WRITE: bytes; TRUNCATE: bytes kept */
} sim_fault;

/*
 * The fault-kind table (fault_kinds.c): one row per kind, in sim_fault_kind order, then, in
 * a test build, the test-only kinds (sim_extra_fault_kinds), numbered from SIM_FAULT_KINDS
 * on. Every name table, usage text, loader rule, random draw and the engine's dispatch are
 * derived from it: adding a kind is one function (its `fire`) and one row.
 */
#define SIM_FAULT_KINDS_MAX 32u /* built-in and test-only kinds; a kind is a bit of a uint32_t mask */

typedef enum sim_fault_target {
    SIM_FAULT_ON_SOURCE = 0, /* target: a source, 0 .. sources-1 */
    SIM_FAULT_ON_TASK,       /* target: a task, sources .. nodes-1 (scenarios default to the first) */
    SIM_FAULT_ON_NODE,       /* target: any node */
    SIM_FAULT_ON_COORD,      /* the coordinator: target ignored */
} sim_fault_target;

/* What a kind needs (sim_fault_desc.needs). */
#define SIM_FAULT_NEEDS_WHEN 1u /* a scripted one needs a checkpoint or a time (not both 0) */
#define SIM_FAULT_AT_START 2u   /* a checkpoint-keyed one applies as its checkpoint starts (the
                                   coordinator asks, sim_fault_kinds_skip), not at_ns after */
#define SIM_FAULT_NEEDS_IO 4u   /* takes effect at a later I/O call of the task's handler: a
                                   strategy that writes no spill file or channel state never
                                   meets it */

struct sim_world;
typedef struct sim_fault_desc {
    const char *name;        /* as scenario files, --faults and traces spell it */
    sim_fault_target target;
    uint64_t arg_min, arg_max; /* a scripted fault's `arg` (the loader's and the engine's check) */
    uint64_t arg_default;    /* a scenario that gives no `arg` */
    uint64_t arg_draw_span;  /* a random one's arg: arg_min + x % span (0: arg_min) */
    uint32_t needs;          /* SIM_FAULT_NEEDS_* */
    const char *help;        /* one line: what it does (usage, docs/sim-scenarios.md) */
    /* Applies fault number idx of the run (w's table) for checkpoint k (0: time-keyed or
     * a schedule step); the engine has noted the firing and counted it already. */
    void (*fire)(struct sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k);
} sim_fault_desc;

/* The kinds known to this build: SIM_FAULT_KINDS, plus the test-only ones. */
uint32_t sim_fault_kinds(void);
/* Row of kind k, or NULL past the last. */
const sim_fault_desc *sim_fault_desc_of(uint32_t k);
/* The kind named by the len bytes at name, or -1. */
int sim_fault_kind_find(const char *name, size_t len);
/* Writes every known kind's name, separated by sep, into buf; returns buf. */
const char *sim_fault_kind_list(char *buf, size_t len, const char *sep);
/* Test builds override this (a weak default returns none): test-only kinds. */
const sim_fault_desc *const *sim_extra_fault_kinds(size_t *count);

#define SIM_FAULTS_MAX 4096
#define SIM_FAULT_DRAWS_DEFAULT 2

/*
 * Scripted schedules: with steps (sim_config.steps), the sources follow a script instead of
 * the random schedule, and checkpoints start only when a source's script sends a barrier
 * (the coordinator's interval is off). Each source takes its own steps in order: a step
 * with at_ns == SIM_STEP_NEXT happens source_interval_ns after the previous one (the first
 * one source_interval_ns after the start); otherwise at at_ns, or as soon as the source is
 * free when that time has passed (back-pressure). A records step emits `n` records (each
 * source_interval_ns after the previous); a barrier step sends b<n> on every output (the
 * first barrier of an id newer than every started checkpoint starts it, abandoning the
 * pending one); a cancel step sends x<n>; an eop step ends the partition (the source sends
 * eop after its last step anyway); a fault step fires scripted fault number n (an index into
 * sim_config.faults; such a fault is not scheduled by its own time or checkpoint, and fires
 * once per run). After a restart a source resumes at the step holding its restored offset;
 * the barrier and cancel steps from there on are taken again.
 */
typedef enum sim_step_kind {
    SIM_STEP_RECORDS = 0,
    SIM_STEP_BARRIER,
    SIM_STEP_CANCEL,
    SIM_STEP_EOP,
    SIM_STEP_FAULT,
} sim_step_kind;

#define SIM_STEP_NEXT UINT64_MAX
#define SIM_STEPS_MAX 4096

typedef struct sim_step {
    uint32_t source;     /* the source that takes it, 0 .. sources-1 */
    sim_step_kind kind;
    uint64_t at_ns;      /* SIM_STEP_NEXT: source_interval_ns after the previous step */
    uint64_t n;          /* records: how many; barrier, cancel: the id; fault: its index */
} sim_step;

/*
 * Heterogeneity (topo.c; docs/sim-scenarios.md): a job-wide distribution overridden for one
 * node or channel. SERVICE: task `node`'s service time (service-ns of its stage otherwise);
 * INTERVAL: source `node`'s mean gap between records (d.mean_ns, drawn exponentially as
 * source-interval-ns is); LATENCY: the channel from node `node` to node `to` (latency-ns
 * otherwise), and its credits' and buffer sizes' way back unless credit-latency-ns is set.
 * A later entry for the same node or channel replaces an earlier one. Without entries the
 * draws are what they were, so traces are unchanged.
 */
typedef enum sim_hetero_kind {
    SIM_HETERO_SERVICE = 0,
    SIM_HETERO_INTERVAL,
    SIM_HETERO_LATENCY,
} sim_hetero_kind;

typedef struct sim_hetero {
    sim_hetero_kind kind;
    uint32_t node, to;    /* node ids (sim_fault's numbering); `to` for LATENCY only */
    sim_dist d;           /* INTERVAL: d.mean_ns only */
} sim_hetero;

#define SIM_HETERO_MAX 64

/*
 * The network model (net.c; docs/simulation-network.md). SIM_NET_RECORDS is the original
 * model: a credit is one record and returns at once. SIM_NET_BYTES is Flink's credit-based
 * flow control in bytes: records serialized into network buffers of `segment_bytes`,
 * exclusive and floating buffers at the receiver, credits announced back with a latency, an
 * output buffer pool per task, flushes when full, at buffer-timeout and before an event.
 * The defaults (sim_config_default) are Flink's documented ones, cited in net.c.
 */
typedef enum sim_network {
    SIM_NET_RECORDS = 0,
    SIM_NET_BYTES = 1,
} sim_network;

#define SIM_NET_SEGMENT_MIN 64u
#define SIM_NET_SEGMENT_MAX (1u << 20)
#define SIM_NET_BUFFERS_MAX 1024u

/*
 * Buffer debloating (FLIP-183; debloat.c, docs/simulation-network.md), byte network only:
 * every input gate measures the bytes its task consumes over `period_ns`, computes the buffer
 * size at which the buffers in use hold `target_ns` of that throughput (an exponential
 * moving average over `samples`), skips changes smaller than `threshold_pct` percent of the
 * last size, and announces the size to the senders of its channels, which fill each new
 * buffer only up to it (never below `min_segment_bytes`). Defaults are Flink's
 * (TaskManagerOptions.BUFFER_DEBLOAT_*, MIN_MEMORY_SEGMENT_SIZE): off, 1 s, 200 ms, 20, 25 %,
 * 256 bytes.
 */
typedef struct sim_debloat {
    bool enabled;                 /* taskmanager.network.memory.buffer-debloat.enabled: false */
    uint64_t target_ns;           /* ... .buffer-debloat.target: 1 s */
    uint64_t period_ns;           /* ... .buffer-debloat.period: 200 ms */
    uint32_t samples;             /* ... .buffer-debloat.samples: 20 */
    uint32_t threshold_pct;       /* ... .buffer-debloat.threshold-percentages: 25 */
    uint32_t min_segment_bytes;   /* taskmanager.memory.min-segment-size: 256 bytes */
} sim_debloat;

#define SIM_DEBLOAT_SAMPLES_MAX 100000u
#define SIM_DEBLOAT_PERIOD_MIN_NS 1000u  /* a shorter period would flood the event queue */

typedef struct sim_net {
    sim_network model;
    uint32_t segment_bytes;           /* taskmanager.memory.segment-size: 32 KiB */
    uint32_t buffers_per_channel;     /* taskmanager.network.memory.buffers-per-channel: 2 */
    uint32_t floating_per_gate;       /* taskmanager.network.memory.floating-buffers-per-gate: 8 */
    uint32_t max_buffers_per_channel; /* taskmanager.network.memory.max-buffers-per-channel: 10 */
    uint64_t buffer_timeout_ns;       /* execution.buffer-timeout: 100 ms; 0: flush every record */
    sim_dist credit_latency;          /* an AddCredit message back to the sender; all 0: as
                                         `latency` (the same link, the other way) */
    sim_debloat debloat;              /* buffer debloating (FLIP-183); off by default */
    uint32_t announce;                /* aligned-timeout as Flink 1.14+ (1, the default: the
                                         start in the barrier, announcements, conversion of
                                         timed-out barriers; sim/engine/at_timeout.c) or as
                                         DESIGN 2.3, timed per task (0) */
} sim_net;

/*
 * Checkpoint costs (ckpt_cost.c; docs/sim-scenarios.md, "Checkpoint costs"). All zero (the
 * default) is the original model: a snapshot costs nothing, acknowledgements arrive at
 * once and the checkpoint completes with the last one, and traces stay as they were. With
 * any field set, as Flink's SubtaskCheckpointCoordinatorImpl.checkpointState: at t<K> a
 * task broadcasts b<K>, then runs the synchronous phase (it takes no input for sync_ns +
 * state x sync_ps_per_byte / 1000), then the asynchronous phase (AsyncCheckpointRunnable)
 * uploads its operator state, and for an unaligned K its channel state once the channel-
 * state writer has it (after d<K>, at channel_state_bytes_per_s from t<K>), to ONE shared
 * checkpoint storage (storage_latency_ns per write, then storage_bytes_per_s shared evenly
 * by the writes in progress). Its acknowledgement reaches the coordinator ack_latency_ns
 * later; when every one is in, the coordinator writes the checkpoint's metadata
 * (metadata_bytes, through the same storage; PendingCheckpoint.finalizeCheckpoint) and then
 * completes K. Sources snapshot an offset: no state, no phases, only ack_latency_ns.
 */
#define SIM_COST_BYTES_MAX (1ULL << 40)  /* state, per-record growth and metadata: 1 TiB */
#define SIM_COST_NS_MAX (1ULL << 40)     /* a fixed duration: ~18 simulated minutes */
#define SIM_COST_BW_MAX (1ULL << 40)     /* bytes per simulated second: 1 TiB/s */

typedef struct sim_costs {
    uint64_t state_bytes;             /* a task's operator state, fixed part */
    uint64_t state_bytes_per_record;  /* ... plus this per record folded into its state */
    uint64_t sync_ns;                 /* the synchronous phase, fixed part */
    uint64_t sync_ps_per_byte;        /* ... plus this per byte of operator state (ps) */
    uint64_t storage_bytes_per_s;     /* the shared checkpoint storage; 0: unlimited */
    uint64_t storage_latency_ns;      /* per write to it, before its first byte */
    uint64_t channel_state_bytes_per_s; /* a task's channel-state writer; 0: unlimited */
    uint64_t ack_latency_ns;          /* a task's acknowledgement to the coordinator */
    uint64_t metadata_bytes;          /* the checkpoint's metadata file */
} sim_costs;

/* True when any cost is set (the original model otherwise). */
static inline bool sim_costs_on(const sim_costs *c)
{
    return c->state_bytes || c->state_bytes_per_record || c->sync_ns || c->sync_ps_per_byte ||
           c->storage_bytes_per_s || c->storage_latency_ns || c->channel_state_bytes_per_s || c->ack_latency_ns ||
           c->metadata_bytes;
}

/* The guarantee the sinks' final state is held to (sim/engine/checks/final_state.c). */
typedef enum sim_end_to_end {
    SIM_E2E_STRATEGY = 0,  /* the strategy's own: exactly-once, or at-least-once (tracker) */
    SIM_E2E_EXACTLY_ONCE,  /* every record counted exactly once, whatever the strategy */
    SIM_E2E_AT_LEAST_ONCE,
} sim_end_to_end;

/*
 * Bugs planted in the simulation, for proving that the global invariants catch them.
 * A test-only hook: the core never sees them; SIM_PLANT_NONE (0) is a correct run.
 */
typedef enum sim_plant {
    SIM_PLANT_NONE = 0,
    SIM_PLANT_EARLY_COMPLETE,  /* the coordinator completes with one acknowledgement missing */
    SIM_PLANT_WRONG_OFFSETS,   /* a restore rewinds each source one record past its offset */
    SIM_PLANT_DROP_REPLAYED,   /* spill read-back drops the first data record of one file */
} sim_plant;

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
    BS_OPTION_FIELDS;                 /* the strategies' options (core/barriersim.h), read
                                         from the descriptors' options tables */
    uint64_t max_events;              /* stop after this many events; 0: 1e9 */
    /* faults */
    const sim_fault *faults;          /* scripted faults (not owned), n_faults of them */
    uint32_t n_faults;                /* <= SIM_FAULTS_MAX */
    uint32_t fault_ppm[SIM_FAULT_KINDS_MAX]; /* random: per kind, each of fault_draws slots
                                               holds such a fault with this chance (millionths) */
    uint32_t fault_draws;             /* slots per kind; 0: SIM_FAULT_DRAWS_DEFAULT */
    uint32_t max_restarts;            /* more restarts than this is an error; 0: 64 */
    /* bounds (0: unchecked) */
    uint64_t checkpoint_bound_ns;     /* with faults quiet, a checkpoint ends within this */
    uint64_t stall_bound_ns;          /* no record emitted or returned for this long while
                                         events remain: a deadlock */
    uint64_t spill_bytes_max;         /* a task's live spill bytes */
    uint32_t open_files_max;          /* a task's live spill files (<= 64 are tracked) */
    sim_plant plant;                  /* test-only: a planted bug */
    /* scripted schedule (see sim_step): NULL / 0 for the random one */
    const sim_step *steps;            /* not owned; a source's steps in order */
    uint32_t n_steps;                 /* <= SIM_STEPS_MAX */
    sim_end_to_end end_to_end;        /* what the final state is held to */
    sim_net net;                      /* the network model (records: `credits` applies) */
    uint64_t max_memory_bytes;        /* bound on what the run keeps (the checkers' history,
                                         the sinks' counts); 0: SIM_MEMORY_DEFAULT_BYTES */
    sim_hetero hetero[SIM_HETERO_MAX]; /* per-node and per-channel overrides (topo.c) */
    uint32_t n_hetero;                /* <= SIM_HETERO_MAX */
    sim_costs costs;                  /* checkpoint costs; all 0: none (ckpt_cost.c) */
    uint32_t key_count;               /* hash links: keys, 1 .. SIM_KEYS_MAX (SIM_KEYS_DEFAULT) */
    uint32_t key_skew_milli;          /* hash links: Zipf exponent x 1000; 0: uniform keys */
    uint8_t in2_from[SIM_STAGES_MAX]; /* two-input stages: 0 none, else 1 + the stage feeding
                                         stage s's second input (see SIM_IN2_NONE) */
    sim_link in2_link[SIM_STAGES_MAX]; /* ... and the link kind of that input */
} sim_config;

/* A run's memory is bounded by its configuration (sim/engine/memory.c). */
#define SIM_MEMORY_DEFAULT_BYTES (1ULL << 31) /* 2 GiB */
#define SIM_MEMORY_MIN_BYTES (1ULL << 24)     /* 16 MiB */
#define SIM_MEMORY_MAX_BYTES (1ULL << 40)     /* 1 TiB */

/* The least a run of cfg keeps if it runs to the end: every record's history at every
 * stage's task (VERIFY_ITEM_BYTES each) and the sinks' per-record counts; saturates at
 * UINT64_MAX. The loader refuses a configuration whose estimate passes its bound. */
uint64_t sim_memory_estimate(const sim_config *cfg);
/* The bound in force for cfg (max_memory_bytes, or the default). */
uint64_t sim_memory_bound(const sim_config *cfg);

/* Fills cfg with the reference configuration: 4 sources of 2000 records each, then a
 * 2-stage 4x4 all-to-all topology, 4 credits per channel, spill, a checkpoint every
 * 200 us (timeout 10 ms); with faults quiet a checkpoint must end within 5 ms, and 100 ms
 * without a record emitted or returned is a deadlock; no faults. */
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
    uint64_t faults_fired;          /* faults that fired (a disk fault: was armed) */
    uint64_t disk_faults_hit;       /* I/O calls or read-backs a disk fault changed */
    uint64_t restarts;              /* job restarts after a task failure */
    uint64_t checkpoints_abandoned; /* pending when an overlap or a restart ended it */
    uint64_t reference_records;     /* the failure-free result: records the sources emitted */
    uint64_t reference_fold;        /* ... folded as the sinks fold them */
    uint64_t sink_records;          /* the sinks' final operator state: records folded */
    uint64_t spill_bytes_live_max;  /* the most live spill bytes one task held */
    uint64_t open_files_max;        /* the most live spill files one task held */
    uint64_t debloat_announcements; /* buffer debloating: new sizes the gates announced */
    uint64_t debloat_size_min;      /* ... and the smallest of them (0: none) */
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

/*
 * As sim_run, and when m is not NULL also collects the run's metrics into *m (metrics.h:
 * per checkpoint, per task alignment, latency, throughput, a buffered-bytes time series).
 * m->sample_grid_ns is read as an input; everything else in *m is overwritten, and the
 * caller frees it with sim_metrics_free (also after an error). Collecting changes neither
 * the trace nor its hash. BS_ENOMEM when the metrics' arrays cannot be allocated.
 */
struct sim_metrics;
int sim_run_ex(const sim_config *cfg, uint64_t seed, sim_result *res, FILE *trace, struct sim_metrics *m);

/* "eop", "skip", ... (the kind's row); NULL for an unknown kind. */
const char *sim_fault_kind_name(sim_fault_kind k);

/* A node's name as the trace shows it ("src2", "s1t0") into buf; buf. */
const char *sim_node_name(const sim_config *c, uint32_t node, char *buf, size_t len);
/* The node named name[0 .. len) under c's topology: 0 with *node, or -1. */
int sim_node_find(const sim_config *c, const char *name, size_t len, uint32_t *node);
/* True when c's topology has a channel from node `from` to node `to`. */
bool sim_channel_exists(const sim_config *c, uint32_t from, uint32_t to);

/* "none", "early-complete", "wrong-offsets", "drop-replayed"; NULL for an unknown plant. */
const char *sim_plant_name(sim_plant p);

/* "ok", "violation" or "error". */
const char *sim_outcome_name(sim_outcome o);

#endif
