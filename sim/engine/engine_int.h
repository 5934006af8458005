/*
 * engine_int.h: the simulator's internal state, shared by the files of sim/engine/ only (and
 * the engine's unit tests).
 *
 * Nodes are the sources (ids 0 .. sources-1), then the tasks stage by stage. A channel
 * joins one sender node to one receiver task; the input channels of a task are contiguous
 * (their index from in_first is the gate's channel number). Every array is allocated by
 * topo_build when the run starts and freed by topo_free; nothing on the event path
 * allocates. Invariants kept by chan.c: a channel never holds more than its credits; its
 * items arrive in the order they were sent; a node has at most one RUN event pending.
 *
 * Names: a function carries its file's prefix. The engine's public names (sim.h,
 * metrics.h) are sim_<concept>; internal ones are <file>_ or sim_<file>_, with these
 * abbreviations: events.c ev_, chanstate.c sim_cs_, at_timeout.c sim_at_, ckpt_cost.c
 * ck_cost_, partition.c part_, metrics.c mx_, gate_prio.c sim_gate_, checks.c sim_checks_
 * (a check in checks/<name>.c is the const sim_check sim_check_<name>). trace.c keeps
 * sim_note, sim_trace and sim_fail, which every file calls. The structs topo_node,
 * topo_chan and topo_out are built by topo.c and shared by all.
 */
#ifndef SIM_ENGINE_INT_H
#define SIM_ENGINE_INT_H

#include "../../core/barriersim.h"
#include "../../core/bs_assert.h"
#include "../../verify/verify.h"
#include "../fault/io_fault.h"
#include "debloat.h"
#include "events.h"
#include "rng.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>

/* Programmer errors: BS_ASSERT / BS_BUG (core/bs_assert.h); sim_run pushes a context layer
 * that prints the seed, the simulated time and the event number. */
enum { EV_RUN = 1, EV_ARRIVE = 2, EV_TICK = 3, EV_TIMEOUT = 4, EV_FAULT = 5, EV_WAKE = 6,
       EV_CREDIT = 7, /* byte network: an AddCredit reaches channel obj's sender (arg credits) */
       EV_FLUSH = 8,  /* byte network: node obj's output flusher (buffer-timeout) */
       EV_DEBLOAT = 9, /* buffer debloating: task obj's period timer (debloat.c) */
       EV_BUFSIZE = 10, /* buffer debloating: a new buffer size (arg) reaches channel obj's sender */
       EV_ALIGN = 11, /* byte network, aligned-timeout: checkpoint arg's alignment timer
                         at the senders (at_timeout.c) */
       /* checkpoint costs (ckpt_cost.c); arg is the checkpoint id */
       EV_CK_SYNC = 20,    /* node obj's synchronous phase ends */
       EV_CK_CSW = 21,     /* node obj's channel-state writer has written its channel state */
       EV_CK_JOIN = 22,    /* storage write slot obj: its latency is over, it starts sending */
       EV_CK_STORAGE = 23, /* the shared storage's earliest transfer ends */
       EV_CK_ACK = 24,     /* node obj's acknowledgement reaches the coordinator */
};

_Static_assert(EV_CK_ACK <= UINT16_MAX, "event types fit ev_event.type");
_Static_assert(BS_EOP <= UINT8_MAX, "a bs_kind fits sim_item.kind");
_Static_assert(BS_ABORT_TIMEOUT <= 0xff, "a decline's note packs its reason in 8 bits (trace.c)");
_Static_assert(SIM_SOURCES_MAX + SIM_STAGES_MAX * SIM_PARALLELISM_MAX < UINT32_MAX,
               "SIM_NONE is never a node id");

#define SIM_NONE UINT32_MAX
/* Engine-wide checks the table (checks.c) may hold. */
#define SIM_CHECKS_MAX 16u
/* Ring slots a channel has beyond its credits: with unaligned checkpoints, barriers and
 * cancel markers need no credit (as Flink's priority events), up to this many at once. */
#define SIM_MARKER_SLOTS 8u

typedef struct sim_item {   /* an item on a channel */
    uint64_t val;           /* data: the record's label; barrier, cancel: the checkpoint id */
    uint8_t kind;           /* bs_kind */
    uint8_t flags;          /* barrier: SIM_ITEM_UNALIGNED */
} sim_item;
/* A barrier sent as a priority (unaligned) event, or converted to one (at_timeout.c). */
#define SIM_ITEM_UNALIGNED 1u
/* Checkpoint start times the engine remembers (at_timeout.c, a ring by id). */
#define SIM_CK_STARTS 64u

/* net.c: a network buffer of the byte network, in a channel's buffer ring. */
typedef struct sim_nbuf {
    uint64_t data_end;      /* data records of the channel completed in this buffer or before */
    uint32_t bytes;         /* bytes written (data buffers) */
    uint32_t items;         /* items completed in it (an event buffer: 1) */
    uint32_t backlog;       /* data buffers queued behind it when sent (Flink's backlog) */
    uint8_t kind;           /* BS_DATA for a data buffer, else the event's bs_kind */
} sim_nbuf;

