/*
 * net.c: the byte network, Flink's credit-based flow control (sim_config.net, model
 * SIM_NET_BYTES). The record model (chan.c alone) counts one credit per record.
 *
 * Sender (one output channel = one Flink subpartition). Records leave the task's outbox
 * (chan.c) when the output is available, and are serialized into the channel's open
 * network buffer of `segment_bytes`: a record takes payload + SIM_NET_RECORD_HEADER bytes
 * (Flink's 4-byte length prefix, RecordWriter.serializeRecord, plus StreamElementSerializer's
 * 1-byte tag), several records share a buffer, and a record larger than what is left spans
 * the next buffers. An item belongs to the buffer that holds its last byte: it is readable
 * at the receiver once that buffer has arrived. The open buffer is finished when full, by
 * the output flusher every `buffer_timeout_ns` (Flink's OutputFlusher; 0 flushes after every
 * record), and before every event (a barrier, cancel marker or eop is a buffer of its own,
 * EventSerializer.toBufferConsumer; it holds no pool buffer and needs no credit:
 * PipelinedSubpartition/CreditBasedSequenceNumberingViewReader send an event without
 * credit). Finished buffers are sent in order; a data buffer needs a credit. Sent buffers
 * reach the receiver after a latency drawn per buffer, never before an earlier one.
 *
 * Output pool (Flink's LocalBufferPool of the ResultPartition): `channels x
 * buffers-per-channel + floating-buffers-per-gate` buffers (docs: network_mem_tuning.md,
 * "Network buffer lifecycle"), at least channels + 1 (ResultPartitionFactory's minimum). A buffer returns to the pool when it is sent. A node may
 * serialize a record into a channel only while the pool has a free buffer and that channel
 * holds fewer than `max-buffers-per-channel` buffers; a record spanning several buffers
 * finishes in overdraft (Flink: "This limit is not strictly guaranteed, and can be ignored
 * by ... records spanning multiple buffers"; max-overdraft-buffers-per-gate). A node that
 * cannot is back-pressured (waiting_credit): its handler is not called, as Flink's mailbox
 * does not process input while the output is unavailable.
 *
 * Receiver (Flink's RemoteInputChannel + BufferManager): each channel has
 * `buffers-per-channel` exclusive buffers; the gate has `floating-buffers-per-gate` floating
 * ones. The sender starts with the exclusive buffers as credits. Each data buffer carries
 * the sender's backlog (data buffers queued behind it); on its arrival the channel takes
 * floating buffers from the gate until it has backlog + exclusive free buffers
 * (onSenderBacklog). A buffer is recycled once every record completed in it has been
 * consumed (the deserializer copies a record spanning into the next buffer); a recycled
 * buffer beyond what the backlog needs goes back to the gate (and on to a channel that
 * wants one), any other is announced to the sender as a credit, which arrives after a
 * credit latency (an AddCredit message).
 *
 * Unaligned checkpoints: a task's barrier is a priority event (PipelinedSubpartition
 * .addPriorityElement): it goes ahead of every buffer still queued at the sender after the
 * last queued event, and the records in those buffers (and in the outbox) are the task's
 * output state (processPriorityBuffer -> channelStateWriter.addOutputData); they are still
 * sent after the barrier. A source's unaligned barrier overtakes only its outbox (its offset
 * excludes those records); it is not a priority event in the channel queue (a limit of
 * this model, docs/simulation-network.md).
 *
 * Memory: every ring is sized at net_build from the bounds above; nothing allocates on
 * the event path. Deterministic: latencies come from the latency stream only.
 */
#include "engine_int.h"

#include <string.h>

#define SIM_NET_RECORD_HEADER 5u /* 4-byte length + 1-byte StreamElement tag */
#define SIM_NET_EVENT_SLOTS 16u  /* event buffers a channel may hold at once */

static uint32_t record_bytes(const sim_world *w) { return w->cfg->payload_len + SIM_NET_RECORD_HEADER; }

