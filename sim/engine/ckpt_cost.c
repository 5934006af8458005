/*
 * ckpt_cost.c: what a checkpoint costs (sim.h, sim_costs; docs/sim-scenarios.md).
 *
 * Without costs (every field 0, w->ck NULL) every entry point takes the original path: a
 * task acknowledges K at its snapshot, a source at its barrier, and K completes with the
 * last acknowledgement; nothing here traces, draws or schedules, so traces are unchanged.
 *
 * With costs, Flink's path (1.11+, SubtaskCheckpointCoordinatorImpl.checkpointState):
 *  - step (2) broadcasts b<K> first, then step (4) takeSnapshotSync runs the synchronous
 *    phase on the task thread: "it blocks all other activity on the subtask (processing
 *    records, firing timers, etc)" (docs ops/monitoring/checkpoint_monitoring, Sync
 *    Duration). Here: the task takes no input for sync_ns + state x sync_ps_per_byte.
 *  - finishAndReportAsync hands the snapshot futures to an AsyncCheckpointRunnable, which
 *    writes the operator state to the checkpoint storage (CheckpointStreamFactory) and, for
 *    an unaligned checkpoint, waits for the ChannelStateWriter's result: the channel state
 *    is complete only when the last barrier has arrived (d<K>), "Async Duration ... for
 *    unaligned checkpoints also includes the time the subtask had to wait for last of the
 *    checkpoint barriers to arrive and the time it took to persist the in-flight data"
 *    (the same page). Here: the operator state's write starts when the synchronous phase
 *    ends; the channel state's write starts when the task's channel-state writer has it,
 *    at d<K> and no sooner than channel_state_bytes / channel_state_bytes_per_s after t<K>.
 *  - both go to ONE shared storage: a write waits storage_latency_ns (a request's first
 *    byte), then the writes in progress share storage_bytes_per_s evenly (processor
 *    sharing, in exact integer arithmetic: remaining work in bytes x 1e9, each of n writes
 *    served bandwidth / n units per simulated ns; ties end in slot order).
 *  - AsyncCheckpointRunnable.reportCompletedSnapshotStates sends acknowledgeCheckpoint to
 *    the JobManager: it arrives ack_latency_ns later (CheckpointCoordinator
 *    .receiveAcknowledgeMessage).
 *  - when the PendingCheckpoint is fully acknowledged, completePendingCheckpoint ->
 *    PendingCheckpoint.finalizeCheckpoint writes the _metadata file
 *    (Checkpoints.storeCheckpointMetadata) to the same storage; K completes after it.
 *  - a source's snapshot is its offset: it acknowledges after ack_latency_ns, without
 *    phases or writes (its state is a few bytes; sources are not blocked).
 *  - when K ends otherwise (declined, timed out, abandoned, a restart), its writes stop
 *    and release their share (Flink cancels the AsyncCheckpointRunnable on abort).
 * A trigger of a checkpoint the coordinator no longer waits for costs nothing: its
 * acknowledgement would be late anyway.
 *
 * Memory: allocated by ck_cost_open (a state per node, two write slots per node and one
 * for the metadata); the event loop does not allocate. Events: per node at most a
 * synchronous-phase end, a channel-state write end, two write starts and an acknowledgement
 * for the pending checkpoint, plus one storage event (ck_cost_events_max).
 */
#include "engine_int.h"
#include "metrics.h"

#include <string.h>

__extension__ typedef unsigned __int128 ck_u128;

enum { UP_FREE = 0, UP_WAIT, UP_SEND };          /* a write slot */
enum { UP_STATE = 0, UP_CHANNEL, UP_METADATA };  /* what it writes */
#define NS_PER_S 1000000000ULL

typedef struct ck_write {
    uint8_t phase, what;
    uint32_t node;              /* SIM_NONE: the metadata */
    uint64_t k, bytes;
    ck_u128 left;               /* bytes x 1e9 still to send */
} ck_write;

typedef struct ck_node {       /* a task's checkpoint in progress */
    uint64_t k;                 /* 0: none */
    uint64_t trigger_ns, sync_end_ns;
    uint64_t state_bytes, channel_bytes;
    uint32_t writes_left;
    bool sync_done, snap_done, channel_ready, acked;
    uint64_t busy_until_ns;     /* the synchronous phase: no input before */
} ck_node;

typedef struct ck_costs {
    sim_costs c;
    ck_node *nodes;
    ck_write *writes;
    uint32_t n_writes;
    uint64_t last_ns;           /* the storage's shares were last brought up to date */
    uint64_t acks_in_k;         /* the checkpoint whose metadata is being written */
} ck_costs;