typedef struct topo_chan {
    uint32_t from, to, port;   /* sender node, receiver node, gate channel at the receiver */
    sim_item *ring;            /* `cap` slots: sent and not yet consumed, oldest at head */
    uint32_t cap, head, len;   /* cap = credits + SIM_MARKER_SLOTS */
    uint32_t credits;          /* items (aligned) or data items (unaligned) it may hold */
    uint32_t markers_on;       /* barriers and cancels on it now */
    uint32_t arrived;          /* the first `arrived` items of the ring have arrived */
    uint64_t last_arrive_ns;   /* arrivals never overtake */
    uint64_t data_sent;        /* data records put on the channel */
    uint64_t data_returned;    /* ... and returned to the receiver's operator */
    uint64_t bar_k, bar_before;   /* last barrier sent, data sent before it */
    uint64_t snap_k, snap_count;  /* last snapshot of the receiver, data it counted */
    uint64_t snap_state;          /* ... and the channel state it reported for snap_k */
    bool eop_taken, snap_ended;   /* the receiver took the eop (before that snapshot) */
    /* byte network (net.c); unused by the record model. The buffer ring holds, oldest
     * first: b_rx buffers arrived and not recycled, b_fly in flight, b_q finished and
     * queued at the sender, then the open one (b_open) being written. */
    sim_nbuf *bufs;
    uint32_t bcap, bhead, blen, b_rx, b_fly, b_q;
    bool b_open;
    uint32_t sq;                  /* data buffers at the sender (queued and open) */
    uint32_t wired;               /* ring items in sent buffers (in flight or arrived) */
    uint64_t data_ser, data_taken; /* data records serialized, and consumed by the receiver */
    uint32_t cr_sender, cr_transit; /* credits the sender holds, and announced on the way */
    uint32_t held, floating;      /* receiver buffers of the channel (exclusive + floating) */
    uint32_t rx_data;             /* data buffers arrived and not recycled */
    uint32_t fly_data;            /* data buffers in flight */
    uint32_t backlog;             /* the sender's backlog, as the last buffer told */
    uint32_t open_cap;            /* bytes the open buffer may take (segment-size, or the
                                     debloated size when it was opened) */
    /* buffer debloating (debloat.c) */
    const sim_dist *latency;      /* latency-ns, or its per-channel override (topo.c) */
    uint32_t db_size;             /* the size the sender was told last (segment-size at first) */
    uint32_t db_next;             /* a size waiting for the one on its way, or 0 */
    bool db_flying;               /* an announcement (EV_BUFSIZE) is on its way */
} topo_chan;

typedef struct topo_out {   /* an item waiting in a node's outbox */
    sim_item it;
    uint32_t port;          /* output index */
} topo_out;

/* disk.c: the I/O a task's handler sees, in front of its io_fault: counts live spill
 * files and bytes, runs out of space after a byte budget, and corrupts, truncates or (a
 * planted bug) drops a record of a spill file on read-back. */
#define SIM_DISK_FILES 64
typedef struct sim_disk_file {
    uint64_t no, bytes;
    uint64_t drop_from, drop_to;   /* a dropped record's bytes (drop_to > drop_from) */
    uint64_t trunc_at;             /* UINT64_MAX: not truncated */
    bool read_seen, corrupt;
} sim_disk_file;

typedef struct sim_disk {
    bs_io inner;                   /* the io_fault wrapper */
    const bs_io *raw;              /* the files themselves (planted drop scans them) */
    sim_disk_file files[SIM_DISK_FILES];
    uint32_t n_files;
    bool overflow;                 /* more live files than SIM_DISK_FILES */
    uint64_t live_bytes;
    bool enospc_armed, corrupt_armed, truncate_armed, drop_armed;
    uint64_t enospc_budget, truncate_at;
    uint64_t fired;                /* faults of this wrapper that took effect */
    uint64_t written_bytes;        /* every byte written since opened (metrics) */
} sim_disk;
void sim_disk_init(bs_io *io, sim_disk *d, const bs_io *inner, const bs_io *raw);

/* chanstate.c: the channel state of one checkpoint (an unaligned one), as (input port,
 * record label) pairs in the order the handler reported them. */
typedef struct sim_cs {
    uint64_t k;               /* 0: none */
    uint32_t *ports;
    uint64_t *labels;
    size_t len, cap;
} sim_cs;

typedef struct sim_task {     /* a task's handler, its gate and its checker */
    bs_handler *h;
    verify *checker;
    bs_io mem, io, dio;
    bs_io_mem mem_ctx;
    io_fault faults;
    sim_disk disk;
    bs_gate gate;
    struct sim_world *w;
    struct topo_node *node;
    uint32_t *arrivals;       /* ports in arrival order: a ring of `arr_cap` */
    uint32_t arr_cap, arr_head, arr_len;
    uint32_t inputs_ended;    /* input channels whose eop the gate yielded */
    uint8_t *payload;         /* the payload of the item the gate yielded last */
    uint8_t *peek_payload;    /* the payload of the item the gate's peek showed last */
    uint64_t fold, folded;    /* operator state: a sum of mixed labels, and their count */
    uint64_t snap_fold, snap_folded, snap_k;
    uint64_t ck_fold, ck_folded;  /* the state in the latest completed checkpoint */
    uint8_t *cnt, *cnt_snap, *cnt_ck; /* sink: how often its state holds each record (now,
                                         at its last snapshot, committed); NULL: untracked */
    /* unaligned checkpoints (chanstate.c) */
    uint64_t unaligned_k;     /* the last checkpoint the handler declared unaligned */
    sim_cs cs_pend, cs_ck;    /* channel state being reported (of snap_k), and committed */
    sim_cs out_pend, out_ck;  /* output state (ports are output ports): the records an
                                 unaligned b<snap_k> overtook in the outbox, and committed */
    uint32_t *rp_next, *rp_end; /* restore: per port, the committed channel state still to
                                   yield (indexes into rp_labels) */
    uint64_t *rp_labels;
    size_t rp_cap;
    uint64_t rp_left;         /* replay items not yet yielded, over every port */
    uint32_t markers;         /* arrived, unconsumed barriers and cancels (next_priority) */
    uint64_t wake_ns, wake_gen; /* wake_at: the time asked for, UINT64_MAX: none */
    /* announcements (at_timeout.c; world->announce only): per port, the queued markers at
     * the front of its channel already scanned for announcement; markers not yet scanned */
    uint32_t *ann_done;
    uint32_t ann_pending;
    bool wake_due;            /* a wake-up came while the task was back-pressured */
} sim_task;