/* The smallest buffer a sender fills: segment-size, or with debloating min-segment-size. */
static uint32_t buf_bytes_min(const sim_world *w)
{
    const sim_net *nc = &w->cfg->net;
    return nc->debloat.enabled ? nc->debloat.min_segment_bytes : nc->segment_bytes;
}

/* Buffers one record may newly take: its bytes over whole (smallest) buffers, plus one. */
static uint32_t span(const sim_world *w)
{
    return (record_bytes(w) + buf_bytes_min(w) - 1) / buf_bytes_min(w) + 1;
}

/* A channel's buffers: at the sender fewer than max-buffers-per-channel before a record,
 * which may then take `span` more (overdraft); after a restore its output state (as many,
 * plus the one record an outbox holds in this network) again; at the receiver at most
 * its exclusive and every floating buffer; and the event slots. */
static uint32_t bufs_cap(const sim_world *w)
{
    const sim_net *nc = &w->cfg->net;
    return nc->max_buffers_per_channel + 2 * span(w) + nc->buffers_per_channel + nc->floating_per_gate +
           SIM_NET_EVENT_SLOTS;
}

size_t net_ring_items(const sim_world *w, const topo_chan *c)
{
    (void)c;
    size_t per_buf = w->cfg->net.segment_bytes / record_bytes(w) + 1;
    return (size_t)(bufs_cap(w) - SIM_NET_EVENT_SLOTS) * per_buf + SIM_NET_EVENT_SLOTS;
}

size_t net_events_max(const sim_world *w)
{
    /* per channel: an arrival per buffer, a credit event per receiver buffer, a buffer-size
     * announcement; per node a flush and a debloat timer */
    const sim_net *nc = &w->cfg->net;
    return (size_t)w->n_chans * (bufs_cap(w) + nc->buffers_per_channel + nc->floating_per_gate + 1) +
           2 * (size_t)w->n_nodes;
}

int net_build(sim_world *w, char *why, size_t why_len)
{
    const sim_net *nc = &w->cfg->net;
    if (nc->segment_bytes < SIM_NET_SEGMENT_MIN || nc->segment_bytes > SIM_NET_SEGMENT_MAX ||
        nc->buffers_per_channel < 1 || nc->buffers_per_channel > SIM_NET_BUFFERS_MAX ||
        nc->floating_per_gate > SIM_NET_BUFFERS_MAX || nc->max_buffers_per_channel < 1 ||
        nc->max_buffers_per_channel > SIM_NET_BUFFERS_MAX) {
        snprintf(why, why_len, "invalid configuration: segment-size must be %u .. %u, buffers-per-channel and "
                 "max-buffers-per-channel 1 .. %u, floating-buffers-per-gate 0 .. %u",
                 SIM_NET_SEGMENT_MIN, SIM_NET_SEGMENT_MAX, SIM_NET_BUFFERS_MAX, SIM_NET_BUFFERS_MAX);
        return BS_EINVAL;
    }
    const sim_debloat *db = &nc->debloat; /* BufferDebloatConfiguration's checks */
    if (db->enabled && (db->min_segment_bytes < SIM_NET_SEGMENT_MIN || db->min_segment_bytes > nc->segment_bytes ||
                        db->samples < 1 || db->samples > SIM_DEBLOAT_SAMPLES_MAX || db->target_ns < 1 ||
                        db->period_ns < SIM_DEBLOAT_PERIOD_MIN_NS || db->threshold_pct > 100)) {
        snprintf(why, why_len, "invalid configuration: buffer debloating needs min-segment-size %u .. segment-size "
                 "(%u), buffer-debloat-samples 1 .. %u, buffer-debloat-target-ns >= 1, buffer-debloat-period-ns "
                 ">= %u and buffer-debloat-threshold-percentages 0 .. 100",
                 SIM_NET_SEGMENT_MIN, nc->segment_bytes, SIM_DEBLOAT_SAMPLES_MAX, SIM_DEBLOAT_PERIOD_MIN_NS);
        return BS_EINVAL;
    }
    uint32_t cap = bufs_cap(w);
    /* Not zeroed: buf_push writes a buffer before it counts in blen, and only the blen
     * buffers from bhead on are read. */
    sim_nbuf *all = malloc((size_t)w->n_chans * cap * sizeof *all);
    if (!all) {
        snprintf(why, why_len, "out of memory (the byte network's buffer rings)");
        return BS_ENOMEM;
    }
    for (uint32_t i = 0; i < w->n_chans; i++) {
        w->chans[i].bufs = &all[(size_t)i * cap];
        w->chans[i].bcap = cap;
    }
    net_reset(w);
    return 0;
}