int ck_cost_open(sim_world *w)
{
    if (!sim_costs_on(&w->cfg->costs))
        return 0;
    ck_costs *x = calloc(1, sizeof *x);
    if (!x)
        return BS_ENOMEM;
    w->ck = x;
    x->c = w->cfg->costs;
    x->n_writes = 2 * w->n_nodes + 1;
    x->nodes = calloc(w->n_nodes, sizeof *x->nodes);
    x->writes = calloc(x->n_writes, sizeof *x->writes);
    return x->nodes && x->writes ? 0 : BS_ENOMEM;
}

void ck_cost_free(sim_world *w)
{
    if (!w->ck)
        return;
    free(w->ck->nodes);
    free(w->ck->writes);
    free(w->ck);
    w->ck = NULL;
}

size_t ck_cost_events_max(const sim_world *w) { return w->ck ? 5 * (size_t)w->n_nodes + 4 : 0; }

static void note(sim_world *w, uint32_t who, uint64_t k, sim_cost_note what, uint64_t value)
{
    sim_note(w, who, OP_COST, k, (uint64_t)what | (value > (UINT64_MAX >> 8) ? UINT64_MAX >> 8 : value) << 8);
}

static void push(sim_world *w, uint64_t at_ns, uint16_t type, uint32_t obj, uint64_t arg)
{
    if (ev_push(&w->q, at_ns, type, obj, arg))
        sim_fail(w, SIM_ERROR, "coord", "event queue full (%zu events)", w->q.cap);
}

/* ---- the shared storage ------------------------------------------------------------------ */

static uint32_t sending(const ck_costs *x)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < x->n_writes; i++)
        n += x->writes[i].phase == UP_SEND;
    return n;
}

/* Every write in progress has been served its share up to now. */
static void advance(sim_world *w, ck_costs *x)
{
    uint64_t now = w->q.now_ns, dt = now - x->last_ns;
    x->last_ns = now;
    uint32_t n = sending(x);
    if (!n || !dt || !x->c.storage_bytes_per_s)
        return;
    ck_u128 each = (ck_u128)dt * x->c.storage_bytes_per_s / n;
    for (uint32_t i = 0; i < x->n_writes; i++) {
        ck_write *u = &x->writes[i];
        if (u->phase == UP_SEND)
            u->left = u->left > each ? u->left - each : 0;
    }
}

static bool is_storage(const ev_event *e, void *ctx)
{
    (void)ctx;
    return e->type == EV_CK_STORAGE;
}

/* The storage's next event: when the write with the least left ends, at the share every
 * write now in progress gets (0 left: now). */
static void replan(sim_world *w, ck_costs *x)
{
    ev_remove_if(&w->q, is_storage, NULL);
    uint32_t n = sending(x);
    if (!n)
        return;
    ck_u128 least = 0;
    bool any = false;
    for (uint32_t i = 0; i < x->n_writes; i++)
        if (x->writes[i].phase == UP_SEND && (!any || x->writes[i].left < least)) {
            least = x->writes[i].left;
            any = true;
        }
    uint64_t bw = x->c.storage_bytes_per_s;
    ck_u128 dt = bw ? (least * n + bw - 1) / bw : 0;
    uint64_t cap = UINT64_MAX - w->q.now_ns;
    push(w, w->q.now_ns + (dt > cap ? cap : (uint64_t)dt), EV_CK_STORAGE, 0, 0);
}

static void write_done(sim_world *w, ck_write *u);
static void join(sim_world *w, ck_costs *x, uint32_t slot, uint64_t k, uint64_t bytes);
static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* Starts writing `bytes` for (node, k): after the storage's latency, sharing its bandwidth.
 * Returns false when there is nothing to write. */
static bool write_start(sim_world *w, ck_costs *x, uint32_t node, uint64_t k, uint8_t what, uint64_t bytes)
{
    if (!bytes && what != UP_METADATA)
        return false;
    uint32_t i = 0;
    while (i < x->n_writes && x->writes[i].phase != UP_FREE)
        i++;
    BS_ASSERT(i < x->n_writes); /* two per node and the metadata: one checkpoint at a time */
    x->writes[i] = (ck_write){.phase = UP_WAIT, .what = what, .node = node, .k = k, .bytes = bytes,
                              .left = (ck_u128)bytes * NS_PER_S};
    if (x->c.storage_latency_ns)
        push(w, sat_add(w->q.now_ns, x->c.storage_latency_ns), EV_CK_JOIN, i, k);
    else
        join(w, x, i, k, bytes);
    return true;
}

/* Write slot `slot` starts sending its `bytes`: the shares change. */
static void join(sim_world *w, ck_costs *x, uint32_t slot, uint64_t k, uint64_t bytes)
{
    ck_write *u = &x->writes[slot];
    BS_ASSERT(slot < x->n_writes && u->phase == UP_WAIT && u->k == k);
    note(w, u->node, k, COST_WRITE, bytes);
    advance(w, x);
    u->phase = UP_SEND;
    replan(w, x);
}