typedef struct topo_node {
    uint32_t id, stage, index; /* stage SIM_NONE for a source */
    char name[16];             /* "src3", "s1t2" */
    bool is_source, is_sink;
    bool run_pending;          /* an EV_RUN is queued */
    bool waiting_credit;       /* the outbox's head found no credit */
    bool idle;                 /* task: the gate said EAGAIN; an arrival wakes it */
    bool done;                 /* source: emitted its eop; task: its handler ended */
    bool emit_blocked;         /* source: its timer fired while the outbox was full */
    uint32_t *outs, n_out;     /* output channel ids, by output index */
    uint8_t out_link;          /* sim_link of its outputs' boundary (partition.c) */
    uint32_t rr_next;          /* rebalance: the output the last record took */
    /* A stage feeding a second input (sim_in2_stage) has two output partitions: outputs
     * 0 .. out_split-1 down the chain (out_link), out_split .. n_out-1 to the two-input
     * stage (out_link2; a record's copies there are numbered from copy_base2, after those
     * the chain brings). Otherwise out_split == n_out. */
    uint32_t out_split, copy_base2, rr_next2;
    uint8_t out_link2;
    uint32_t in_first, n_in;   /* input channels in_first .. in_first + n_in - 1 */
    uint32_t in_split;         /* a two-input task: its second input's first gate channel
                                  (the first input's are 0 .. in_split-1); else n_in */
    uint8_t last_input;        /* a two-input task: the input of the last record read (0, 1) */
    topo_out *outbox;
    uint32_t ob_cap, ob_head, ob_len;
    uint32_t ob_barriers;      /* barriers in the outbox */
    uint64_t wait_since_ns;
    uint64_t emitted, snap_offset; /* source: records emitted, and at the last barrier */
    uint64_t ck_offset;        /* source: the offset in the latest completed checkpoint */
    uint64_t limit;            /* source: its partition's length (an eop fault shortens it) */
    uint64_t emitted_max;      /* source: the most it ever emitted (the reference so far) */
    bool skip_next;            /* source: a skip fault holds back its next barrier */
    uint64_t owes_ack;         /* source: skipped b<K>: its data all precede K if its eop
                                  comes first; it acknowledges K (offset: all) then */
    uint64_t run_gen;
    sim_task *task;            /* NULL for a source */
    /* source: the reorder fault (fault_kinds.c) and the scripted schedule (source.c) */
    uint64_t held_k;           /* a reorder fault holds b<held_k> back until b<K+1> is sent */
    bool hold_next;            /* a time-keyed reorder fault holds the next barrier */
    uint32_t hold_fault;       /* ... and this is its index */
    uint32_t step_first, step_n;  /* its steps: w->script[step_first .. + step_n) */
    uint32_t step_at;          /* the next step */
    uint64_t step_done;        /* records of the current records step already emitted */
    uint64_t script_records;   /* the records its steps emit in all */
    /* byte network (net.c) */
    uint32_t pool_used, pool_size; /* output pool: data buffers at the sender, and its size */
    uint32_t chans_full;       /* output channels at max-buffers-per-channel or above */
    uint32_t float_free;       /* input gate: floating buffers not given to a channel */
    uint32_t float_rr;         /* the channel the next floating buffer is offered to first */
    bool flush_pending;        /* an EV_FLUSH is queued */
    sim_cs src_out_pend, src_out_ck; /* source, byte network: the records its unaligned
                                  b<K> overtook (output state, chanstate.c), and committed */
    const sim_dist *service;   /* task: its service time (its stage's, or an override) */
    uint64_t interval_ns;      /* source: mean gap between records (or an override) */
    /* task, buffer debloating (debloat.c) */
    debloat_meter db_meter;    /* its gate's throughput */
    debloat_ctl db_ctl;        /* its gate's buffer size */
    bool db_armed;             /* an EV_DEBLOAT is queued */
} topo_node;