void net_free(sim_world *w)
{
    if (w->chans && w->n_chans)
        free(w->chans[0].bufs);
}

void net_reset(sim_world *w)
{
    const sim_net *nc = &w->cfg->net;
    for (uint32_t i = 0; i < w->n_chans; i++) {
        topo_chan *c = &w->chans[i];
        c->bhead = c->blen = c->b_rx = c->b_fly = c->b_q = c->sq = c->wired = 0;
        c->b_open = false;
        c->data_ser = c->data_taken = 0;
        c->cr_sender = c->held = nc->buffers_per_channel;
        c->cr_transit = c->floating = c->rx_data = c->backlog = c->fly_data = 0;
    }
    for (uint32_t i = 0; i < w->n_nodes; i++) {
        topo_node *n = &w->nodes[i];
        n->pool_used = n->chans_full = n->float_rr = 0;
        /* Flink's target size, and at least one buffer more than channels (the minimum a
         * ResultPartition's pool gets, so that an open buffer never blocks a task alone) */
        n->pool_size = n->n_out * nc->buffers_per_channel + nc->floating_per_gate;
        if (n->out_split < n->n_out) /* two output partitions (two-input stages): one pool's
                                        floating share each, the pools pooled */
            n->pool_size += nc->floating_per_gate;
        if (n->pool_size < n->n_out + 1)
            n->pool_size = n->n_out + 1;
        n->float_free = n->is_source ? 0 : nc->floating_per_gate;
        n->flush_pending = false;
    }
    debloat_reset(w);
}

static sim_nbuf *buf_at(topo_chan *c, uint32_t i) { return &c->bufs[(c->bhead + i) % c->bcap]; }

static sim_nbuf *buf_push(sim_world *w, topo_chan *c)
{
    if (c->blen == c->bcap) {
        sim_fail(w, SIM_ERROR, w->nodes[c->from].name,
                 "network buffers of a channel full (%u: %u received, %u in flight, %u queued, %u open; %u "
                 "markers; held %u floating %u rx %u credits %u+%u taken %llu head-end %llu)", c->bcap, c->b_rx, c->b_fly, c->b_q, c->b_open, c->markers_on, c->held, c->floating, c->rx_data, c->cr_sender, c->cr_transit, (unsigned long long)c->data_taken, (unsigned long long)c->bufs[c->bhead].data_end);
        return NULL;
    }
    sim_nbuf *b = buf_at(c, c->blen++);
    *b = (sim_nbuf){.data_end = c->data_ser, .kind = BS_DATA};
    return b;
}

bool net_available(const sim_world *w, const topo_node *n)
{
    (void)w;
    return n->n_out == 0 || (n->pool_used < n->pool_size && n->chans_full == 0); /* a sink has no output */
}

static void sq_add(sim_world *w, topo_node *n, topo_chan *c, int d)
{
    uint32_t m = w->cfg->net.max_buffers_per_channel;
    if (d > 0) {
        n->pool_used++;
        if (++c->sq == m)
            n->chans_full++;
    } else {
        BS_ASSERT(c->sq > 0 && n->pool_used > 0);
        n->pool_used--;
        if (c->sq-- == m)
            n->chans_full--;
    }
}

/* ---- receiver: credits and floating buffers ---------------------------------------------- */
/* Credit conservation: every buffer the receiver holds for the channel is a credit the
 * sender has, one on its way back, a data buffer in flight, or one holding received data. */
