/*
 * coord.c: the checkpoint coordinator. Every checkpoint_interval_ns it starts checkpoint
 * K+1 by putting b<K+1> into every source's outbox, unless K is still pending, a source
 * has finished (it can no longer inject barriers), or a source still holds the previous
 * barrier in its outbox (back-pressure: at most one barrier waits per source). Sources
 * acknowledge at once (their snapshot is their offset), tasks when their handler
 * triggers. K completes when every node acknowledged it, is declined when any handler
 * aborts it, and times out after checkpoint_timeout_ns. At completion, K must be a
 * consistent cut (checks/consistent_cut.c). A completed checkpoint is committed (restart.c): a restart
 * goes back to it. Faults (fault.c) make a source skip its barrier (it then acknowledges K
 * only if its eop comes first, with all its records before K), start K+1 while K is
 * pending (K is abandoned), time K out, or cancel it, or hold a source's b<K> back until
 * b<K+1> has gone (reorder). With a scripted schedule (sim_step) there is no interval:
 * a source's scripted barrier of a new id starts it (sim_coord_source_barrier). With
 * faults quiet (w->ck_quiet: K started once the run had settled, and saw no fault since),
 * K must end within checkpoint_bound_ns (checks/liveness.c).
 */
#include "engine_int.h"
#include "metrics.h"

void sim_coord_fault_seen(sim_world *w)
{
    w->last_fault_ns = w->q.now_ns;
    w->settled = w->ck_quiet = false;
}

/* K becomes the pending checkpoint. */
static void begin(sim_world *w, uint64_t k)
{
    /* ids only grow, and one checkpoint at a time: the previous one ended or was abandoned */
    BS_ASSERT(k > w->ck_last && w->ck_pending == 0);
    w->ck_last = k;
    w->ck_pending = k;
    w->ck_start_ns = w->q.now_ns;
    w->ck_quiet = w->settled;
    w->ck_acks = 0;
    w->res->checkpoints_started++;
    sim_note(w, SIM_NONE, OP_START, k, 0);
    SIM_MX(w, mx_ck_start(w, k));
    sim_at_begin(w, k); /* its start, carried by its barriers, and its alignment timer */
    if (w->cfg->checkpoint_timeout_ns && !w->timeout_queued) {
        w->timeout_queued = true;
        if (ev_push(&w->q, w->q.now_ns + w->cfg->checkpoint_timeout_ns, EV_TIMEOUT, 0, k))
            sim_fail(w, SIM_ERROR, "coord", "event queue full (%zu events)", w->q.cap);
    }
}

/* Sends b<K> from source n, then a barrier a reorder fault held back (older: it is
 * overtaken). With `ahead` (unaligned checkpoints), b<K> overtakes the records queued in
 * the outbox: they have not left the source, so its snapshot offset excludes them and a
 * restore emits them again. */
static int send_barrier(sim_world *w, topo_node *n, uint64_t k, bool ahead)
{
    if (ahead && w->net_bytes) { /* ahead of its queued buffers: output state */
        if (sim_cs_source_overtake(w, n, k))
            return BS_ENOMEM;
    } else if (ahead) {
        long moved = chan_broadcast_ahead(w, n, k, NULL, NULL);
        if (moved < 0)
            return BS_ENOMEM;
        if (n->out_link == SIM_LINK_BROADCAST) { /* whole records, n_out copies each (chan.c) */
            BS_ASSERT(moved % n->n_out == 0);
            moved /= n->n_out;
        }
        BS_ASSERT((uint64_t)moved <= n->snap_offset);
        n->snap_offset -= (uint64_t)moved;
        sim_note(w, n->id, OP_OVERTAKE_OUT, k, (uint64_t)moved);
    } else if (chan_broadcast(w, n, BS_BARRIER, k)) {
        return BS_ENOMEM;
    }
    if (n->held_k && n->held_k < k) {
        sim_note(w, n->id, OP_LATE_BARRIER, n->held_k, k);
        if (chan_broadcast(w, n, BS_BARRIER, n->held_k))
            return BS_ENOMEM;
        n->held_k = 0;
    }
    chan_flush(w, n);
    return 0;
}

