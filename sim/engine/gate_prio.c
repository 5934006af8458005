/*
 * gate_prio.c: a task gate's optional operations (core/barriersim.h, bs_gate) and the
 * channel state a restore gives back.
 *
 * next_priority yields the earliest-arrived barrier or cancel marker among the arrived,
 * unconsumed items of the channels that are not blocked, taken out of the middle of its
 * channel ahead of the data queued before it (out->overtaken counts that data, restored
 * channel state of that port included). Only the first marker of a channel can be the
 * earliest-arrived one of it, so a marker never passes an older marker; an eop is the
 * last item of its channel, so no marker is behind one. The channel ring and the task's
 * arrival ring both lose exactly the item's entry (the k-th arrival of a port is the k-th
 * arrived item of its channel, before and after), and the credit goes back once
 * (chan_consumed_at). now_ns is simulated time. wake_at keeps one EV_WAKE per task (a new
 * time replaces the old event); a wake-up runs an idle task, a stale one does nothing.
 *
 * peek shows the i-th data item next() would yield from a port without consuming it:
 * first the port's restored channel state still to replay, then its arrived, unconsumed
 * items in channel order (the arrival ring counts how many of the ring's items have
 * arrived); 0 at a marker, an eop or the end of what arrived. Its payload goes to a
 * buffer of its own, so the one next() yielded last stays valid. It tells the checker
 * nothing: the items are yielded (and checked) when next() takes them.
 *
 * Restored channel state (chanstate.c fills rp_*): per port, in order, before anything
 * that arrives on that port; the fresh handler sees ordinary data.
 */
#include "engine_int.h"

#include <string.h>

#define NON_DATA_LABEL (1ULL << 63) /* as task.c: labels of yielded barriers and cancels */

static bool port_blocked(const uint64_t *blocked, uint32_t port)
{
    return blocked && bs_chanset_has(blocked, port);
}

/* The arrival index of the earliest-arrived marker on an unblocked channel, with its
 * place behind its channel's head; false when there is none. */
static bool find_marker(const sim_task *t, const uint64_t *blocked, uint32_t *arr_at, uint32_t *chan_at)
{
    const sim_world *w = t->w;
    for (uint32_t i = 0; i < t->arr_len; i++) {
        uint32_t port = t->arrivals[(t->arr_head + i) % t->arr_cap];
        if (port_blocked(blocked, port))
            continue;
        uint32_t before = 0; /* arrivals of this port ahead of entry i */
        for (uint32_t j = 0; j < i; j++)
            before += t->arrivals[(t->arr_head + j) % t->arr_cap] == port;
        const topo_chan *c = &w->chans[t->node->in_first + port];
        uint8_t kind = c->ring[(c->head + before) % c->cap].kind;
        if (kind == BS_BARRIER || kind == BS_CANCEL) {
            *arr_at = i;
            *chan_at = before;
            return true;
        }
    }
    return false;
}

/* Removes entry `at` of the arrival ring, later arrivals keeping their order. */
static void drop_arrival(sim_task *t, uint32_t at)
{
    for (uint32_t i = at; i + 1 < t->arr_len; i++)
        t->arrivals[(t->arr_head + i) % t->arr_cap] = t->arrivals[(t->arr_head + i + 1) % t->arr_cap];
    t->arr_len--;
}

int sim_gate_next_priority(void *ctx, const uint64_t *blocked, bs_item *out)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    if (w->stop || verify_gate(t->checker))
        return BS_ESTOPPED;
    uint32_t arr_at, chan_at;
    if (t->markers == 0 || !find_marker(t, blocked, &arr_at, &chan_at))
        return 0;
    uint32_t port = t->arrivals[(t->arr_head + arr_at) % t->arr_cap];
    topo_chan *c = &w->chans[t->node->in_first + port];
    sim_item it = c->ring[(c->head + chan_at) % c->cap];
    uint32_t replay = t->rp_next ? t->rp_end[port] - t->rp_next[port] : 0;
    memset(out, 0, sizeof *out);
    out->kind = (bs_kind)it.kind;
    out->channel = port;
    out->id = out->timestamp = it.val;
    out->overtaken = chan_at + replay; /* the items ahead of a marker are data */
    drop_arrival(t, arr_at);
    sim_note(w, t->node->id, out->overtaken ? OP_OVERTAKE : OP_TAKE,
             it.kind | (uint64_t)port << 8 | (uint64_t)out->overtaken << 32, it.val);
    chan_consumed_at(w, c, chan_at);
    verify_item vi = {.kind = out->kind, .channel = port, .id = it.val, .label = NON_DATA_LABEL | t->folded,
                      .overtaken = out->overtaken};
    return verify_yield(t->checker, &vi) ? BS_ESTOPPED : 1;
}

/* Arrived, unconsumed items of `port`: its entries in the arrival ring, which are as many
 * as its channel counts arrived (both grow by one per arrival, shrink by one per item the
 * gate yields, and are emptied together at a restart). */
static uint32_t port_arrived(const sim_task *t, uint32_t port)
{
    return t->w->chans[t->node->in_first + port].arrived;
}

/* Flink's convertToPriorityEvent (RemoteInputChannel / LocalInputChannel, called from
 * AlternatingCollectingBarriers.alignedCheckpointTimeout and
 * AlternatingCollectingBarriersUnaligned.announcementReceived): the announced b<id> queued on
 * `channel` is taken now, ahead of the data queued before it (their count in out->overtaken,
 * restored channel state of the port included, as next_priority); they are the receiver's
 * input channel state. Only when b<id> is the channel's first queued marker. */