static void check_credits(sim_world *w, const topo_chan *c)
{
    BS_ASSERT(c->held == c->cr_sender + c->cr_transit + c->fly_data + c->rx_data);
    BS_ASSERT(c->held <= w->cfg->net.buffers_per_channel + w->cfg->net.floating_per_gate);
    BS_ASSERT(c->held - c->floating == w->cfg->net.buffers_per_channel);
}

static void announce(sim_world *w, topo_chan *c, uint32_t k)
{
    const sim_dist *d = &w->cfg->net.credit_latency;
    if (d->min_ns == 0 && d->mean_ns == 0 && d->max_ns == 0)
        d = c->latency;
    c->cr_transit += k;
    uint64_t at = w->q.now_ns + rng_bounded(&w->r_latency, d->min_ns, d->mean_ns, d->max_ns);
    if (ev_push(&w->q, at, EV_CREDIT, (uint32_t)(c - w->chans), k))
        sim_fail(w, SIM_ERROR, "engine", "event queue full (%zu events)", w->q.cap);
}

static bool wants_floating(const sim_world *w, const topo_chan *c)
{
    return c->held - c->rx_data < c->backlog + w->cfg->net.buffers_per_channel;
}

static void take_floating(sim_world *w, topo_node *to, topo_chan *c)
{
    to->float_free--;
    c->held++;
    c->floating++;
    announce(w, c, 1);
}

/* A floating buffer came back to the gate: offer it to the channels, round robin. */
static void give_floating(sim_world *w, topo_node *to)
{
    for (uint32_t i = 0; i < to->n_in && to->float_free > 0; i++) {
        uint32_t p = (to->float_rr + i) % to->n_in;
        topo_chan *c = &w->chans[to->in_first + p];
        if (wants_floating(w, c)) {
            take_floating(w, to, c);
            to->float_rr = (p + 1) % to->n_in;
        }
    }
}

static void recycle_one(sim_world *w, topo_chan *c)
{
    topo_node *to = &w->nodes[c->to];
    BS_ASSERT(c->rx_data > 0);
    c->rx_data--;
    uint32_t need = c->backlog + w->cfg->net.buffers_per_channel;
    if (c->floating > 0 && c->held - c->rx_data > need) {
        c->held--;
        c->floating--;
        to->float_free++;
        give_floating(w, to);
    } else {
        announce(w, c, 1);
    }
}

/* Pops the arrived buffers at the head that hold nothing unconsumed any more. */
static void recycle(sim_world *w, topo_chan *c)
{
    while (c->b_rx > 0) {
        sim_nbuf *b = buf_at(c, 0);
        if (b->kind == BS_DATA && c->data_taken < b->data_end)
            return;
        bool data = b->kind == BS_DATA;
        c->bhead = (c->bhead + 1) % c->bcap;
        c->blen--;
        c->b_rx--;
        if (data)
            recycle_one(w, c);
    }
}

/* ---- sender ------------------------------------------------------------------------------ */
/* Sends the channel's finished buffers in order while credit lasts (events need none).
 * True when a pool buffer came free. */
static bool try_send(sim_world *w, topo_chan *c)
{
    topo_node *s = &w->nodes[c->from];
    bool freed = false;
    while (c->b_q > 0 && !w->stop) {
        sim_nbuf *b = buf_at(c, c->b_rx + c->b_fly);
        if (b->kind == BS_DATA) {
            if (c->cr_sender == 0)
                return freed;
            c->cr_sender--;
            c->fly_data++;
            sq_add(w, s, c, -1);
            freed = true;
        } else if (b->kind == BS_BARRIER) {
            BS_ASSERT(s->ob_barriers > 0);
            s->ob_barriers--;
        }
        c->b_q--;
        c->b_fly++;
        b->backlog = c->sq - (c->b_open ? 1u : 0u);
        c->wired += b->items;
        const sim_dist *d = c->latency;
        uint64_t at = w->q.now_ns + rng_bounded(&w->r_latency, d->min_ns, d->mean_ns, d->max_ns);
        if (at < c->last_arrive_ns)
            at = c->last_arrive_ns;
        c->last_arrive_ns = at;
        if (ev_push(&w->q, at, EV_ARRIVE, (uint32_t)(c - w->chans), 0))
            sim_fail(w, SIM_ERROR, "engine", "event queue full (%zu events)", w->q.cap);
    }
    return freed;
}

