/*
 * restart.c: task failure and restart, and the commit a restart goes back to.
 *
 * Commit: when checkpoint K completes, every source's offset at b<K> and every task's
 * operator state at t<K> become the committed state. Restart (a task failed: a fault, or
 * its handler stopped on a disk error): the pending checkpoint is abandoned, everything in
 * flight (steps, arrivals) is cancelled, every task's handler is closed (its files
 * removed, which is checked) and reopened with a fresh checker, operator states go back to
 * the committed ones, channels and outboxes are emptied, sources rewind to the committed
 * offsets, and the run goes on. Restarts are bounded by max_restarts.
 * The sinks' per-record counts follow the commit (global.c).
 */
#include "engine_int.h"

#include <string.h>

#define MAX_RESTARTS_DEFAULT 64
void sim_restart_commit(sim_world *w, uint64_t k)
{
    BS_ASSERT(k > w->ck_committed && k == w->ck_pending); /* a newer checkpoint, completing */
    for (uint32_t i = 0; i < w->n_sources; i++) {
        w->nodes[i].ck_offset = w->nodes[i].snap_offset;
        sim_cs_source_commit(&w->nodes[i], k);
    }
    for (uint32_t i = w->n_sources; i < w->n_nodes; i++) {
        sim_task *t = w->nodes[i].task;
        if (!t)
            continue; /* a hand-built world (tests) */
        BS_ASSERT(t->snap_k == k);
        t->ck_fold = t->snap_fold;
        t->ck_folded = t->snap_folded;
        sim_cs_commit(t, k);
        uint8_t *c = t->cnt_ck; /* the snapshot becomes the committed copy */
        t->cnt_ck = t->cnt_snap;
        t->cnt_snap = c;
    }
    w->ck_committed = k;
}

static bool in_flight(const ev_event *e, void *ctx)
{
    (void)ctx;
    return e->type == EV_RUN || e->type == EV_ARRIVE || e->type == EV_WAKE || e->type == EV_CREDIT ||
           e->type == EV_FLUSH || e->type == EV_BUFSIZE;
}

static void reset_outbox(topo_node *n)
{
    n->ob_head = n->ob_len = n->ob_barriers = 0;
    n->run_pending = n->waiting_credit = n->emit_blocked = false;
}

static void reset_channels(sim_world *w)
{
    for (uint32_t i = 0; i < w->n_chans; i++) {
        topo_chan *c = &w->chans[i];
        c->head = c->len = c->arrived = c->markers_on = 0;
        c->last_arrive_ns = w->q.now_ns;
        c->data_sent = c->data_returned = c->bar_k = c->bar_before = c->snap_k = c->snap_count = c->snap_state = 0;
        c->eop_taken = c->snap_ended = false;
    }
}

/* Closes and reopens every task, its state back at the committed checkpoint. */
static void reset_tasks(sim_world *w)
{
    w->sinks_done = 0;
    w->res->sink_fold = 0;
    for (uint32_t i = w->n_sources; i < w->n_nodes && !w->stop; i++) {
        topo_node *n = &w->nodes[i];
        sim_task *t = n->task;
        sim_task_handler_close(w, n);
        if (w->stop)
            return;
        reset_outbox(n);
        n->done = false;
        n->idle = true;
        t->fold = t->ck_fold;
        t->folded = t->ck_folded;
        t->snap_k = 0;
        if (n->is_sink)
            w->res->sink_fold += t->fold;
        if (t->cnt)
            memcpy(t->cnt, t->cnt_ck, w->labels);
        int rc = sim_task_handler_open(w, n);
        if (rc)
            sim_fail(w, SIM_ERROR, n->name, "restart: cannot reopen the handler: %s", bs_strerror(rc));
    }
}

/* Each task gets the committed channel and output state back (chanstate.c); a task that
 * has some runs at once, the others wait for their first arrival. */
static void restore_channel_state(sim_world *w)
{
    for (uint32_t i = w->n_sources; i < w->n_nodes && !w->stop; i++) {
        topo_node *n = &w->nodes[i];
        if (sim_cs_restore(w, n)) {
            sim_fail(w, SIM_ERROR, n->name, "restart: out of memory restoring channel state");
            return;
        }
        SIM_MX(w, mx_recovered(w, n->task->rp_left));
        if ((n->task->rp_left || n->ob_len) && !n->run_pending) {
            n->idle = false;
            chan_schedule(w, n, w->q.now_ns);
        }
    }
}

static void rewind_sources(sim_world *w)
{
    for (uint32_t i = 0; i < w->n_sources; i++) {
        topo_node *n = &w->nodes[i];
        reset_outbox(n);
        n->skip_next = n->hold_next = false;
        n->owes_ack = n->held_k = 0;
        if (n->done)
            w->sources_done--;
        n->done = false;
        n->emitted = n->ck_offset;
        if (w->cfg->plant == SIM_PLANT_WRONG_OFFSETS && n->emitted < n->limit)
            n->emitted++; /* planted: one record is never replayed */
        sim_cs_source_restore(w, n);
        sim_source_rewind(w, n);
    }
}

void sim_restart(sim_world *w, const topo_node *who, const char *why)
{
    if (w->stop)
        return;
    uint64_t max = w->cfg->max_restarts ? w->cfg->max_restarts : MAX_RESTARTS_DEFAULT;
    if (w->res->restarts >= max) {
        sim_fail(w, SIM_ERROR, who->name, "%s: more than %llu restarts", why, (unsigned long long)max);
        return;
    }
    w->res->restarts++;
    sim_coord_fault_seen(w);
    sim_trace(w, who->name, "restart from checkpoint %llu: %s", (unsigned long long)w->ck_committed, why);
    sim_note(w, who->id, OP_RESTART, w->ck_committed, w->res->restarts);
    sim_coord_abandon(w, "restart");
    ck_cost_reset(w);
    ev_remove_if(&w->q, in_flight, NULL);
    reset_tasks(w);
    if (w->stop)
        return;
    reset_channels(w);
    if (w->net_bytes)
        net_reset(w);
    SIM_MX(w, mx_restart(w));
    part_restart(w); /* redeployed: rebalance starts from a new channel (partition.c) */
    restore_channel_state(w);
    rewind_sources(w);
    w->last_progress_ns = w->q.now_ns;
    if (!w->tick_queued && w->cfg->checkpoint_interval_ns) {
        w->tick_queued = true;
        if (ev_push(&w->q, w->q.now_ns + w->cfg->checkpoint_interval_ns, EV_TICK, 0, 0))
            sim_fail(w, SIM_ERROR, "coord", "event queue full (%zu events)", w->q.cap);
    }
}

/* ---- global invariants ---------------------------------------------------------------- */