int sim_gate_convert(void *ctx, uint32_t channel, uint64_t id, bs_item *out)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    BS_ASSERT(channel < t->node->n_in);
    if (w->stop || verify_gate(t->checker))
        return BS_ESTOPPED;
    topo_chan *c = &w->chans[t->node->in_first + channel];
    uint32_t arrived = port_arrived(t, channel), chan_at = 0;
    while (chan_at < arrived && c->ring[(c->head + chan_at) % c->cap].kind == BS_DATA)
        chan_at++;
    if (chan_at == arrived)
        return 0;
    sim_item it = c->ring[(c->head + chan_at) % c->cap];
    if (it.kind != BS_BARRIER || it.val != id)
        return 0;
    uint32_t arr_at = 0, seen = 0; /* the chan_at-th arrival of the port is the barrier */
    for (;; arr_at++) {
        BS_ASSERT(arr_at < t->arr_len);
        if (t->arrivals[(t->arr_head + arr_at) % t->arr_cap] == channel && seen++ == chan_at)
            break;
    }
    uint32_t replay = t->rp_next ? t->rp_end[channel] - t->rp_next[channel] : 0;
    memset(out, 0, sizeof *out);
    out->kind = BS_BARRIER;
    out->channel = channel;
    out->id = id;
    out->overtaken = chan_at + replay;
    uint64_t start;
    out->timestamp = id;
    if (sim_at_start_of(w, id, &start)) {
        out->timestamp = start;
        out->type |= BS_BARRIER_STARTED;
    }
    if (it.flags & SIM_ITEM_UNALIGNED)
        out->type |= BS_BARRIER_UNALIGNED;
    drop_arrival(t, arr_at);
    sim_note(w, t->node->id, out->overtaken ? OP_OVERTAKE : OP_TAKE,
             it.kind | (uint64_t)channel << 8 | (uint64_t)out->overtaken << 32, it.val);
    chan_consumed_at(w, c, chan_at);
    verify_item vi = {.kind = BS_BARRIER, .channel = channel, .id = id, .label = NON_DATA_LABEL | t->folded,
                      .overtaken = out->overtaken};
    return verify_yield(t->checker, &vi) ? BS_ESTOPPED : 1;
}

int sim_gate_peek(void *ctx, uint32_t channel, uint32_t i, bs_item *out)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    BS_ASSERT(channel < t->node->n_in);
    if (w->stop)
        return BS_ESTOPPED;
    uint32_t replay = t->rp_next ? t->rp_end[channel] - t->rp_next[channel] : 0;
    uint64_t label;
    if (i < replay) {
        label = t->rp_labels[t->rp_next[channel] + i];
    } else {
        uint32_t j = i - replay;
        if (j >= port_arrived(t, channel))
            return 0;
        const topo_chan *c = &w->chans[t->node->in_first + channel];
        sim_item it = c->ring[(c->head + j) % c->cap];
        if (it.kind != BS_DATA)
            return 0;
        label = it.val;
    }
    memset(out, 0, sizeof *out);
    out->kind = BS_DATA;
    out->channel = channel;
    out->len = w->cfg->payload_len;
    verify_payload_fill(t->peek_payload, out->len, label);
    out->data = t->peek_payload;
    return 1;
}

uint64_t sim_gate_now_ns(void *ctx)
{
    const sim_task *t = ctx;
    return t->w->q.now_ns;
}

static bool wake_of(const ev_event *e, void *ctx)
{
    return e->type == EV_WAKE && e->obj == *(const uint32_t *)ctx;
}

void sim_gate_wake_at(void *ctx, uint64_t at_ns)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    if (w->stop || at_ns == t->wake_ns)
        return;
    if (t->wake_ns != UINT64_MAX) /* a later request replaces an earlier one */
        ev_remove_if(&w->q, wake_of, &t->node->id);
    t->wake_ns = at_ns;
    sim_note(w, t->node->id, OP_WAKE, at_ns, 0);
    if (ev_push(&w->q, at_ns, EV_WAKE, t->node->id, ++t->wake_gen))
        sim_fail(w, SIM_ERROR, t->node->name, "event queue full (%zu events)", w->q.cap);
}

void sim_gate_wake_event(sim_world *w, topo_node *n, uint64_t gen)
{
    sim_task *t = n->task;
    if (gen != t->wake_gen || t->wake_ns == UINT64_MAX)
        return; /* stale */
    t->wake_ns = UINT64_MAX;
    if (n->idle && !n->run_pending && !n->done) {
        n->idle = false;
        chan_schedule(w, n, w->q.now_ns);
    } else if (w->announce && n->waiting_credit && !n->done) {
        /* back-pressured: the timer runs as a priority action (at_timeout.c) */
        t->wake_due = true;
        if (!n->run_pending && sim_task_may_poll(w, n))
            chan_schedule(w, n, w->q.now_ns);
    }
}

int sim_gate_replay(sim_task *t, const uint64_t *blocked, bs_item *out)
{
    if (t->rp_left == 0)
        return 0;
    sim_world *w = t->w;
    uint32_t port = 0;
    while (port < t->node->n_in && (t->rp_next[port] == t->rp_end[port] || port_blocked(blocked, port)))
        port++;
    if (port == t->node->n_in)
        return 0;
    uint64_t label = t->rp_labels[t->rp_next[port]++];
    t->rp_left--;
    memset(out, 0, sizeof *out);
    out->kind = BS_DATA;
    out->channel = port;
    out->len = w->cfg->payload_len;
    verify_payload_fill(t->payload, out->len, label);
    out->data = t->payload;
    sim_note(w, t->node->id, OP_TAKE_STATE, port, label);
    verify_item vi = {.kind = BS_DATA, .channel = port, .len = out->len, .label = label};
    return verify_yield(t->checker, &vi) ? BS_ESTOPPED : 1;
}