static void finish_open(topo_chan *c)
{
    if (c->b_open) {
        c->b_open = false;
        c->b_q++;
    }
}

static void arm_flusher(sim_world *w, topo_node *n)
{
    uint64_t t = w->cfg->net.buffer_timeout_ns;
    if (n->flush_pending || t == 0)
        return;
    n->flush_pending = true;
    uint64_t at = (w->q.now_ns / t + 1) * t; /* the flusher's period, from time 0 */
    if (at <= w->q.now_ns)                   /* overflow near 2^64: never */
        return;
    if (ev_push(&w->q, at, EV_FLUSH, n->id, 0))
        sim_fail(w, SIM_ERROR, "engine", "event queue full (%zu events)", w->q.cap);
}

/* Serializes a record into channel c's buffers. */
static void ser_data(sim_world *w, topo_node *n, topo_chan *c, const sim_item *it)
{
    uint32_t left = record_bytes(w);
    while (left > 0 && !w->stop) {
        if (!c->b_open) {
            if (!buf_push(w, c))
                return;
            c->b_open = true;
            /* a new buffer is trimmed to the size the receiver announced (debloat.c) */
            c->open_cap = debloat_buffer_bytes(w, c);
            sq_add(w, n, c, +1);
        }
        sim_nbuf *b = buf_at(c, c->blen - 1);
        uint32_t seg = c->open_cap;
        BS_ASSERT(b->bytes < seg && seg >= buf_bytes_min(w));
        uint32_t take = seg - b->bytes < left ? seg - b->bytes : left;
        b->bytes += take;
        left -= take;
        if (left == 0) {
            b->items++;
            b->data_end = ++c->data_ser;
        }
        if (b->bytes == seg)
            finish_open(c);
    }
    if (w->stop)
        return;
    chan_put_item(w, c, it);
    if (w->cfg->net.buffer_timeout_ns == 0)
        finish_open(c);
    else if (c->b_open)
        arm_flusher(w, n);
    try_send(w, c);
}

void net_restore_record(sim_world *w, topo_node *n, uint32_t port, uint64_t label)
{
    BS_ASSERT(port < n->n_out);
    sim_item it = {label, (uint8_t)BS_DATA, 0};
    SIM_MX(w, mx_queued(w, n->outs[port], +1));
    ser_data(w, n, &w->chans[n->outs[port]], &it);
}

/* An event: the open buffer is flushed first, then the event is a buffer of its own. */
static void ser_event(sim_world *w, topo_chan *c, const sim_item *it)
{
    if (c->markers_on >= SIM_NET_EVENT_SLOTS || c->len == c->cap) {
        sim_fail(w, SIM_ERROR, w->nodes[c->from].name,
                 "%u barriers and cancel markers wait on one channel (the model's limit)", c->markers_on);
        return;
    }
    finish_open(c);
    sim_nbuf *b = buf_push(w, c);
    if (!b)
        return;
    b->kind = it->kind;
    b->items = 1;
    c->b_q++;
    chan_put_item(w, c, it);
    try_send(w, c);
}