typedef struct sim_world {
    const sim_config *cfg;
    uint64_t seed;
    ev_queue q;
    rng r_schedule, r_workload, r_latency, r_faults;
    topo_node *nodes;
    uint32_t n_nodes, n_sources, n_tasks, n_sinks;
    topo_chan *chans;
    uint32_t n_chans;
    sim_item *rings;
    topo_out *outboxes;
    uint32_t *out_ids;
    sim_task *tasks;
    verify_guarantee guarantee;
    bool check_progress;
    uint32_t running;           /* the node whose EV_RUN is being dispatched, or SIM_NONE */
    bool net_bytes;             /* the byte network (cfg->net.model == SIM_NET_BYTES) */
    bool priority_barriers;     /* unaligned checkpoints: barriers overtake queued records
                                   at sources, and back-pressured tasks still take them */
    bool announce;              /* Flink 1.14+ aligned checkpoints with a timeout (byte network,
                                   a strategy reading alignment-timeout, a timeout set):
                                   barriers carry their start, are announced, and time out at
                                   the senders too (at_timeout.c) */
    uint64_t ck_start_id[SIM_CK_STARTS], ck_start_at[SIM_CK_STARTS]; /* start times by id */
    uint64_t at_timed_out;      /* the latest checkpoint whose alignment timer fired */
    bool at_queued;             /* an EV_ALIGN is queued */
    /* coordinator */
    uint64_t ck_last, ck_pending, ck_start_ns;
    uint32_t ck_acks;
    bool timeout_queued, tick_queued;
    uint64_t ck_committed;      /* the latest completed checkpoint (0: the start) */
    uint32_t sources_done, sinks_done;
    /* faults (fault.c): the scripted ones, then those drawn from the seed */
    sim_fault *faults;
    uint32_t n_faults;
    uint64_t last_fault_ns;     /* UINT64_MAX: no fault yet */
    bool settled;               /* a checkpoint started after the last fault has completed */
    bool ck_quiet;              /* the pending checkpoint started settled, and no fault since */
    bool plant_dropped;         /* SIM_PLANT_DROP_REPLAYED fired (once a run) */
    /* scripted schedule (fault.c builds it): step indices grouped by source, in order */
    uint32_t *script;
    uint8_t *step_fired;        /* per step: a fault step fired (once a run) */
    uint8_t *fault_in_script;   /* per scripted fault: a fault step fires it */
    /* whole-run bookkeeping the engine-wide checks read (global.c, checks/) */
    uint64_t last_progress_ns;
    uint8_t *counts;            /* sinks' per-record counts: 3 arrays of `labels` per sink */
    uint64_t labels;            /* sources * records_per_source, or 0: not tracked */
    /* metrics (metrics.c): NULL when the run collects none */
    struct sim_mx *mx;
    /* checkpoint costs (ckpt_cost.c): NULL when cfg->costs are all 0 */
    struct ck_costs *ck;
    /* partitioners (partition.c) */
    rng r_part;                 /* rebalance: each sender's first channel */
    uint64_t key_salt;          /* hash: records' keys are drawn from it and their label */
    double *key_cdf;            /* hash with skew: cumulative share of keys 0 .. k; NULL: uniform */
    uint32_t max_parallelism;   /* hash: Flink's default max parallelism (key groups) */
    uint32_t copies;            /* copies of one record the sinks get (broadcast links) */
    /* run */
    bool stop;
    bool memory_exceeded;       /* stopped by sim_memory_check (memory.c) */
    sim_result *res;
    FILE *trace;
    /* The engine-wide checks' hot hooks, gathered from the table by sim_checks_open so
     * that the event loop makes one call per hook, not a walk of the table (checks.c). */
    void (*chk_event[SIM_CHECKS_MAX])(struct sim_world *w);
    void (*chk_step[SIM_CHECKS_MAX])(struct sim_world *w, const struct topo_node *n);
    uint8_t chk_event_n, chk_step_n;
} sim_world;

/* chan.c: true when n's outbox has room for `broadcasts` broadcasts (one item per output each)
 * and one record more: what sending a barrier or cancel must leave. */
static inline bool chan_outbox_room(const topo_node *n, uint32_t broadcasts)
{
    return n->ob_len + broadcasts * n->n_out + 1 <= n->ob_cap;
}

/* topo.c */
int topo_build(sim_world *w, const sim_config *cfg, char *why, size_t why_len);
void topo_free(sim_world *w);
/* chan.c: outboxes, channels and credits. */
int chan_send(sim_world *w, topo_node *n, bs_kind kind, uint64_t val, uint32_t port);
int chan_broadcast(sim_world *w, topo_node *n, bs_kind kind, uint64_t val);
/* An unaligned barrier: b<id> on every output, ahead of the data records queued after the
 * outbox's last marker (it never overtakes a marker). Each record it overtakes is passed
 * to over(ctx, port, label) when over is not NULL. Returns the records overtaken, or -1
 * when the outbox is full (the run has failed). */
long chan_broadcast_ahead(sim_world *w, topo_node *n, uint64_t id,
                          void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx);
void chan_flush(sim_world *w, topo_node *n);
void chan_arrive(sim_world *w, topo_chan *c);
void chan_consumed(sim_world *w, topo_chan *c);
/* Consumes the item `at` places behind the head (arrived), closing the gap. */
void chan_consumed_at(sim_world *w, topo_chan *c, uint32_t at);
uint32_t chan_route(const topo_node *n, uint64_t label);
/* partition.c: the link kinds' partitioners (sim_link) */
int part_open(sim_world *w);          /* at the run's start, after topo_build; BS_ENOMEM */
void part_free(sim_world *w);
void part_restart(sim_world *w);      /* rebalance senders draw their first channel again */
/* Puts data record `label` into n's outbox for the channel(s) its link kind picks; 0 or
 * BS_ENOMEM (the run has failed). */
int part_send(sim_world *w, topo_node *n, uint64_t label);
/* The record's key, 0 .. key_count-1 (hash links). */
uint32_t part_key(const sim_world *w, uint64_t label);
/* Flink's MathUtils.murmurHash(int), KeyGroupRangeAssignment.computeDefaultMaxParallelism
 * and assignKeyToParallelOperator for an Integer key. */
int32_t part_murmur_hash(int32_t code);
uint32_t part_default_max_parallelism(uint32_t parallelism);
uint32_t part_key_to_operator(int32_t key, uint32_t max_parallelism, uint32_t parallelism);
/* Zipf weight of key rank `rank` (1: the hottest) under exponent skew_milli / 1000. */
double part_zipf_weight(uint32_t rank, uint32_t skew_milli);
/* chan.c: a RUN event for n at at_ns (at most one pending per node). */
void chan_schedule(sim_world *w, topo_node *n, uint64_t at_ns);
/* Resumes a sender waiting for credit (or, in the byte network, for output buffers): it
 * flushes and, once it can go on, runs again (chan.c). */
