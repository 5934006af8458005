/*
 * chan.c: channels with credits, and the outboxes in front of them.
 *
 * A sender puts what it produces into its outbox (chan_send, chan_broadcast), then
 * chan_flush moves items, oldest first, onto their channels while credit lasts: a channel
 * holds at most `credits` items, counting those still in flight and those arrived but not
 * yet consumed. With unaligned checkpoints (priority_barriers) only data items need
 * credit: a barrier or cancel marker goes whenever the ring has room (SIM_MARKER_SLOTS
 * beyond the credits), as Flink sends events without credit. An item is due at the receiver after a latency drawn from the latency
 * stream, never before the item sent ahead of it (FIFO). When the receiver's gate takes an
 * item (the head, or an arrived marker overtaking data: chan_consumed_at), its credit goes
 * back at once, exactly once and a sender that was waiting for it
 * flushes again and, once its outbox is empty, is woken. Time spent waiting is measured.
 */
#include "engine_int.h"

void chan_schedule(sim_world *w, topo_node *n, uint64_t at_ns)
{
    BS_ASSERT(!n->run_pending);
    n->run_pending = true;
    if (ev_push(&w->q, at_ns, EV_RUN, n->id, ++n->run_gen))
        sim_fail(w, SIM_ERROR, n->name, "event queue full (%zu events)", w->q.cap);
}

uint32_t chan_route(const topo_node *n, uint64_t label)
{
    /* Salted by stage, so that each stage partitions the records afresh. */
    uint64_t salt = n->is_source ? 0 : (uint64_t)n->stage + 1;
    return n->n_out <= 1 ? 0 : (uint32_t)(rng_mix64(label ^ rng_mix64(salt)) % n->n_out);
}

int chan_send(sim_world *w, topo_node *n, bs_kind kind, uint64_t val, uint32_t port)
{
    BS_ASSERT(port < n->n_out);
    if (n->ob_len == n->ob_cap) {
        sim_fail(w, SIM_ERROR, n->name, "outbox full (%u items): the sender is stalled", n->ob_cap);
        return BS_ENOMEM;
    }
    topo_out *o = &n->outbox[(n->ob_head + n->ob_len++) % n->ob_cap];
    *o = (topo_out){{val, (uint8_t)kind, 0}, port};
    n->ob_barriers += kind == BS_BARRIER;
    if (kind == BS_DATA)
        SIM_MX(w, mx_queued(w, n->outs[port], +1));
    return 0;
}

int chan_broadcast(sim_world *w, topo_node *n, bs_kind kind, uint64_t val)
{
    for (uint32_t p = 0; p < n->n_out; p++)
        if (chan_send(w, n, kind, val, p))
            return BS_ENOMEM;
    return 0;
}

static bool is_marker(uint8_t kind) { return kind == BS_BARRIER || kind == BS_CANCEL; }

/* True when channel c may take an item of this kind now. */
static bool has_credit(const sim_world *w, const topo_chan *c, uint8_t kind)
{
    if (!w->priority_barriers)
        return c->len < c->credits;
    if (is_marker(kind))
        return c->len < c->cap;
    return c->len - c->markers_on < c->credits && c->len < c->cap;
}

static topo_out *ob_at(topo_node *n, uint32_t i) { return &n->outbox[(n->ob_head + i) % n->ob_cap]; }

/* Where an unaligned barrier goes: just after the outbox's last barrier, cancel or eop. A
 * source's broadcast record (its copies in port order, sent oldest first) is overtaken
 * whole or not at all: the copies of one partly sent stay ahead of the barrier, so that
 * the records it overtakes are whole records, which the source's offset gives back. */
static uint32_t ahead_slot(topo_node *n)
{
    uint32_t at = n->ob_len;
    while (at > 0 && ob_at(n, at - 1)->it.kind == BS_DATA)
        at--;
    while (n->is_source && n->out_link == SIM_LINK_BROADCAST && at < n->ob_len && ob_at(n, at)->port != 0)
        at++;
    return at;
}

/* Drops the barriers older than `id` still waiting in the outbox; the other entries keep
 * their order. */
static void drop_older_barriers(topo_node *n, uint64_t id)
{
    uint32_t kept = 0;
    for (uint32_t j = 0; j < n->ob_len; j++) {
        topo_out o = *ob_at(n, j);
        if (o.it.kind == BS_BARRIER && o.it.val < id) {
            n->ob_barriers--;
            continue;
        }
        *ob_at(n, kept++) = o;
    }
    n->ob_len = kept;
}