void net_flush(sim_world *w, topo_node *n)
{
    uint32_t m = w->cfg->net.max_buffers_per_channel;
    while (n->ob_len > 0 && !w->stop) {
        topo_out *o = &n->outbox[n->ob_head];
        topo_chan *c = &w->chans[n->outs[o->port]];
        sim_item it = o->it;
        if (it.kind == BS_DATA && (c->sq >= m || n->pool_used >= n->pool_size))
            break;
        n->ob_head = (n->ob_head + 1) % n->ob_cap;
        n->ob_len--;
        if (it.kind == BS_DATA)
            ser_data(w, n, c, &it);
        else
            ser_event(w, c, &it);
    }
    bool wait = n->ob_len > 0 || !net_available(w, n), was = n->waiting_credit;
    if (wait && !n->waiting_credit) {
        n->waiting_credit = true;
        n->wait_since_ns = w->q.now_ns;
        w->res->credit_waits++;
    } else if (!wait && n->waiting_credit) {
        n->waiting_credit = false;
        w->res->credit_wait_ns += w->q.now_ns - n->wait_since_ns;
    }
    /* A node waiting for output runs again once something outside its own step (an event
     * the coordinator or a fault sent, which flushed its open buffer) freed its output. */
    if (was && !wait && w->running != n->id && !n->run_pending) {
        if (n->is_source ? n->emit_blocked : !n->done) {
            n->emit_blocked = false;
            chan_schedule(w, n, w->q.now_ns);
        }
    }
}

/* ---- unaligned barriers: priority events ------------------------------------------------- */
static topo_out *ob_at(topo_node *n, uint32_t i) { return &n->outbox[(n->ob_head + i) % n->ob_cap]; }

/* Puts b<id> ahead of channel c's queued buffers after its last queued event; reports the
 * records it overtakes. Returns how many, or -1 (the run has failed). */
static long ahead_in_channel(sim_world *w, topo_chan *c, uint32_t port, uint64_t id,
                             void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx)
{
    uint32_t first = c->b_rx + c->b_fly, at = c->blen, items_before = c->wired;
    while (at > first && buf_at(c, at - 1)->kind == BS_DATA)
        at--;
    for (uint32_t j = first; j < at; j++)
        items_before += buf_at(c, j)->items;
    if (c->blen == c->bcap || c->len == c->cap) {
        sim_fail(w, SIM_ERROR, w->nodes[c->from].name, "network buffers of a channel full (%u)", c->bcap);
        return -1;
    }
    for (uint32_t j = c->blen; j > at; j--) /* make room in the buffer ring */
        *buf_at(c, j) = *buf_at(c, j - 1);
    *buf_at(c, at) = (sim_nbuf){.data_end = at > 0 ? buf_at(c, at - 1)->data_end : c->data_taken,
                                .items = 1, .kind = BS_BARRIER};
    c->blen++;
    c->b_q++;
    /* ... and in the item ring: the records behind it are overtaken */
    uint32_t pos = items_before;
    BS_ASSERT(pos <= c->len);
    for (uint32_t j = c->len; j > pos; j--)
        c->ring[(c->head + j) % c->cap] = c->ring[(c->head + j - 1) % c->cap];
    c->ring[(c->head + pos) % c->cap] = (sim_item){id, (uint8_t)BS_BARRIER, SIM_ITEM_UNALIGNED};
    c->len++;
    c->markers_on++;
    w->res->items_sent++;
    long moved = 0;
    for (uint32_t j = pos + 1; j < c->len; j++) {
        const sim_item *it = &c->ring[(c->head + j) % c->cap];
        BS_ASSERT(it->kind == BS_DATA);
        over(ctx, port, it->val);
        moved++;
    }
    if (id > c->bar_k) {
        c->bar_k = id;
        c->bar_before = c->data_sent - (uint64_t)moved;
    }
    return moved;
}

long net_broadcast_ahead(sim_world *w, topo_node *n, uint64_t id,
                         void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx)
{
    long moved = 0;
    for (uint32_t p = 0; p < n->n_out && !w->stop; p++) {
        long m = ahead_in_channel(w, &w->chans[n->outs[p]], p, id, over, ctx);
        if (m < 0)
            return -1;
        moved += m;
        n->ob_barriers++;
    }
    for (uint32_t j = 0; j < n->ob_len; j++) { /* the outbox holds data only (no marker) */
        BS_ASSERT(ob_at(n, j)->it.kind == BS_DATA);
        over(ctx, ob_at(n, j)->port, ob_at(n, j)->it.val);
        moved++;
    }
    for (uint32_t p = 0; p < n->n_out && !w->stop; p++)
        try_send(w, &w->chans[n->outs[p]]);
    return w->stop ? -1 : moved;
}