void chan_resume(sim_world *w, topo_node *snd);
/* chan.c: appends an item to channel c's ring and counts it (data sent, barrier cut). */
void chan_put_item(sim_world *w, topo_chan *c, const sim_item *it);
/* net.c: the byte network (see net.c's header) */
int net_build(sim_world *w, char *why, size_t why_len);
void net_free(sim_world *w);
void net_reset(sim_world *w);
size_t net_ring_items(const sim_world *w, const topo_chan *c); /* item ring capacity */
size_t net_events_max(const sim_world *w);                     /* event queue room it needs */
void net_flush(sim_world *w, topo_node *n);
bool net_available(const sim_world *w, const topo_node *n);
long net_broadcast_ahead(sim_world *w, topo_node *n, uint64_t id,
                         void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx);
void net_arrive(sim_world *w, topo_chan *c);
void net_consumed(sim_world *w, topo_chan *c, uint8_t kind);
void net_credit(sim_world *w, topo_chan *c, uint64_t n);
void net_timer(sim_world *w, topo_node *n);
/* A restore: a record of the task's output state goes straight into its channel's
 * buffers (there may be more of it than an outbox holds). */
void net_restore_record(sim_world *w, topo_node *n, uint32_t port, uint64_t label);
/* A receiver node with half of a channel's event slots taken (barriers and cancels not
 * consumed: events need no credit), or -1. The coordinator starts no checkpoint then. */
int32_t net_congested(const sim_world *w);
/* debloat.c: buffer debloating (FLIP-183) in the byte network; every call but
 * debloat_buffer_bytes needs net.debloat.enabled */
void debloat_reset(sim_world *w);   /* fresh controllers, full sizes (at build, on a restart) */
void debloat_start(sim_world *w);   /* arms every task's period timer */
void debloat_tick(sim_world *w, topo_node *n);                       /* EV_DEBLOAT */
void debloat_size_arrive(sim_world *w, topo_chan *c, uint32_t size); /* EV_BUFSIZE */
void debloat_consumed(sim_world *w, topo_node *n, uint32_t bytes);   /* the gate yielded a record */
void debloat_gate(sim_world *w, topo_node *n, bool got);             /* a gate poll found data or not */
uint32_t debloat_buffer_bytes(const sim_world *w, const topo_chan *c); /* a new buffer's capacity */
/* at_timeout.c: Flink 1.14+ aligned checkpoint timeout (world->announce) */
void sim_at_begin(sim_world *w, uint64_t k);          /* K started now (coord.c) */
bool sim_at_start_of(const sim_world *w, uint64_t k, uint64_t *start_ns);
void sim_at_timer(sim_world *w, uint64_t k);          /* EV_ALIGN */
void sim_at_sent(sim_world *w, topo_node *n, uint64_t k); /* n put b<K> in its outbox */
void sim_at_arrived(sim_world *w, topo_chan *c, const sim_item *it);
void sim_at_consumed(sim_world *w, topo_chan *c, uint8_t kind);
int sim_at_open(sim_task *t, uint32_t n_in);
void sim_at_reset(sim_task *t);
void sim_at_free(sim_task *t);
int sim_at_next_announcement(void *ctx, bs_item *out);
int sim_gate_convert(void *ctx, uint32_t channel, uint64_t id, bs_item *out);
/* net.c: Flink's PipelinedSubpartition.alignedBarrierTimeout on n's outputs: b<k>, still in
 * the outbox or queued at the sender, becomes a priority event ahead of the data queued
 * before it; each record it overtakes goes to over(). Returns the records overtaken, or -1
 * (the run has failed). */
long net_convert_barrier(sim_world *w, topo_node *n, uint64_t k,
                         void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx);
/* chanstate.c: the same, the overtaken records becoming n's output state of K. */
int sim_cs_convert(sim_world *w, topo_node *n, uint64_t k);
/* task.c */
int sim_task_open(sim_world *w, topo_node *n, sim_task *t, const char *strategy);
void sim_task_close(sim_world *w, topo_node *n);
void sim_task_run(sim_world *w, topo_node *n);
void sim_task_wake(sim_world *w, topo_node *n, uint32_t port);
/* gate_prio.c: the gate's optional operations, and yielding restored channel state */
int sim_gate_next_priority(void *ctx, const uint64_t *blocked, bs_item *out);
int sim_gate_peek(void *ctx, uint32_t channel, uint32_t i, bs_item *out);
uint64_t sim_gate_now_ns(void *ctx);
void sim_gate_wake_at(void *ctx, uint64_t at_ns);
void sim_gate_wake_event(sim_world *w, topo_node *n, uint64_t gen);
/* 1 with *out filled when a port not blocked has restored channel state left, else 0 */
int sim_gate_replay(sim_task *t, const uint64_t *blocked, bs_item *out);
/* chanstate.c */
int sim_cs_open(sim_task *t, uint32_t n_in);
void sim_cs_free(sim_task *t);
void sim_cs_trigger(sim_task *t, uint64_t k);
void sim_cs_report(sim_task *t, uint64_t k, const bs_item *data);
void sim_cs_commit(sim_task *t, uint64_t k);
/* An unaligned t<K>: b<K> overtakes the outbox's queued records (output state). 0 or
 * BS_ENOMEM (the run has failed). */