/* The storage event: every write with nothing left ends, in slot order. */
static void storage_event(sim_world *w, ck_costs *x)
{
    advance(w, x);
    if (!x->c.storage_bytes_per_s) { /* unlimited: a write ends as it starts sending */
        for (uint32_t i = 0; i < x->n_writes; i++)
            if (x->writes[i].phase == UP_SEND)
                x->writes[i].left = 0;
    }
    for (uint32_t i = 0; i < x->n_writes && !w->stop; i++) {
        ck_write *u = &x->writes[i];
        if (u->phase == UP_SEND && u->left == 0) {
            ck_write done = *u;
            *u = (ck_write){0};
            note(w, done.node, done.k, COST_WRITTEN, done.bytes);
            write_done(w, &done);
        }
    }
    if (!w->stop)
        replan(w, x);
}

/* ---- a task's phases ---------------------------------------------------------------------- */
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    ck_u128 p = (ck_u128)a * b;
    return p > UINT64_MAX ? UINT64_MAX : (uint64_t)p;
}

/* The task is done with K when its phases and writes are: it acknowledges. */
static void progress(sim_world *w, ck_costs *x, topo_node *n)
{
    ck_node *s = &x->nodes[n->id];
    if (!s->k || s->acked || !s->sync_done || !s->channel_ready || s->writes_left)
        return;
    s->acked = true;
    uint64_t now = w->q.now_ns;
    note(w, n->id, s->k, COST_ACK_SENT, 0);
    SIM_MX(w, mx_snapshot(w, n, s->k, s->sync_end_ns - s->trigger_ns, now - s->sync_end_ns, s->state_bytes,
                          s->channel_bytes));
    if (x->c.ack_latency_ns)
        push(w, sat_add(now, x->c.ack_latency_ns), EV_CK_ACK, n->id, s->k);
    else
        sim_coord_ack(w, n, s->k);
}

static void sync_end(sim_world *w, ck_costs *x, topo_node *n)
{
    ck_node *s = &x->nodes[n->id];
    s->sync_done = true;
    s->sync_end_ns = w->q.now_ns;
    note(w, n->id, s->k, COST_SYNC_END, s->state_bytes);
    if (write_start(w, x, n->id, s->k, UP_STATE, s->state_bytes))
        s->writes_left++;
    progress(w, x, n);
}

static void channel_ready(sim_world *w, ck_costs *x, topo_node *n)
{
    ck_node *s = &x->nodes[n->id];
    s->channel_ready = true;
    note(w, n->id, s->k, COST_CHANNEL, s->channel_bytes);
    if (write_start(w, x, n->id, s->k, UP_CHANNEL, s->channel_bytes))
        s->writes_left++;
    progress(w, x, n);
}

static void write_done(sim_world *w, ck_write *u)
{
    if (u->what == UP_METADATA) {
        if (u->k == w->ck_pending)
            sim_coord_complete(w, u->k);
        return;
    }
    topo_node *n = &w->nodes[u->node];
    ck_node *s = &w->ck->nodes[u->node];
    BS_ASSERT(s->k == u->k && s->writes_left > 0);
    s->writes_left--;
    progress(w, w->ck, n);
}

void ck_cost_trigger(sim_world *w, topo_node *n, uint64_t k)
{
    ck_costs *x = w->ck;
    if (!x || k != w->ck_pending || w->stop)
        return;
    ck_node *s = &x->nodes[n->id];
    BS_ASSERT(!s->k || s->k == k);
    if (s->k == k)
        return;
    uint64_t state = sat_add(x->c.state_bytes, sat_mul(x->c.state_bytes_per_record, n->task->folded));
    uint64_t sync = sat_add(x->c.sync_ns, sat_mul(state, x->c.sync_ps_per_byte) / 1000u);
    uint64_t busy = s->busy_until_ns;
    *s = (ck_node){.k = k, .trigger_ns = w->q.now_ns, .state_bytes = state};
    s->busy_until_ns = sat_add(w->q.now_ns, sync) > busy ? sat_add(w->q.now_ns, sync) : busy;
    note(w, n->id, k, COST_SYNC, sync);
    if (sync)
        push(w, sat_add(w->q.now_ns, sync), EV_CK_SYNC, n->id, k);
    else
        sync_end(w, x, n);
}

/* The channel state a task persists for K: its input channel state and its output state
 * (the records b<K> overtook in its outbox), as payload bytes. */
static uint64_t persisted_bytes(const sim_world *w, const sim_task *t, uint64_t k)
{
    uint64_t items = (t->cs_pend.k == k ? t->cs_pend.len : 0) + (t->out_pend.k == k ? t->out_pend.len : 0);
    return items * w->cfg->payload_len;
}