/* ---- aligned checkpoint timeout at the sender (Flink 1.14+) ---------------------------------- */
/* Flink's PipelinedSubpartition.alignedBarrierTimeout -> findInflightBuffersAndMakeBarrier
 * ToPriority (FLINK-27251; barrier.asUnaligned, FLINK-31588): the timed-out aligned b<id> queued at the sender of channel c
 * moves ahead of the data buffers queued before it (after the last event before it: it
 * never passes an older marker, a limit of this model; Flink puts it after the priority
 * events only), and those buffers' records are reported to over() (Flink: the channel
 * state future completed with the inflight buffers, channelStateWriter.addOutputDataFuture).
 * The barrier becomes unaligned (barrier.asUnaligned). Returns the records overtaken, or
 * -1 when no such b<id> is queued at the sender. */
static long convert_in_channel(sim_world *w, topo_chan *c, uint32_t port, uint64_t id,
                               void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx)
{
    (void)w;
    uint32_t first = c->b_rx + c->b_fly, at = first, j = first;
    uint32_t pos = c->wired, pos_at = c->wired; /* item ring positions */
    for (; j < first + c->b_q; j++) {
        const sim_nbuf *b = buf_at(c, j);
        if (b->kind != BS_DATA) {
            const sim_item *it = &c->ring[(c->head + pos) % c->cap];
            if (b->kind == BS_BARRIER && it->val == id && !(it->flags & SIM_ITEM_UNALIGNED))
                break;
            at = j + 1;
            pos_at = pos + b->items;
        }
        pos += b->items;
    }
    if (j == first + c->b_q || c->bar_k != id)
        return -1;
    sim_nbuf bar = *buf_at(c, j);
    for (uint32_t i = j; i > at; i--)
        *buf_at(c, i) = *buf_at(c, i - 1);
    bar.data_end = at > 0 ? buf_at(c, at - 1)->data_end : c->data_taken;
    *buf_at(c, at) = bar;
    sim_item it = c->ring[(c->head + pos) % c->cap];
    for (uint32_t i = pos; i > pos_at; i--)
        c->ring[(c->head + i) % c->cap] = c->ring[(c->head + i - 1) % c->cap];
    it.flags |= SIM_ITEM_UNALIGNED;
    c->ring[(c->head + pos_at) % c->cap] = it;
    long moved = (long)(pos - pos_at);
    for (uint32_t i = pos_at + 1; i <= pos; i++) {
        const sim_item *d = &c->ring[(c->head + i) % c->cap];
        BS_ASSERT(d->kind == BS_DATA);
        over(ctx, port, d->val);
    }
    BS_ASSERT(c->bar_before >= (uint64_t)moved);
    c->bar_before -= (uint64_t)moved;
    return moved;
}

/* b<id> still in n's outbox for `port` (not serialized yet): it leaves the outbox and goes
 * ahead of the channel's queued buffers as a priority event; the records queued on the
 * channel and those before it in the outbox for that port are overtaken. -1: not there. */
static long convert_in_outbox(sim_world *w, topo_node *n, uint32_t port, uint64_t id,
                              void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx)
{
    uint32_t j = 0;
    while (j < n->ob_len && !(ob_at(n, j)->it.kind == BS_BARRIER && ob_at(n, j)->it.val == id && ob_at(n, j)->port == port))
        j++;
    if (j == n->ob_len)
        return -1;
    for (uint32_t i = j; i + 1 < n->ob_len; i++) /* the others keep their order */
        *ob_at(n, i) = *ob_at(n, i + 1);
    n->ob_len--;
    n->ob_barriers--;
    long moved = ahead_in_channel(w, &w->chans[n->outs[port]], port, id, over, ctx);
    if (moved < 0)
        return -1;
    n->ob_barriers++;
    for (uint32_t i = 0; i < j; i++) {
        const topo_out *o = ob_at(n, i);
        if (o->port == port && o->it.kind == BS_DATA) {
            over(ctx, port, o->it.val);
            moved++;
        }
    }
    return moved;
}