int sim_cs_overtake(sim_task *t, uint64_t k);
int sim_cs_restore(sim_world *w, topo_node *n);
/* A source's unaligned b<K> in the byte network: ahead of its queued buffers, which become
 * its output state (its offset keeps them). 0, or BS_ENOMEM (the run has failed). */
int sim_cs_source_overtake(sim_world *w, topo_node *n, uint64_t k);
void sim_cs_source_commit(topo_node *n, uint64_t k);
void sim_cs_source_restore(sim_world *w, topo_node *n);
void sim_cs_source_free(topo_node *n);
/* source.c */
void sim_source_run(sim_world *w, topo_node *n);
void sim_source_start(sim_world *w, topo_node *n);   /* its first step (run start) */
void sim_source_rewind(sim_world *w, topo_node *n);  /* after a restart: emitted is set */
/* coord.c */
void sim_coord_tick(sim_world *w);
void sim_coord_timeout(sim_world *w);
void sim_coord_ack(sim_world *w, const topo_node *n, uint64_t id);
void sim_coord_decline(sim_world *w, const topo_node *n, uint64_t id, bs_abort_reason why);
/* fault.c */
int sim_faults_build(sim_world *w, char *why, size_t why_len);
int sim_faults_schedule(sim_world *w);
void sim_faults_free(sim_world *w);
void sim_fault_fire(sim_world *w, uint32_t idx, uint64_t k);
void sim_faults_on_start(sim_world *w, uint64_t k);
/* The node a fault targets, NULL for a coordinator fault. */
topo_node *sim_fault_node(sim_world *w, const sim_fault *f);
/* Notes fault idx firing (trace, count, the coordinator's quiet period); who: its node or SIM_NONE. */
void sim_fault_noted(sim_world *w, uint32_t who, uint32_t idx, uint64_t k);
/* Does a fault step of the schedule fire fault i (rather than its time or checkpoint)? */
bool sim_fault_by_step(const sim_world *w, uint32_t i);
/* fault_kinds.c: the skip and reorder kinds' hooks in the coordinator */
bool sim_fault_kinds_skip(sim_world *w, topo_node *src, uint64_t k);
/* restart.c */
void sim_restart(sim_world *w, const topo_node *who, const char *why);
void sim_restart_commit(sim_world *w, uint64_t k);
/* global.c: the whole run's bookkeeping (sink counts, reference result, peaks) */
void sim_global_sink_got(sim_world *w, sim_task *t, uint64_t label);
void sim_global_sink_snapshot(sim_task *t);
int sim_global_open(sim_world *w);
void sim_global_free(sim_world *w);
/* The result's reference (records and fold of the failure-free result, once the input
 * ended) and sink record count, at the end of a run (before sim_checks_end). */
void sim_global_result(sim_world *w);
/* task.c: a task's handler and checker, (re)opened at the start and at every restart */
int sim_task_handler_open(sim_world *w, topo_node *n);
void sim_task_handler_close(sim_world *w, topo_node *n);
/* ckpt_cost.c: checkpoint costs (sim.h, sim_costs). Every entry point is a no-op or the
 * original immediate path when w->ck is NULL. */
int ck_cost_open(sim_world *w);
void ck_cost_free(sim_world *w);
size_t ck_cost_events_max(const sim_world *w);   /* event queue room it needs */
/* t<K> at task n (after its snapshot and b<K>): the synchronous phase begins. */
void ck_cost_trigger(sim_world *w, topo_node *n, uint64_t k);
/* Task n's snapshot of K is complete (aligned: at t<K>; unaligned: at d<K>): once its
 * phases and writes are done it acknowledges K (sim_coord_ack, at once without costs). */
void ck_cost_snapshot_done(sim_world *w, topo_node *n, uint64_t k);
/* Source n acknowledges K (its offset): after ack-latency, or at once. */
void ck_cost_source_ack(sim_world *w, topo_node *n, uint64_t k);
/* Every acknowledgement of K is in: true when the metadata write has started (the
 * coordinator completes K when it ends: sim_coord_complete), false to complete now. */
bool ck_cost_metadata(sim_world *w, uint64_t k);
/* K ended (completed, declined, timed out, abandoned): its writes and events go. */
void ck_cost_end(sim_world *w, uint64_t k);
/* A restart: every task is free again, nothing is in progress. */
void ck_cost_reset(sim_world *w);
/* True (and the task's next step is scheduled at the phase's end) while task n is in a
 * synchronous phase: it takes no input then. */
bool ck_cost_busy(sim_world *w, topo_node *n);
void ck_cost_event(sim_world *w, const ev_event *e);
/* coord.c */
void sim_coord_complete(sim_world *w, uint64_t k);
void sim_coord_start(sim_world *w);
void sim_coord_force_timeout(sim_world *w);
void sim_coord_abandon(sim_world *w, const char *why);
void sim_coord_cancel(sim_world *w, topo_node *n, uint64_t k);
void sim_coord_fault_seen(sim_world *w);
/* metrics.c: hooks that observe without acting (no trace line, no random draw, no event);
 * call them through SIM_MX so that a run without metrics pays one test. */
#define SIM_MX(w, call)                                                                   \
    do {                                                                                  \
        if ((w)->mx)                                                                      \
            call;                                                                         \
    } while (0)
