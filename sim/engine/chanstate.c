/*
 * chanstate.c: the engine's checkpoint storage for unaligned checkpoints: the channel
 * state a task's handler reports (bs_listener.channel_state), kept per checkpoint as
 * (input port, record label) pairs in report order, which per port is channel order.
 *
 * Contract: at t<K> the pending storage is emptied and takes K; each item reported for K
 * is appended and counted on its channel (topo_chan.snap_state, for the consistent cut).
 * (The handler itself writes channel state to its files, through the task's disk, where
 * the disk faults hit it: a failed write stops the handler, the task fails and K is never
 * acknowledged.) When K commits, its channel state becomes the committed one (the older
 * one is dropped); a restart from K gives each task its committed state back as per-port replay queues
 * (gate_prio.c yields them first) and counts it as sent on its channel, before b<K>.
 * Storage grows with what a handler reports (bounded by the records of the run), is
 * reused across checkpoints, and is freed when the run ends.
 *
 * Output state: an unaligned b<K> also overtakes the records queued in the task's outbox
 * after its last marker (as Flink's priority barriers overtake output buffers; see
 * chan_broadcast_ahead). Those records precede b<K> in the task's snapshot but follow it
 * on the wire, so they are K's output state, kept here as (output port, label) pairs; the
 * receiver counts them after b<K>, so the cut on the wire is unchanged. It commits with K,
 * and a restart from K puts it back into the outbox before anything else (without it, the
 * sinks' final state misses those records: the end-to-end check catches that).
 */
#include "engine_int.h"

static int cs_push(sim_cs *cs, uint32_t port, uint64_t label)
{
    if (cs->len == cs->cap) {
        size_t cap = cs->cap ? 2 * cs->cap : 64;
        uint32_t *p = realloc(cs->ports, cap * sizeof *p);
        if (!p)
            return BS_ENOMEM;
        cs->ports = p;
        uint64_t *l = realloc(cs->labels, cap * sizeof *l);
        if (!l)
            return BS_ENOMEM;
        cs->labels = l;
        cs->cap = cap;
    }
    cs->ports[cs->len] = port;
    cs->labels[cs->len++] = label;
    return 0;
}

int sim_cs_open(sim_task *t, uint32_t n_in)
{
    t->rp_next = calloc(n_in, sizeof *t->rp_next);
    t->rp_end = calloc(n_in, sizeof *t->rp_end);
    t->wake_ns = UINT64_MAX;
    return t->rp_next && t->rp_end ? 0 : BS_ENOMEM;
}

void sim_cs_free(sim_task *t)
{
    sim_cs *all[] = {&t->cs_pend, &t->cs_ck, &t->out_pend, &t->out_ck};
    for (size_t i = 0; i < 4; i++) {
        free(all[i]->ports);
        free(all[i]->labels);
        *all[i] = (sim_cs){0};
    }
    free(t->rp_next);
    free(t->rp_end);
    free(t->rp_labels);
    t->rp_next = t->rp_end = NULL;
    t->rp_labels = NULL;
}

void sim_cs_trigger(sim_task *t, uint64_t k)
{
    t->cs_pend.k = t->out_pend.k = k;
    t->cs_pend.len = t->out_pend.len = 0;
    for (uint32_t p = 0; p < t->node->n_in; p++)
        t->w->chans[t->node->in_first + p].snap_state = 0;
}

void sim_cs_report(sim_task *t, uint64_t k, const bs_item *data)
{
    sim_world *w = t->w;
    if (w->stop || k != t->cs_pend.k || data->kind != BS_DATA)
        return; /* the checker judges a report of another checkpoint */
    uint64_t label;
    if (!verify_payload_parse(data->data, data->len, &label))
        return; /* the checker reports a payload that is no input item */
    BS_ASSERT(data->channel < t->node->n_in);
    sim_note(w, t->node->id, OP_STATE, k, label);
    int rc = cs_push(&t->cs_pend, data->channel, label);
    if (rc) {
        sim_fail(w, SIM_ERROR, t->node->name, "channel state: out of memory");
        return;
    }
    w->chans[t->node->in_first + data->channel].snap_state++;
}

static void overtaken(void *ctx, uint32_t port, uint64_t label)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    if (cs_push(&t->out_pend, port, label)) {
        sim_fail(w, SIM_ERROR, t->node->name, "output state: out of memory");
        return;
    }
    SIM_MX(w, mx_channel_state(w, t->node, t->out_pend.k, w->cfg->payload_len));
}

int sim_cs_overtake(sim_task *t, uint64_t k)
{
    sim_world *w = t->w;
    topo_node *n = t->node;
    BS_ASSERT(t->out_pend.k == k && t->out_pend.len == 0);
    long moved = chan_broadcast_ahead(w, n, k, overtaken, t);
    if (moved < 0)
        return BS_ENOMEM;
    sim_note(w, n->id, OP_OVERTAKE_OUT, k, (uint64_t)moved);
    BS_ASSERT(w->stop || t->out_pend.len == (size_t)moved);
    return 0;
}

static void commit_one(sim_cs *pend, sim_cs *ck, uint64_t k)
{
    if (pend->k == k) { /* K's state becomes the committed one; the older is dropped */
        sim_cs old = *ck;
        *ck = *pend;
        *pend = old;
    } else {
        ck->len = 0; /* K has no such state here */
    }
    ck->k = k;
    pend->k = 0;
    pend->len = 0;
}

void sim_cs_commit(sim_task *t, uint64_t k)
{
    commit_one(&t->cs_pend, &t->cs_ck, k);
    commit_one(&t->out_pend, &t->out_ck, k);
}