long net_convert_barrier(sim_world *w, topo_node *n, uint64_t k,
                         void (*over)(void *ctx, uint32_t port, uint64_t label), void *ctx)
{
    long moved = 0;
    for (uint32_t p = 0; p < n->n_out && !w->stop; p++) {
        topo_chan *c = &w->chans[n->outs[p]];
        long m = convert_in_channel(w, c, p, k, over, ctx);
        if (m < 0)
            m = convert_in_outbox(w, n, p, k, over, ctx);
        if (m > 0)
            moved += m;
        if (m >= 0)
            try_send(w, c);
    }
    return w->stop ? -1 : moved;
}

/* ---- events -------------------------------------------------------------------------------- */
int32_t net_congested(const sim_world *w)
{
    for (uint32_t i = 0; i < w->n_chans; i++)
        if (w->chans[i].markers_on >= SIM_NET_EVENT_SLOTS / 2)
            return (int32_t)w->chans[i].to;
    return -1;
}

void net_arrive(sim_world *w, topo_chan *c)
{
    BS_ASSERT(c->b_fly > 0);
    sim_nbuf bb = *buf_at(c, c->b_rx), *b = &bb;
    c->b_fly--;
    if (b->kind == BS_DATA) {
        c->b_rx++;
    } else { /* an event holds no receiver buffer: it leaves the ring at once */
        for (uint32_t j = c->b_rx; j > 0; j--)
            *buf_at(c, j) = *buf_at(c, j - 1);
        c->bhead = (c->bhead + 1) % c->bcap;
        c->blen--;
    }
    topo_node *to = &w->nodes[c->to];
    for (uint32_t i = 0; i < b->items; i++) {
        BS_ASSERT(c->arrived < c->len);
        const sim_item *it = &c->ring[(c->head + c->arrived) % c->cap];
        sim_note(w, c->to, OP_ARRIVE, it->kind | (uint64_t)c->port << 8, it->val);
        c->arrived++;
        sim_at_arrived(w, c, it); /* an announcement (at_timeout.c) */
        bool marker = it->kind == BS_BARRIER || it->kind == BS_CANCEL;
        if (to->task && marker)
            to->task->markers++;
        sim_task_wake(w, to, c->port);
        if (marker && !to->run_pending && sim_task_may_poll(w, to))
            chan_schedule(w, to, w->q.now_ns);
    }
    if (b->kind == BS_DATA) {
        BS_ASSERT(c->fly_data > 0);
        c->fly_data--;
        c->rx_data++;
        c->backlog = b->backlog;
        while (wants_floating(w, c) && to->float_free > 0)
            take_floating(w, to, c);
    }
    recycle(w, c);
    check_credits(w, c);
}

void net_consumed(sim_world *w, topo_chan *c, uint8_t kind)
{
    BS_ASSERT(c->wired > 0);
    c->wired--;
    if (kind == BS_DATA) {
        c->data_taken++;
        if (w->cfg->net.debloat.enabled)
            debloat_consumed(w, &w->nodes[c->to], record_bytes(w));
    }
    recycle(w, c);
}

void net_credit(sim_world *w, topo_chan *c, uint64_t k)
{
    BS_ASSERT(c->cr_transit >= k);
    c->cr_transit -= (uint32_t)k;
    c->cr_sender += (uint32_t)k;
    check_credits(w, c);
    if (try_send(w, c))
        chan_resume(w, &w->nodes[c->from]);
}

void net_timer(sim_world *w, topo_node *n)
{
    n->flush_pending = false;
    bool freed = false;
    for (uint32_t p = 0; p < n->n_out && !w->stop; p++) {
        topo_chan *c = &w->chans[n->outs[p]];
        finish_open(c);
        freed |= try_send(w, c);
    }
    if (freed)
        chan_resume(w, n);
}