static void start(sim_world *w)
{
    uint64_t k = w->ck_last + 1;
    begin(w, k);
    for (uint32_t i = 0; i < w->n_sources && !w->stop; i++) {
        topo_node *n = &w->nodes[i];
        n->snap_offset = n->emitted;
        n->owes_ack = 0;
        if (sim_fault_kinds_skip(w, n, k)) {
            /* No b<K> from this source: its snapshot of K is where its stream turns out
             * to place K: after all of it when its eop comes first (source.c). */
            n->owes_ack = k;
            continue;
        }
        if (sim_fault_kinds_hold(w, n, k))
            continue; /* b<K> goes out after b<K+1>: K cannot complete */
        if (send_barrier(w, n, k, w->priority_barriers))
            return;
        ck_cost_source_ack(w, n, k);
    }
    if (!w->stop)
        sim_faults_on_start(w, k);
}

/* A scripted source sends b<K> (source.c). An id newer than every started checkpoint
 * starts it (the pending one is abandoned); every source owes K its snapshot: at its own
 * b<K>, or after all its records when its eop comes first (a finished source at once). Any
 * other id starts nothing: the barrier is sent as it is, and its acknowledgement is late. */
void sim_coord_source_barrier(sim_world *w, topo_node *n, uint64_t k)
{
    if (k > w->ck_last) {
        sim_coord_abandon(w, "overlap");
        begin(w, k);
        for (uint32_t i = 0; i < w->n_sources && !w->stop; i++) {
            topo_node *m = &w->nodes[i];
            m->snap_offset = m->emitted;
            m->owes_ack = m->done ? 0 : k;
            if (m->done)
                ck_cost_source_ack(w, m, k);
        }
        if (!w->stop)
            sim_faults_on_start(w, k);
    }
    if (w->stop)
        return;
    if (k == w->ck_pending && n->owes_ack == k && sim_fault_kinds_skip(w, n, k))
        return; /* a skip fault: it keeps owing K */
    if (send_barrier(w, n, k, false))
        return;
    sim_at_sent(w, n, k);
    if (k == w->ck_pending && n->owes_ack == k) {
        n->owes_ack = 0;
        n->snap_offset = n->emitted;
        ck_cost_source_ack(w, n, k);
    }
}

void sim_coord_start(sim_world *w)
{
    if (w->sources_done > 0)
        return;
    for (uint32_t i = 0; i < w->n_sources; i++) {
        const topo_node *n = &w->nodes[i];
        if (!chan_outbox_room(n, 3)) {
            sim_note(w, SIM_NONE, OP_SKIP, w->ck_last + 1, i);
            return;
        }
    }
    sim_coord_abandon(w, "overlap");
    start(w);
}

void sim_coord_abandon(sim_world *w, const char *why)
{
    (void)why;
    if (!w->ck_pending)
        return;
    sim_note(w, SIM_NONE, OP_ABANDON, w->ck_pending, 0);
    SIM_MX(w, mx_ck_end(w, w->ck_pending, SIM_CK_ABANDONED, BS_ABORT_SUBSUMED));
    w->res->checkpoints_abandoned++;
    uint64_t k = w->ck_pending;
    w->ck_pending = 0;
    ck_cost_end(w, k);
}

void sim_coord_force_timeout(sim_world *w)
{
    if (!w->ck_pending)
        return;
    sim_note(w, SIM_NONE, OP_TIMEOUT, w->ck_pending, w->ck_acks);
    SIM_MX(w, mx_ck_end(w, w->ck_pending, SIM_CK_TIMED_OUT, BS_ABORT_TIMEOUT));
    w->res->checkpoints_timed_out++;
    uint64_t k = w->ck_pending;
    w->ck_pending = 0;
    ck_cost_end(w, k);
}