/* ---- sources in the byte network ---------------------------------------------------------- */
static void src_overtaken(void *ctx, uint32_t port, uint64_t label)
{
    topo_node *n = ctx;
    if (cs_push(&n->src_out_pend, port, label))
        n->src_out_pend.len = SIZE_MAX; /* reported by the caller */
}

int sim_cs_source_overtake(sim_world *w, topo_node *n, uint64_t k)
{
    n->src_out_pend.k = k;
    n->src_out_pend.len = 0;
    long moved = chan_broadcast_ahead(w, n, k, src_overtaken, n);
    if (moved >= 0 && n->src_out_pend.len == SIZE_MAX) {
        sim_fail(w, SIM_ERROR, n->name, "output state: out of memory");
        return BS_ENOMEM;
    }
    if (moved < 0)
        return BS_ENOMEM;
    sim_note(w, n->id, OP_OVERTAKE_OUT, k, (uint64_t)moved);
    BS_ASSERT(n->src_out_pend.len == (size_t)moved);
    return 0;
}

/* ---- a timed-out aligned barrier converted at its sender (at_timeout.c) ---------------------- */
int sim_cs_convert(sim_world *w, topo_node *n, uint64_t k)
{
    long moved;
    if (n->is_source) {
        if (n->src_out_pend.k != k) { /* an aligned b<K>: no output state of K so far */
            n->src_out_pend.k = k;
            n->src_out_pend.len = 0;
        }
        size_t before = n->src_out_pend.len;
        moved = net_convert_barrier(w, n, k, src_overtaken, n);
        if (moved >= 0 && n->src_out_pend.len == SIZE_MAX) {
            sim_fail(w, SIM_ERROR, n->name, "output state: out of memory");
            return BS_ENOMEM;
        }
        BS_ASSERT(moved < 0 || n->src_out_pend.len == before + (size_t)moved);
    } else {
        sim_task *t = n->task;
        if (t->out_pend.k != k || t->snap_k != k)
            return 0; /* it has not triggered K: it sent no b<K> */
        moved = net_convert_barrier(w, n, k, overtaken, t);
    }
    if (moved < 0)
        return BS_ENOMEM;
    sim_note(w, n->id, OP_CONVERT_OUT, k, (uint64_t)moved);
    return 0;
}

void sim_cs_source_commit(topo_node *n, uint64_t k) { commit_one(&n->src_out_pend, &n->src_out_ck, k); }

/* A restart: the committed output state is sent again ahead of new records. */
void sim_cs_source_restore(sim_world *w, topo_node *n)
{
    n->src_out_pend.k = 0;
    n->src_out_pend.len = 0;
    if (n->src_out_ck.k != w->ck_committed || !w->net_bytes)
        return;
    for (size_t i = 0; i < n->src_out_ck.len && !w->stop; i++)
        net_restore_record(w, n, n->src_out_ck.ports[i], n->src_out_ck.labels[i]);
    if (!w->stop)
        chan_flush(w, n);
}

void sim_cs_source_free(topo_node *n)
{
    sim_cs *all[] = {&n->src_out_pend, &n->src_out_ck};
    for (size_t i = 0; i < 2; i++) {
        free(all[i]->ports);
        free(all[i]->labels);
        *all[i] = (sim_cs){0};
    }
}

/* The committed output state goes back into the (emptied) outbox, ahead of all else. */
static int restore_output(sim_world *w, topo_node *n)
{
    sim_task *t = n->task;
    t->out_pend.k = 0;
    t->out_pend.len = 0;
    BS_ASSERT(n->ob_len == 0);
    if (t->out_ck.k != w->ck_committed)
        return 0;
    for (size_t i = 0; i < t->out_ck.len; i++) {
        if (w->net_bytes) { /* more than an outbox holds: straight into the channels' buffers */
            net_restore_record(w, n, t->out_ck.ports[i], t->out_ck.labels[i]);
            if (w->stop)
                return BS_ENOMEM;
        } else if (chan_send(w, n, BS_DATA, t->out_ck.labels[i], t->out_ck.ports[i])) {
            return BS_ENOMEM;
        }
    }
    if (w->net_bytes)
        chan_flush(w, n);
    SIM_MX(w, mx_recovered(w, t->out_ck.len));
    return 0;
}

/* A restart from the committed checkpoint: the committed channel state, grouped by port
 * in report order, becomes the gate's replay queues, and counts as sent on its channel. */
int sim_cs_restore(sim_world *w, topo_node *n)
{
    sim_task *t = n->task;
    t->cs_pend.k = 0;
    t->cs_pend.len = 0;
    t->unaligned_k = 0;
    t->rp_left = 0;
    if (restore_output(w, n))
        return BS_ENOMEM;
    const sim_cs *cs = &t->cs_ck;
    if (cs->k != w->ck_committed)
        return 0; /* a hand-built world, or nothing committed yet */
    if (cs->len > t->rp_cap) {
        uint64_t *l = realloc(t->rp_labels, cs->len * sizeof *l);
        if (!l)
            return BS_ENOMEM;
        t->rp_labels = l;
        t->rp_cap = cs->len;
    }
    uint32_t at = 0;
    for (uint32_t p = 0; p < n->n_in; p++) {
        t->rp_next[p] = t->rp_end[p] = at;
        for (size_t i = 0; i < cs->len; i++)
            if (cs->ports[i] == p)
                t->rp_labels[t->rp_end[p]++] = cs->labels[i];
        at = t->rp_end[p];
        w->chans[n->in_first + p].data_sent += t->rp_end[p] - t->rp_next[p];
    }
    t->rp_left = cs->len;
    return 0;
}
