/*
 * source.c: the sources, on the random schedule or on a scripted one (sim.h, sim_step).
 *
 * Random: a source emits `records_per_source` data records, one per timer event, with
 * exponential gaps drawn from the workload stream, each routed by its link kind
 * (partition.c); then eop on every output. Barriers are injected by the coordinator (coord.c) into the
 * outbox, so they follow every record emitted before them.
 *
 * Scripted: a source takes its steps in order, one action per timer event (a record, a
 * barrier, a cancel marker, an eop or a fault), and schedules the next action when it is
 * due: the next record of a records step source_interval_ns later; a new step at its
 * `at_ns` (at once if that has passed), or, without one, source_interval_ns later for a
 * records step and at once for any other. After its last step it sends eop.
 *
 * Either way the timer is the source's only EV_RUN; when it fires while the outbox is still
 * waiting for credit, the source holds its action back (emit_blocked) and chan.c wakes it
 * once the outbox drains. A source's partition is `limit` records long (records_per_source
 * or its scripted records, unless an eop fault ended it early); a restart rewinds
 * `emitted` to the offset of the latest completed checkpoint (and a scripted source to the
 * step holding that offset, sim_source_rewind).
 */
#include "engine_int.h"

static void emit_record(sim_world *w, topo_node *n)
{
    BS_ASSERT(n->is_source && !n->done && n->emitted < n->limit);
    SIM_MX(w, mx_emit(w, n, n->emitted));
    uint64_t label = sim_label(n->index, n->emitted++);
    sim_note(w, n->id, OP_EMIT, label, 0);
    w->res->records_emitted++;
    w->last_progress_ns = w->q.now_ns;
    part_send(w, n, label);
}

/* The partition ends: eop on every output; a skipped b<K> is acknowledged now. */
static void end_partition(sim_world *w, topo_node *n)
{
    sim_note(w, n->id, OP_SOURCE_EOP, 0, 0);
    n->done = true;
    w->sources_done++;
    if (chan_broadcast(w, n, BS_EOP, 0))
        return;
    if (n->owes_ack) { /* it skipped b<K>: every record of it precedes K */
        n->snap_offset = n->emitted;
        ck_cost_source_ack(w, n, n->owes_ack);
        n->owes_ack = 0;
    }
}

/* ---- the scripted schedule -------------------------------------------------------------- */
static const sim_step *step_of(const sim_world *w, const topo_node *n, uint32_t j)
{
    return j < n->step_n ? &w->cfg->steps[w->script[n->step_first + j]] : NULL;
}

/* When the source's next action is due, `now` being when the previous one happened. */
static uint64_t script_due(const sim_world *w, const topo_node *n, bool first)
{
    uint64_t now = w->q.now_ns, gap = n->interval_ns;
    const sim_step *s = step_of(w, n, n->step_at);
    if (!s)
        return now; /* the eop after the last step */
    if (n->step_done > 0)
        return now + gap; /* the next record of this records step */
    if (s->at_ns != SIM_STEP_NEXT)
        return s->at_ns > now ? s->at_ns : now;
    return s->kind == SIM_STEP_RECORDS || first ? now + gap : now;
}

static void script_advance(topo_node *n)
{
    n->step_at++;
    n->step_done = 0;
}

/* Takes one action of step s (the source's step number j). */
static void script_act(sim_world *w, topo_node *n, const sim_step *s, uint32_t j)
{
    uint32_t idx = w->script[n->step_first + j];
    if (s->kind != SIM_STEP_RECORDS)
        sim_note(w, n->id, OP_STEP, j, (uint64_t)s->kind | s->n << 8);
    if (s->kind == SIM_STEP_RECORDS) {
        emit_record(w, n);
        if (++n->step_done == s->n)
            script_advance(n);
        return;
    }
    script_advance(n); /* first: a fault step's restart rewinds the script */
    switch (s->kind) {
    case SIM_STEP_BARRIER: sim_coord_source_barrier(w, n, s->n); break;
    case SIM_STEP_CANCEL: sim_coord_cancel(w, n, s->n); break;
    case SIM_STEP_FAULT:
        if (!w->step_fired[idx]) {
            w->step_fired[idx] = 1;
            sim_fault_fire(w, (uint32_t)s->n, 0);
        }
        break;
    default: BS_ASSERT(!"records and eop steps are taken elsewhere"); break;
    }
}

static void script_run(sim_world *w, topo_node *n)
{
    const sim_step *s = step_of(w, n, n->step_at);
    /* Past the last step, at an eop step, or cut short by an eop fault: the partition ends. */
    if (!s || n->limit < n->script_records || s->kind == SIM_STEP_EOP) {
        if (s && s->kind == SIM_STEP_EOP)
            sim_note(w, n->id, OP_STEP, n->step_at, SIM_STEP_EOP);
        end_partition(w, n);
    } else {
        script_act(w, n, s, n->step_at);
    }
    if (w->stop || n->run_pending)
        return; /* a fault step may have restarted the job (every source rescheduled) */
    chan_flush(w, n);
    if (!n->done)
        chan_schedule(w, n, script_due(w, n, false));
}

void sim_source_rewind(sim_world *w, topo_node *n)
{
    if (!w->cfg->n_steps) {
        chan_schedule(w, n, w->q.now_ns + (uint64_t)rng_exp(&w->r_workload, (double)n->interval_ns));
        return;
    }
    /* Resume at the step holding record `emitted`; barrier and cancel steps of committed
     * checkpoints at that offset are not taken again. */
    uint64_t cum = 0;
    uint32_t j = 0;
    for (const sim_step *s; (s = step_of(w, n, j)) != NULL; j++) {
        bool old = (s->kind == SIM_STEP_BARRIER || s->kind == SIM_STEP_CANCEL) && s->n <= w->ck_committed;
        if (cum >= n->emitted && !old)
            break;
        if (s->kind == SIM_STEP_RECORDS) {
            if (cum + s->n > n->emitted)
                break;
            cum += s->n;
        }
    }
    n->step_at = j;
    n->step_done = n->emitted - cum;
    chan_schedule(w, n, script_due(w, n, true));
}

void sim_source_start(sim_world *w, topo_node *n)
{
    n->step_at = 0;
    n->step_done = 0;
    if (w->cfg->n_steps) {
        n->limit = n->script_records;
        chan_schedule(w, n, script_due(w, n, true));
    } else {
        chan_schedule(w, n, (uint64_t)rng_exp(&w->r_workload, (double)n->interval_ns));
    }
}

/* ---- the random schedule ---------------------------------------------------------------- */
void sim_source_run(sim_world *w, topo_node *n)
{
    const sim_config *c = w->cfg;
    if (n->done)
        return;
    if (n->ob_len > 0 || n->waiting_credit) {
        sim_note(w, n->id, OP_WAIT_CREDIT, n->ob_len, 0);
        n->emit_blocked = true;
        return;
    }
    if (c->n_steps) {
        script_run(w, n);
        return;
    }
    if (n->emitted < n->limit) {
        emit_record(w, n);
        if (w->stop)
            return;
    }
    if (n->emitted >= n->limit)
        end_partition(w, n);
    if (w->stop)
        return;
    chan_flush(w, n);
    if (n->done)
        return;
    uint64_t gap = (uint64_t)rng_exp(&w->r_workload, (double)n->interval_ns);
    chan_schedule(w, n, w->q.now_ns + gap);
}
