/*
 * source.c: a source emits `records_per_source` data records, one per timer event, with
 * exponential gaps drawn from the workload stream, each routed to one output by its label;
 * then eop on every output. Its timer is its only EV_RUN; when the timer fires while the
 * outbox is still waiting for credit, the source holds its record back (emit_blocked) and
 * chan.c wakes it once the outbox drains. Barriers are injected by the coordinator
 * (coord.c) into the outbox, so they follow every record emitted before them. A source's
 * partition is `limit` records long (records_per_source, unless an eop fault ended it
 * early); a restart rewinds `emitted` to the offset of the latest completed checkpoint.
 */
#include "engine_int.h"

void sim_source_run(sim_world *w, topo_node *n)
{
    const sim_config *c = w->cfg;
    if (n->done)
        return;
    if (n->ob_len > 0) {
        sim_note(w, n->id, OP_WAIT_CREDIT, n->ob_len, 0);
        n->emit_blocked = true;
        return;
    }
    if (n->emitted < n->limit) {
        SIM_MX(w, mx_emit(w, n, n->emitted));
        uint64_t label = sim_label(n->index, n->emitted++);
        sim_note(w, n->id, OP_EMIT, label, 0);
        w->res->records_emitted++;
        w->last_progress_ns = w->q.now_ns;
        if (topo_send(w, n, BS_DATA, label, topo_route(n, label)))
            return;
    }
    if (n->emitted >= n->limit) {
        sim_note(w, n->id, OP_SOURCE_EOP, 0, 0);
        n->done = true;
        w->sources_done++;
        if (topo_broadcast(w, n, BS_EOP, 0))
            return;
        if (n->owes_ack) { /* it skipped b<K>: every record of it precedes K */
            n->snap_offset = n->emitted;
            sim_coord_ack(w, n, n->owes_ack);
            n->owes_ack = 0;
        }
    }
    topo_flush(w, n);
    if (n->done)
        return;
    uint64_t gap = (uint64_t)rng_exp(&w->r_workload, (double)c->source_interval_ns);
    topo_schedule(w, n, w->q.now_ns + gap);
}