void ck_cost_snapshot_done(sim_world *w, topo_node *n, uint64_t k)
{
    ck_costs *x = w->ck;
    ck_node *s = x ? &x->nodes[n->id] : NULL;
    if (!s || s->k != k || s->snap_done) {
        if (!x) /* no costs: Flink's figures of a free snapshot (async: from t<K> to now) */
            SIM_MX(w, mx_snapshot(w, n, k, 0, UINT64_MAX, 0, persisted_bytes(w, n->task, k)));
        sim_coord_ack(w, n, k);
        return;
    }
    s->snap_done = true;
    s->channel_bytes = persisted_bytes(w, n->task, k);
    uint64_t ready = w->q.now_ns;
    if (s->channel_bytes && x->c.channel_state_bytes_per_s) {
        ck_u128 ns = ((ck_u128)s->channel_bytes * NS_PER_S + x->c.channel_state_bytes_per_s - 1) /
                     x->c.channel_state_bytes_per_s;
        uint64_t at = ns > UINT64_MAX - s->trigger_ns ? UINT64_MAX : s->trigger_ns + (uint64_t)ns;
        ready = at > ready ? at : ready;
    }
    if (ready > w->q.now_ns)
        push(w, ready, EV_CK_CSW, n->id, k);
    else
        channel_ready(w, x, n);
}

void ck_cost_source_ack(sim_world *w, topo_node *n, uint64_t k)
{
    if (!w->ck || !w->ck->c.ack_latency_ns || k != w->ck_pending) {
        sim_coord_ack(w, n, k);
        return;
    }
    push(w, sat_add(w->q.now_ns, w->ck->c.ack_latency_ns), EV_CK_ACK, n->id, k);
}

bool ck_cost_metadata(sim_world *w, uint64_t k)
{
    ck_costs *x = w->ck;
    SIM_MX(w, mx_acks_in(w, k));
    if (!x || (!x->c.storage_latency_ns && (!x->c.metadata_bytes || !x->c.storage_bytes_per_s)))
        return false;
    x->acks_in_k = k;
    return write_start(w, x, SIM_NONE, k, UP_METADATA, x->c.metadata_bytes);
}

bool ck_cost_busy(sim_world *w, topo_node *n)
{
    if (!w->ck || w->ck->nodes[n->id].busy_until_ns <= w->q.now_ns)
        return false;
    if (!n->run_pending)
        chan_schedule(w, n, w->ck->nodes[n->id].busy_until_ns);
    return true;
}

/* ---- ends -------------------------------------------------------------------------------- */

static bool of_checkpoint(const ev_event *e, void *ctx)
{
    uint64_t k = *(const uint64_t *)ctx;
    return (e->type == EV_CK_SYNC || e->type == EV_CK_CSW || e->type == EV_CK_JOIN || e->type == EV_CK_ACK) &&
           e->arg == k;
}

void ck_cost_end(sim_world *w, uint64_t k)
{
    ck_costs *x = w->ck;
    if (!x)
        return;
    ev_remove_if(&w->q, of_checkpoint, &k);
    advance(w, x);
    for (uint32_t i = 0; i < x->n_writes; i++)
        if (x->writes[i].phase != UP_FREE && x->writes[i].k == k)
            x->writes[i] = (ck_write){0};
    for (uint32_t i = 0; i < w->n_nodes; i++)
        if (x->nodes[i].k == k) {
            uint64_t busy = x->nodes[i].busy_until_ns; /* a synchronous phase runs to its end */
            x->nodes[i] = (ck_node){.busy_until_ns = busy};
        }
    replan(w, x);
}

void ck_cost_reset(sim_world *w)
{
    ck_costs *x = w->ck;
    if (!x)
        return;
    ev_remove_if(&w->q, is_storage, NULL);
    memset(x->nodes, 0, w->n_nodes * sizeof *x->nodes);
    memset(x->writes, 0, x->n_writes * sizeof *x->writes);
    x->last_ns = w->q.now_ns;
}

void ck_cost_event(sim_world *w, const ev_event *e)
{
    ck_costs *x = w->ck;
    BS_ASSERT(x);
    switch (e->type) {
    case EV_CK_SYNC:
        if (x->nodes[e->obj].k == e->arg)
            sync_end(w, x, &w->nodes[e->obj]);
        break;
    case EV_CK_CSW:
        if (x->nodes[e->obj].k == e->arg)
            channel_ready(w, x, &w->nodes[e->obj]);
        break;
    case EV_CK_JOIN: join(w, x, e->obj, e->arg, x->writes[e->obj].bytes); break;
    case EV_CK_STORAGE: storage_event(w, x); break;
    case EV_CK_ACK: sim_coord_ack(w, &w->nodes[e->obj], e->arg); break;
    default: BS_ASSERT(!"a checkpoint-cost event");
    }
}