struct sim_metrics;
int mx_open(sim_world *w, struct sim_metrics *m);
void mx_finish(sim_world *w);
void mx_close(sim_world *w);
void mx_sample(sim_world *w, uint64_t before_ns);
void mx_queued(sim_world *w, uint32_t chan, int delta);
void mx_gate(sim_world *w, const topo_node *n, const uint64_t *blocked);
void mx_begin(sim_world *w, const topo_node *n, uint64_t id);
void mx_trigger(sim_world *w, const topo_node *n, uint64_t id);
void mx_abort(sim_world *w, const topo_node *n, uint64_t id, bs_abort_reason why);
void mx_channel_state(sim_world *w, const topo_node *n, uint64_t id, uint32_t len);
void mx_done(sim_world *w, const topo_node *n, uint64_t id);
void mx_ck_start(sim_world *w, uint64_t id);
void mx_ck_end(sim_world *w, uint64_t id, int outcome, bs_abort_reason why);
void mx_emit(sim_world *w, const topo_node *src, uint64_t seq);
void mx_sink(sim_world *w, uint64_t label, bool duplicate);
void mx_recovered(sim_world *w, uint64_t items);
void mx_restart(sim_world *w);
/* checkpoint costs and Flink's checkpoint statistics (metrics.h) */
void mx_returned(sim_world *w, const topo_node *n);
void mx_snapshot(sim_world *w, const topo_node *n, uint64_t id, uint64_t sync_ns, uint64_t async_ns,
                 uint64_t state_bytes, uint64_t persisted_bytes);
void mx_acks_in(sim_world *w, uint64_t id);
void sim_coord_source_barrier(sim_world *w, topo_node *n, uint64_t k); /* a scripted b<K> */
/* fault_kinds.c: the reorder fault */
bool sim_fault_kinds_hold(sim_world *w, topo_node *src, uint64_t k);
/* trace.c: structured lines (sim_note; who is a node id, or SIM_NONE for the coordinator)
 * and free-text lines (sim_trace). */
