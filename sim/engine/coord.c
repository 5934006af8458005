/*
 * coord.c: the checkpoint coordinator. Every checkpoint_interval_ns it starts checkpoint
 * K+1 by putting b<K+1> into every source's outbox, unless K is still pending, a source
 * has finished (it can no longer inject barriers), or a source still holds the previous
 * barrier in its outbox (back-pressure: at most one barrier waits per source). Sources
 * acknowledge at once (their snapshot is their offset), tasks when their handler
 * triggers. K completes when every node acknowledged it, is declined when any handler
 * aborts it, and times out after checkpoint_timeout_ns. At completion, K must be a
 * consistent cut: on every channel the data records the sender emitted before b<K> equal
 * (exactly-once) or are at most (at-least-once) those the receiver had been returned when
 * it snapshotted K.
 */
#include "engine_int.h"

static void check_cut(sim_world *w, uint64_t k)
{
    bool exact = w->guarantee != VERIFY_AT_LEAST_ONCE;
    for (uint32_t i = 0; i < w->n_chans; i++) {
        const topo_chan *c = &w->chans[i];
        bool ok = c->bar_k == k && c->snap_k == k &&
                  (exact ? c->snap_count == c->bar_before : c->snap_count >= c->bar_before);
        if (!ok) {
            sim_fail(w, SIM_VIOLATION, "coord",
                     "consistent cut: checkpoint %llu completed, but on channel %s -> %s in%u the sender "
                     "emitted %llu records before b%llu (last barrier sent b%llu) and the receiver's snapshot "
                     "(of checkpoint %llu) counted %llu",
                     (unsigned long long)k, w->nodes[c->from].name, w->nodes[c->to].name, c->port,
                     (unsigned long long)c->bar_before, (unsigned long long)k, (unsigned long long)c->bar_k,
                     (unsigned long long)c->snap_k, (unsigned long long)c->snap_count);
            return;
        }
    }
}

static void start(sim_world *w)
{
    uint64_t k = ++w->ck_last;
    w->ck_pending = k;
    w->ck_start_ns = w->q.now_ns;
    w->ck_acks = 0;
    w->res->checkpoints_started++;
    sim_note(w, SIM_NONE, OP_START, k, 0);
    if (w->cfg->checkpoint_timeout_ns && !w->timeout_queued) {
        w->timeout_queued = true;
        if (ev_push(&w->q, w->q.now_ns + w->cfg->checkpoint_timeout_ns, EV_TIMEOUT, 0, k))
            sim_fail(w, SIM_ERROR, "coord", "event queue full (%zu events)", w->q.cap);
    }
    for (uint32_t i = 0; i < w->n_sources && !w->stop; i++) {
        topo_node *n = &w->nodes[i];
        n->snap_offset = n->emitted;
        if (topo_broadcast(w, n, BS_BARRIER, k))
            return;
        topo_flush(w, n);
        sim_coord_ack(w, n, k);
    }
}

void sim_coord_tick(sim_world *w)
{
    if (w->sources_done > 0) {
        sim_note(w, SIM_NONE, OP_TICK, 0, 0);
        return; /* no new checkpoints, and no more ticks: the run can drain */
    }
    if (w->ck_pending)
        sim_note(w, SIM_NONE, OP_TICK, w->ck_pending, 0);
    for (uint32_t i = 0; i < w->n_sources && w->ck_pending == 0; i++) {
        if (w->nodes[i].ob_barriers) {
            /* Back-pressure holds the previous barrier: one at a time per source. */
            sim_note(w, SIM_NONE, OP_SKIP, w->ck_last + 1, i);
            break;
        }
        if (i + 1 == w->n_sources)
            start(w);
    }
    if (!w->stop && ev_push(&w->q, w->q.now_ns + w->cfg->checkpoint_interval_ns, EV_TICK, 0, 0))
        sim_fail(w, SIM_ERROR, "coord", "event queue full (%zu events)", w->q.cap);
}

void sim_coord_timeout(sim_world *w)
{
    w->timeout_queued = false;
    if (w->ck_pending == 0) {
        sim_note(w, SIM_NONE, OP_TICK, 0, 1);
        return;
    }
    uint64_t due = w->ck_start_ns + w->cfg->checkpoint_timeout_ns;
    if (w->q.now_ns >= due) {
        sim_note(w, SIM_NONE, OP_TIMEOUT, w->ck_pending, w->ck_acks);
        w->res->checkpoints_timed_out++;
        w->ck_pending = 0;
        return;
    }
    sim_note(w, SIM_NONE, OP_TICK, w->ck_pending, 1);
    w->timeout_queued = true;
    if (ev_push(&w->q, due, EV_TIMEOUT, 0, w->ck_pending))
        sim_fail(w, SIM_ERROR, "coord", "event queue full (%zu events)", w->q.cap);
}

void sim_coord_ack(sim_world *w, const topo_node *n, uint64_t id)
{
    sim_note(w, n->id, OP_ACK, id, 0);
    if (id != w->ck_pending)
        return; /* late: K already ended */
    if (++w->ck_acks < w->n_nodes)
        return;
    check_cut(w, id);
    if (w->stop)
        return;
    uint64_t took = w->q.now_ns - w->ck_start_ns;
    sim_note(w, SIM_NONE, OP_COMPLETE, id, took);
    if (took > w->res->checkpoint_duration_max_ns)
        w->res->checkpoint_duration_max_ns = took;
    w->res->checkpoints_completed++;
    w->ck_pending = 0;
}

void sim_coord_decline(sim_world *w, const topo_node *n, uint64_t id, bs_abort_reason why)
{
    if (id != w->ck_pending)
        return;
    sim_note(w, SIM_NONE, OP_DECLINE, id, (uint64_t)why | (uint64_t)n->id << 8);
    w->res->checkpoints_declined++;
    w->ck_pending = 0;
}
