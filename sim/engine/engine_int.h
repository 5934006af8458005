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
 */
#ifndef SIM_ENGINE_INT_H
#define SIM_ENGINE_INT_H

#include "../../core/barriersim.h"
#include "../../verify/verify.h"
#include "../fault/io_fault.h"
#include "events.h"
#include "rng.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>

/* A programmer error in the engine: print where, with the seed, the simulated time and the
 * event number, and abort (stays on in every build). */
#define SIM_ASSERT(w, cond)                                                               \
    do {                                                                                  \
        if (!(cond))                                                                      \
            sim_bug((w), __FILE__, __LINE__, #cond);                                      \
    } while (0)

struct sim_world;
_Noreturn void sim_bug(const struct sim_world *w, const char *file, int line, const char *what);

enum { EV_RUN = 1, EV_ARRIVE = 2, EV_TICK = 3, EV_TIMEOUT = 4 };

#define SIM_NONE UINT32_MAX

typedef struct sim_item {   /* an item on a channel */
    uint64_t val;           /* data: the record's label; barrier, cancel: the checkpoint id */
    uint8_t kind;           /* bs_kind */
} sim_item;

typedef struct topo_chan {
    uint32_t from, to, port;   /* sender node, receiver node, gate channel at the receiver */
    sim_item *ring;            /* `cap` slots: sent and not yet consumed, oldest at head */
    uint32_t cap, head, len;
    uint32_t arrived;          /* the first `arrived` items of the ring have arrived */
    uint64_t last_arrive_ns;   /* arrivals never overtake */
    uint64_t data_sent;        /* data records put on the channel */
    uint64_t data_returned;    /* ... and returned to the receiver's operator */
    uint64_t bar_k, bar_before;   /* last barrier sent, data sent before it */
    uint64_t snap_k, snap_count;  /* last snapshot of the receiver, data it counted */
} topo_chan;

typedef struct topo_out {   /* an item waiting in a node's outbox */
    sim_item it;
    uint32_t port;          /* output index */
} topo_out;

typedef struct sim_task {     /* a task's handler, its gate and its checker */
    bs_handler *h;
    verify *checker;
    bs_io mem, io;
    bs_io_mem mem_ctx;
    io_fault faults;
    bs_gate gate;
    struct sim_world *w;
    struct topo_node *node;
    uint32_t *arrivals;       /* ports in arrival order: a ring of `arr_cap` */
    uint32_t arr_cap, arr_head, arr_len;
    uint32_t inputs_ended;    /* input channels whose eop the gate yielded */
    uint8_t *payload;         /* the payload of the item the gate yielded last */
    uint64_t fold, folded;    /* operator state: a sum of mixed labels, and their count */
    uint64_t snap_fold, snap_k;
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
    uint32_t in_first, n_in;   /* input channels in_first .. in_first + n_in - 1 */
    topo_out *outbox;
    uint32_t ob_cap, ob_head, ob_len;
    uint32_t ob_barriers;      /* barriers in the outbox */
    uint64_t wait_since_ns;
    uint64_t emitted, snap_offset; /* source: records emitted, and at the last barrier */
    uint64_t run_gen;
    sim_task *task;            /* NULL for a source */
} topo_node;

typedef struct sim_world {
    const sim_config *cfg;
    uint64_t seed;
    ev_queue q;
    rng r_schedule, r_workload, r_latency;
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
    /* coordinator */
    uint64_t ck_last, ck_pending, ck_start_ns;
    uint32_t ck_acks;
    bool timeout_queued;
    uint32_t sources_done, sinks_done;
    /* run */
    bool stop;
    sim_result *res;
    FILE *trace;
} sim_world;

/* topo.c */
int topo_build(sim_world *w, const sim_config *cfg, char *why, size_t why_len);
void topo_free(sim_world *w);
/* chan.c: outboxes, channels and credits. */
int topo_send(sim_world *w, topo_node *n, bs_kind kind, uint64_t val, uint32_t port);
int topo_broadcast(sim_world *w, topo_node *n, bs_kind kind, uint64_t val);
void topo_flush(sim_world *w, topo_node *n);
void topo_arrive(sim_world *w, topo_chan *c);
void topo_consumed(sim_world *w, topo_chan *c);
uint32_t topo_route(const topo_node *n, uint64_t label);
void topo_schedule(sim_world *w, topo_node *n, uint64_t at_ns);
/* task.c */
int sim_task_open(sim_world *w, topo_node *n, sim_task *t, const char *strategy);
void sim_task_close(sim_world *w, topo_node *n);
void sim_task_run(sim_world *w, topo_node *n);
void sim_task_wake(sim_world *w, topo_node *n, uint32_t port);
/* source.c */
void sim_source_run(sim_world *w, topo_node *n);
/* coord.c */
void sim_coord_tick(sim_world *w);
void sim_coord_timeout(sim_world *w);
void sim_coord_ack(sim_world *w, const topo_node *n, uint64_t id);
void sim_coord_decline(sim_world *w, const topo_node *n, uint64_t id, bs_abort_reason why);
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
} sim_op;
void sim_note(sim_world *w, uint32_t who, sim_op op, uint64_t a, uint64_t b);
void sim_trace(sim_world *w, const char *who, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sim_trace_header(sim_world *w);
/* "d3:17", "b4", "x4" or "eop", into buf (len >= 32); returns buf. */
const char *sim_item_str(const sim_item *it, char *buf, size_t len);
/* run.c: stop the run with a violation or an error (the first one wins). */
void sim_fail(sim_world *w, sim_outcome o, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The label of record `seq` of source `src` (printed "d<src>:<seq>"): the source in the low
 * byte, so that labels differ in their low bits (hash tables keyed by label stay spread). */
static inline uint64_t sim_label(uint32_t src, uint64_t seq) { return (seq << 8) | src; }
static inline uint32_t sim_label_src(uint64_t l) { return (uint32_t)(l & 0xff); }
static inline uint64_t sim_label_seq(uint64_t l) { return l >> 8; }

#endif