typedef enum sim_op {
    OP_EMIT = 1,      /* a = label */
    OP_SOURCE_EOP,
    OP_ARRIVE,        /* a = kind | port << 8, b = value */
    OP_TAKE,          /* the gate yields it; same arguments */
    OP_RET,           /* the handler returns it; same arguments */
    OP_END,           /* a = operator state, b = records folded */
    OP_TRIGGER,       /* a = id, b = operator state */
    OP_ABORT,         /* a = id, b = reason */
    OP_ACK,           /* a = id */
    OP_START,         /* a = id */
    OP_COMPLETE,      /* a = id, b = its duration */
    OP_DECLINE,       /* a = id, b = reason | node << 8 */
    OP_TIMEOUT,       /* a = id, b = acknowledgements */
    OP_SKIP,          /* a = the id not started, b = the source still holding a barrier */
    OP_NO_CANCEL,     /* a = id: no room in the outbox for x<id>; it is not sent */
    OP_WAIT_INPUT,    /* the gate had nothing: the task idles */
    OP_WAIT_CREDIT,   /* a = items in the outbox: the node waits for credit */
    OP_TICK,          /* a coordinator event that starts nothing: a = the pending id or 0,
                         b = 0 for the interval, 1 for the timeout check */
    OP_FAULT,         /* a = fault index, b = checkpoint (0: time-keyed) */
    OP_SKIP_BARRIER,  /* a = id: a skip fault keeps this source's b<id> back */
    OP_CANCEL,        /* a = id: a cancel fault sends x<id> */
    OP_ABANDON,       /* a = id: the coordinator gives the pending checkpoint up */
    OP_RESTART,       /* a = the checkpoint restored, b = restarts so far */
    OP_FAILED,        /* the task's handler stopped with an I/O error: a = its code */
    OP_OVERTAKE,      /* the gate yields a marker ahead of data: a = kind | port << 8 |
                         overtaken << 32, b = id */
    OP_UNALIGNED,     /* a = id: the handler takes it unaligned */
    OP_DONE,          /* a = id, b = channel-state items: its channel state is complete */
    OP_STATE,         /* a = id, b = label: reported as channel state */
    OP_TAKE_STATE,    /* the gate yields restored channel state: a = port, b = label */
    OP_WAKE,          /* a = the time asked for: the handler asked to be woken then */
    OP_OVERTAKE_OUT,  /* a = id, b = records: an unaligned b<id> overtook them in the outbox */
    OP_HOLD_BARRIER,  /* a = id: a reorder fault keeps this source's b<id> back */
    OP_LATE_BARRIER,  /* a = the held id, b = the newer id it follows (0: none) */
    OP_STEP,          /* a = the source's step number, b = its kind: a scripted step */
    OP_DEBLOAT,       /* a = the buffer size the gate announces, b = its throughput (B/s) */
    OP_CONVERT_OUT,   /* a = id, b = records: a timed-out aligned b<id> became a priority
                         event at the sender, overtaking them (at_timeout.c) */
    OP_ALIGN_TIMER,   /* a = id: the alignment timer of checkpoint id fired at the senders */
    OP_COST,          /* checkpoint costs (ckpt_cost.c): a = id, b = sim_cost_note | value << 8 */
} sim_op;
typedef enum sim_cost_note {
    COST_SYNC = 1,     /* the synchronous phase begins: value = its ns */
    COST_SYNC_END,     /* ... and ends: value = operator state bytes */
    COST_CHANNEL,      /* the channel-state writer has it: value = bytes */
    COST_WRITE,        /* a storage write starts: value = bytes (metadata: who is SIM_NONE) */
    COST_WRITTEN,      /* ... and ends */
    COST_ACK_SENT,     /* the task acknowledges: its acknowledgement is on its way */
} sim_cost_note;
void sim_note(sim_world *w, uint32_t who, sim_op op, uint64_t a, uint64_t b);
void sim_trace(sim_world *w, const char *who, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Stops the run with a violation or an error (the first one wins): the message goes into
 * the result and the trace. */
void sim_fail(sim_world *w, sim_outcome o, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sim_trace_header(sim_world *w);
/* "d3:17", "b4", "x4" or "eop", into buf (len >= 32); returns buf. */
const char *sim_item_str(const sim_item *it, char *buf, size_t len);
/* memory.c: the checkers' heap now; stops the run with an error past the bound. */
#define SIM_MEMORY_CHECK_EVENTS 4096u
uint64_t sim_memory_held(const sim_world *w);
void sim_memory_check(sim_world *w);
/* The label of record `seq` of source `src` (printed "d<src>:<seq>"): the source in the low
 * byte, so that labels differ in their low bits (hash tables keyed by label stay spread).
 * A copy a broadcast link made carries its copy number (1 .. SIM_COPIES_MAX-1; printed
 * "d<src>:<seq>/<copy>") in the top byte: every copy of a record is its own item, so no
 * channel carries one label twice (the checkers find channel state by label). */
#define SIM_LABEL_COPY_SHIFT 56
#define SIM_LABEL_BASE_MASK ((1ULL << SIM_LABEL_COPY_SHIFT) - 1)
static inline uint64_t sim_label(uint32_t src, uint64_t seq)
{
    BS_ASSERT(src <= 0xff && seq <= SIM_LABEL_BASE_MASK >> 8); /* fits below the copy bits */
    return (seq << 8) | src;
}
_Static_assert(SIM_SOURCES_MAX <= 0x100, "a label keeps its source in its low 8 bits");
static inline uint32_t sim_label_src(uint64_t l) { return (uint32_t)(l & 0xff); }
static inline uint64_t sim_label_seq(uint64_t l) { return (l & SIM_LABEL_BASE_MASK) >> 8; }
static inline uint32_t sim_label_copy(uint64_t l) { return (uint32_t)(l >> SIM_LABEL_COPY_SHIFT); }
static inline uint64_t sim_label_copy_of(uint64_t l, uint32_t copy)
{
    return (l & SIM_LABEL_BASE_MASK) | (uint64_t)copy << SIM_LABEL_COPY_SHIFT;
}
/* Is the sinks' final state held to exactly-once (sim_config.end_to_end)? */
static inline bool sim_end_to_end_exact(const sim_world *w)
{
    return w->cfg->end_to_end == SIM_E2E_EXACTLY_ONCE ||
           (w->cfg->end_to_end == SIM_E2E_STRATEGY && w->guarantee != VERIFY_AT_LEAST_ONCE);
}

/* A back-pressured task (its outbox waits for credit) may take the markers queued at its
 * input (task_run.c, poll_priority) when checkpoints are unaligned, or, with announcements
 * (Flink 1.14+ aligned-timeout), handle announcements and its alignment timer; and when its
 * outbox has room for a barrier broadcast and a cancel broadcast after it, as on_abort
 * keeps: otherwise the markers wait until the outbox drains. */
static inline bool sim_task_may_poll(const sim_world *w, const topo_node *n)
{
    return (w->priority_barriers || w->announce) && n->task && (n->task->markers || n->task->wake_due) &&
           n->waiting_credit && !n->done && chan_outbox_room(n, 3);
}

/* checks.c: the engine-wide checks, one file each under sim/engine/checks/, registered
 * in the table sim_checks. Every hook may be NULL; a hook reports a violation with
 * sim_fail and changes nothing else. Each sim_checks_* dispatcher runs the hooks of its
 * kind in table order until the run stops, and returns whether it has stopped. */
typedef struct sim_check {
    const char *name;
    void (*on_event)(sim_world *w);                  /* after every event (run.c): keep cheap */
    void (*on_queue_empty)(sim_world *w);            /* no event left, a sink not ended */
    void (*on_step)(sim_world *w, const topo_node *n); /* after a task's step (task_run.c) */
    void (*on_complete)(sim_world *w, uint64_t k);   /* every ack of pending K is in */
    void (*on_coord)(sim_world *w);                  /* coordinator: tick, timeout, completion */
    void (*on_end)(sim_world *w);                    /* the run ended (after sim_global_result) */
} sim_check;

extern const sim_check *const sim_checks[];
/* global.c: records task n's live spill bytes and files in the result's peaks (after
 * every step; inline, as it runs as often as the checks below). */
static inline void sim_global_peaks(sim_world *w, const topo_node *n)
{
    const sim_disk *d = &n->task->disk;
    uint64_t files = n->task->faults.live_files;
    if (d->live_bytes > w->res->spill_bytes_live_max)
        w->res->spill_bytes_live_max = d->live_bytes;
    if (files > w->res->open_files_max)
        w->res->open_files_max = files;
}

/* Gathers the hot hooks (on_event, on_step) into w, in table order; at a run's start. */
void sim_checks_open(sim_world *w);
bool sim_checks_queue_empty(sim_world *w);

/* After every event (run.c) and after every task step (task_run.c): the hooks gathered by
 * sim_checks_open, inline, as these run millions of times a second. */
static inline bool sim_checks_event(sim_world *w)
{
    for (uint32_t i = 0; i < w->chk_event_n && !w->stop; i++)
        w->chk_event[i](w);
    return w->stop;
}

static inline bool sim_checks_step(sim_world *w, const topo_node *n)
{
    for (uint32_t i = 0; i < w->chk_step_n && !w->stop; i++)
        w->chk_step[i](w, n);
    return w->stop;
}
bool sim_checks_complete(sim_world *w, uint64_t k);
bool sim_checks_coord(sim_world *w);
bool sim_checks_end(sim_world *w);

#endif