void sim_coord_cancel(sim_world *w, topo_node *n, uint64_t k)
{
    if (k == 0 || n->done)
        return;
    sim_note(w, n->id, OP_CANCEL, k, 0);
    if (n->is_sink) {
        sim_coord_decline(w, n, k, BS_ABORT_CANCELLED);
        return;
    }
    if (!chan_outbox_room(n, 3)) {
        sim_note(w, n->id, OP_NO_CANCEL, k, 0);
        return;
    }
    if (chan_broadcast(w, n, BS_CANCEL, k))
        return;
    chan_flush(w, n);
}

void sim_coord_tick(sim_world *w)
{
    w->tick_queued = false;
    if (sim_checks_coord(w))
        return;
    if (w->sources_done > 0) {
        sim_note(w, SIM_NONE, OP_TICK, 0, 0);
        return; /* no new checkpoints, and no more ticks: the run can drain */
    }
    if (w->ck_pending)
        sim_note(w, SIM_NONE, OP_TICK, w->ck_pending, 0);
    int32_t congested = w->net_bytes && w->ck_pending == 0 ? net_congested(w) : -1;
    if (congested >= 0)
        sim_note(w, SIM_NONE, OP_SKIP, w->ck_last + 1, (uint64_t)congested);
    for (uint32_t i = 0; i < w->n_sources && w->ck_pending == 0 && congested < 0; i++) {
        if (w->nodes[i].ob_barriers) {
            /* Back-pressure holds the previous barrier: one at a time per source. */
            sim_note(w, SIM_NONE, OP_SKIP, w->ck_last + 1, i);
            break;
        }
        if (i + 1 == w->n_sources)
            start(w);
    }
    if (w->stop)
        return;
    w->tick_queued = true;
    if (ev_push(&w->q, w->q.now_ns + w->cfg->checkpoint_interval_ns, EV_TICK, 0, 0))
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
    if (sim_checks_coord(w))
        return;
    if (w->q.now_ns >= due) {
        sim_note(w, SIM_NONE, OP_TIMEOUT, w->ck_pending, w->ck_acks);
        SIM_MX(w, mx_ck_end(w, w->ck_pending, SIM_CK_TIMED_OUT, BS_ABORT_TIMEOUT));
        w->res->checkpoints_timed_out++;
        uint64_t k = w->ck_pending;
        w->ck_pending = 0;
        ck_cost_end(w, k);
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
    uint32_t need = w->n_nodes - (w->cfg->plant == SIM_PLANT_EARLY_COMPLETE ? 1 : 0);
    if (++w->ck_acks < need)
        return;
    if (ck_cost_metadata(w, id))
        return; /* K completes when its metadata is written (ckpt_cost.c) */
    sim_coord_complete(w, id);
}

/* Every acknowledgement (and, with costs, the metadata) of the pending K is in. */
void sim_coord_complete(sim_world *w, uint64_t id)
{
    BS_ASSERT(id == w->ck_pending);
    sim_checks_complete(w, id); /* the consistent cut (checks/consistent_cut.c) */
    if (w->stop || sim_checks_coord(w))
        return;
    sim_restart_commit(w, id);
    BS_ASSERT(w->ck_committed == id && w->q.now_ns >= w->ck_start_ns);
    if (w->last_fault_ns == UINT64_MAX || w->last_fault_ns < w->ck_start_ns)
        w->settled = true;
    uint64_t took = w->q.now_ns - w->ck_start_ns;
    sim_note(w, SIM_NONE, OP_COMPLETE, id, took);
    SIM_MX(w, mx_ck_end(w, id, SIM_CK_COMPLETED, BS_ABORT_SUBSUMED));
    if (took > w->res->checkpoint_duration_max_ns)
        w->res->checkpoint_duration_max_ns = took;
    w->res->checkpoints_completed++;
    w->ck_pending = 0;
    ck_cost_end(w, id);
}

void sim_coord_decline(sim_world *w, const topo_node *n, uint64_t id, bs_abort_reason why)
{
    if (id != w->ck_pending)
        return;
    sim_note(w, SIM_NONE, OP_DECLINE, id, (uint64_t)why | (uint64_t)n->id << 8);
    SIM_MX(w, mx_ck_end(w, id, SIM_CK_DECLINED, why));
    w->res->checkpoints_declined++;
    w->ck_pending = 0;
    ck_cost_end(w, id);
}