long chan_broadcast_ahead(sim_world *w, topo_node *n, uint64_t id,
                          void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx)
{
    /* Barriers of older checkpoints not sent yet are dropped: the coordinator started
     * <id> only once they ended (completed, aborted or abandoned), and b<id> subsumes them
     * downstream. This bounds the outbox when markers come faster than channels take them. */
    drop_older_barriers(n, id);
    if (w->net_bytes && over && ahead_slot(n) == 0)
        return net_broadcast_ahead(w, n, id, over, ctx); /* ahead of the output queues too */
    if (n->ob_len + n->n_out > n->ob_cap) {
        sim_fail(w, SIM_ERROR, n->name, "outbox full (%u items): the sender is stalled", n->ob_cap);
        return -1;
    }
    uint32_t at = ahead_slot(n), moved = n->ob_len - at;
    for (uint32_t j = n->ob_len; j-- > at;) /* make room: the records keep their order */
        *ob_at(n, j + n->n_out) = *ob_at(n, j);
    for (uint32_t p = 0; p < n->n_out; p++)
        *ob_at(n, at + p) = (topo_out){{id, (uint8_t)BS_BARRIER, SIM_ITEM_UNALIGNED}, p};
    n->ob_len += n->n_out;
    n->ob_barriers += n->n_out;
    for (uint32_t j = at + n->n_out; over && j < n->ob_len; j++) {
        BS_ASSERT(ob_at(n, j)->it.kind == BS_DATA);
        over(ctx, ob_at(n, j)->port, ob_at(n, j)->it.val);
    }
    return (long)moved;
}

void chan_put_item(sim_world *w, topo_chan *c, const sim_item *it)
{
    BS_ASSERT(c->len < c->cap);
    c->ring[(c->head + c->len++) % c->cap] = *it;
    c->markers_on += is_marker(it->kind);
    if (it->kind == BS_DATA) {
        c->data_sent++;
    } else if (it->kind == BS_BARRIER && it->val > c->bar_k) { /* an older one overtaken: not the cut */
        c->bar_k = it->val;
        c->bar_before = c->data_sent;
    }
    w->res->items_sent++;
}

/* Puts one item on channel c (which has credit) and schedules its arrival. */
static void put(sim_world *w, topo_chan *c, const sim_item *it)
{
    BS_ASSERT(has_credit(w, c, it->kind));
    chan_put_item(w, c, it);
    const sim_dist *d = c->latency;
    uint64_t at = w->q.now_ns + rng_bounded(&w->r_latency, d->min_ns, d->mean_ns, d->max_ns);
    if (at < c->last_arrive_ns)
        at = c->last_arrive_ns;
    c->last_arrive_ns = at;
    if (ev_push(&w->q, at, EV_ARRIVE, (uint32_t)(c - w->chans), 0))
        sim_fail(w, SIM_ERROR, "engine", "event queue full (%zu events)", w->q.cap);
}

void chan_flush(sim_world *w, topo_node *n)
{
    if (w->net_bytes) {
        net_flush(w, n);
        return;
    }
    /* Each pass moves one item or stops: at most ob_len passes. */
    while (n->ob_len > 0) {
        topo_out *o = &n->outbox[n->ob_head];
        topo_chan *c = &w->chans[n->outs[o->port]];
        if (!has_credit(w, c, o->it.kind)) {
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

void chan_arrive(sim_world *w, topo_chan *c)
{
    if (w->net_bytes) {
        net_arrive(w, c);
        return;
    }
    BS_ASSERT(c->arrived < c->len);
    const sim_item *it = &c->ring[(c->head + c->arrived) % c->cap];
    sim_note(w, c->to, OP_ARRIVE, it->kind | (uint64_t)c->port << 8, it->val);
    c->arrived++;
    topo_node *to = &w->nodes[c->to];
    if (to->task && is_marker(it->kind))
        to->task->markers++;
    sim_task_wake(w, to, c->port);
    /* A back-pressured task takes an arrived marker at once (task_run.c, poll_priority). */
    if (is_marker(it->kind) && !to->run_pending && sim_task_may_poll(w, to))
        chan_schedule(w, to, w->q.now_ns);
}

void chan_consumed(sim_world *w, topo_chan *c) { chan_consumed_at(w, c, 0); }

void chan_consumed_at(sim_world *w, topo_chan *c, uint32_t at)
{
    BS_ASSERT(c->arrived > at && c->len > at);
    uint8_t kind = c->ring[(c->head + at) % c->cap].kind;
    if (kind == BS_DATA)
        SIM_MX(w, mx_queued(w, (uint32_t)(c - w->chans), -1));
    topo_node *to = &w->nodes[c->to];
    sim_at_consumed(w, c, kind);
    if (is_marker(c->ring[(c->head + at) % c->cap].kind)) {
        BS_ASSERT(c->markers_on > 0);
        c->markers_on--;
        if (to->task) {
            BS_ASSERT(to->task->markers > 0);
            to->task->markers--;
        }
    }
    for (uint32_t i = at; i > 0; i--) /* close the gap: the items ahead keep their order */
        c->ring[(c->head + i) % c->cap] = c->ring[(c->head + i - 1) % c->cap];
    c->head = (c->head + 1) % c->cap;
    c->len--;
    c->arrived--;
    if (w->net_bytes) {
        net_consumed(w, c, kind);
        return;
    }
    chan_resume(w, &w->nodes[c->from]);
}

void chan_resume(sim_world *w, topo_node *snd)
{
    if (!snd->waiting_credit)
        return;
    chan_flush(w, snd);
    if (snd->waiting_credit || snd->run_pending)
        return;
    /* The outbox is empty again: a task goes on with its handler; a source emits the
     * record its timer asked for while it was blocked. */
    if (!snd->is_source || snd->emit_blocked) {
        snd->emit_blocked = false;
        if (!snd->is_source && snd->done)
            return;
        chan_schedule(w, snd, w->q.now_ns);
    }
}
