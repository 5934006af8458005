/*
 * chan.c: channels with credits, and the outboxes in front of them.
 *
 * A sender puts what it produces into its outbox (topo_send, topo_broadcast), then
 * topo_flush moves items, oldest first, onto their channels while credit lasts: a channel
 * holds at most `credits` items, counting those still in flight and those arrived but not
 * yet consumed. An item is due at the receiver after a latency drawn from the latency
 * stream, never before the item sent ahead of it (FIFO). When the receiver's gate takes an
 * item, its credit goes back at once (topo_consumed) and a sender that was waiting for it
 * flushes again and, once its outbox is empty, is woken. Time spent waiting is measured.
 */
#include "engine_int.h"

void topo_schedule(sim_world *w, topo_node *n, uint64_t at_ns)
{
    SIM_ASSERT(w, !n->run_pending);
    n->run_pending = true;
    if (ev_push(&w->q, at_ns, EV_RUN, n->id, ++n->run_gen))
        sim_fail(w, SIM_ERROR, n->name, "event queue full (%zu events)", w->q.cap);
}

uint32_t topo_route(const topo_node *n, uint64_t label)
{
    /* Salted by stage, so that each stage partitions the records afresh. */
    uint64_t salt = n->is_source ? 0 : (uint64_t)n->stage + 1;
    return n->n_out <= 1 ? 0 : (uint32_t)(rng_mix64(label ^ rng_mix64(salt)) % n->n_out);
}

int topo_send(sim_world *w, topo_node *n, bs_kind kind, uint64_t val, uint32_t port)
{
    SIM_ASSERT(w, port < n->n_out);
    if (n->ob_len == n->ob_cap) {
        sim_fail(w, SIM_ERROR, n->name, "outbox full (%u items): the sender is stalled", n->ob_cap);
        return BS_ENOMEM;
    }
    topo_out *o = &n->outbox[(n->ob_head + n->ob_len++) % n->ob_cap];
    *o = (topo_out){{val, (uint8_t)kind}, port};
    n->ob_barriers += kind == BS_BARRIER;
    return 0;
}

int topo_broadcast(sim_world *w, topo_node *n, bs_kind kind, uint64_t val)
{
    for (uint32_t p = 0; p < n->n_out; p++)
        if (topo_send(w, n, kind, val, p))
            return BS_ENOMEM;
    return 0;
}

/* Puts one item on channel c (which has credit) and schedules its arrival. */
static void put(sim_world *w, topo_chan *c, const sim_item *it)
{
    SIM_ASSERT(w, c->len < c->cap);
    c->ring[(c->head + c->len++) % c->cap] = *it;
    const sim_dist *d = &w->cfg->latency;
    uint64_t at = w->q.now_ns + rng_bounded(&w->r_latency, d->min_ns, d->mean_ns, d->max_ns);
    if (at < c->last_arrive_ns)
        at = c->last_arrive_ns;
    c->last_arrive_ns = at;
    if (it->kind == BS_DATA) {
        c->data_sent++;
    } else if (it->kind == BS_BARRIER && it->val > c->bar_k) { /* an older one overtaken: not the cut */
        c->bar_k = it->val;
        c->bar_before = c->data_sent;
    }
    w->res->items_sent++;
    if (ev_push(&w->q, at, EV_ARRIVE, (uint32_t)(c - w->chans), 0))
        sim_fail(w, SIM_ERROR, "engine", "event queue full (%zu events)", w->q.cap);
}

void topo_flush(sim_world *w, topo_node *n)
{
    /* Each pass moves one item or stops: at most ob_len passes. */
    while (n->ob_len > 0) {
        topo_out *o = &n->outbox[n->ob_head];
        topo_chan *c = &w->chans[n->outs[o->port]];
        if (c->len == c->cap) {
            if (!n->waiting_credit) {
                n->waiting_credit = true;
                n->wait_since_ns = w->q.now_ns;
                w->res->credit_waits++;
            }
            return;
        }
        put(w, c, &o->it);
        n->ob_barriers -= o->it.kind == BS_BARRIER;
        n->ob_head = (n->ob_head + 1) % n->ob_cap;
        n->ob_len--;
    }
    if (n->waiting_credit) {
        n->waiting_credit = false;
        w->res->credit_wait_ns += w->q.now_ns - n->wait_since_ns;
    }
}

void topo_arrive(sim_world *w, topo_chan *c)
{
    SIM_ASSERT(w, c->arrived < c->len);
    const sim_item *it = &c->ring[(c->head + c->arrived) % c->cap];
    sim_note(w, c->to, OP_ARRIVE, it->kind | (uint64_t)c->port << 8, it->val);
    c->arrived++;
    sim_task_wake(w, &w->nodes[c->to], c->port);
}

void topo_consumed(sim_world *w, topo_chan *c)
{
    SIM_ASSERT(w, c->arrived > 0 && c->len > 0);
    c->head = (c->head + 1) % c->cap;
    c->len--;
    c->arrived--;
    topo_node *snd = &w->nodes[c->from];
    if (!snd->waiting_credit)
        return;
    topo_flush(w, snd);
    if (snd->waiting_credit || snd->run_pending)
        return;
    /* The outbox is empty again: a task goes on with its handler; a source emits the
     * record its timer asked for while it was blocked. */
    if (!snd->is_source || snd->emit_blocked) {
        snd->emit_blocked = false;
        if (!snd->is_source && snd->done)
            return;
        topo_schedule(w, snd, w->q.now_ns);
    }
}
