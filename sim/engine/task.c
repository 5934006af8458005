/*
 * task.c: a task: a real core handler over an input gate fed by the task's channels, an
 * operator state folded from the records it is returned, and its own verify/ checker.
 *
 * The gate yields arrived, not yet consumed items in arrival order (skipping channels the
 * handler blocks), returns BS_EAGAIN when nothing has arrived (the task then idles until
 * an arrival wakes it) and 0 once every input channel has yielded its eop. Every request
 * and every item is reported to the checker first, as are the listener's notifications,
 * what the handler returns and its end; the run stops at the first violation. On t<K> the
 * task snapshots its state and per-channel counts, puts b<K> on every output ahead of
 * anything it returns later, and acknowledges K (a checkpoint the handler declared
 * unaligned: at d<K>, once its channel state, stored by chanstate.c, is complete; the gate's
 * optional operations and restored channel state are gate_prio.c's); on a<K> it declines K and, unless K was
 * subsumed by a newer barrier, sends x<K> downstream. Records keep their label (their
 * identity) on their way downstream. The handler sees its files through the task's disk
 * wrapper (disk.c) in front of its io_fault; handler, checker and files are reopened at
 * every restart (sim_task_handler_open / _close), the arrival ring and payload stay.
 */
#include "engine_int.h"

#include "../strategies.h"

#include <string.h>

#define NON_DATA_LABEL (1ULL << 63) /* labels of yielded barriers, cancels and eops */

/* Index in the arrival ring of the first arrived item on a channel that is not blocked.
 * A two-input task reads its inputs as Flink's StreamMultipleInputProcessor does with the
 * default InputSelection.ALL: selectNextReadingInputIndex asks MultipleInputSelectionHandler.
 * selectNextInputIndex(lastReadInputIndex), i.e. InputSelection.fairSelectNextIndex: the
 * next available input after the one read last, wrapping, so that two available inputs
 * alternate. An input is available when one of its channels not blocked has an item; the
 * last read input changes with each record (StreamTaskNetworkInput.emitNext keeps reading
 * the selected input through barriers and events until it emits a record). One input's
 * items keep their arrival order. */
static bool first_unblocked(const sim_task *t, const uint64_t *blocked, uint32_t *at)
{
    const topo_node *n = t->node;
    bool two = n->in_split < n->n_in, found = false;
    for (uint32_t i = 0; i < t->arr_len; i++) {
        uint32_t port = t->arrivals[(t->arr_head + i) % t->arr_cap];
        if (blocked && bs_chanset_has(blocked, port))
            continue;
        if (!two || (uint8_t)(port >= n->in_split) != n->last_input) {
            *at = i;
            return true;
        }
        if (!found) /* the input read last: only if the other has nothing */
            *at = i;
        found = true;
    }
    return found;
}

static uint32_t take_arrival(sim_task *t, uint32_t at)
{
    uint32_t port = t->arrivals[(t->arr_head + at) % t->arr_cap];
    for (uint32_t i = at; i > 0; i--) /* close the gap: later arrivals keep their order */
        t->arrivals[(t->arr_head + i) % t->arr_cap] = t->arrivals[(t->arr_head + i - 1) % t->arr_cap];
    t->arr_head = (t->arr_head + 1) % t->arr_cap;
    t->arr_len--;
    return port;
}

static int gate_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    if (w->stop || verify_gate(t->checker))
        return BS_ESTOPPED;
    SIM_MX(w, mx_gate(w, t->node, blocked));
    int rp = sim_gate_replay(t, blocked, out); /* restored channel state comes first */
    if (rp)
        return rp;
    uint32_t at = 0;
    bool debloat = w->net_bytes && w->cfg->net.debloat.enabled;
    if (!first_unblocked(t, blocked, &at)) {
        if (debloat) /* ThroughputCalculator.pauseMeasurement: the gate had nothing */
            debloat_gate(w, t->node, false);
        return t->inputs_ended == t->node->n_in ? 0 : BS_EAGAIN;
    }
    if (debloat)
        debloat_gate(w, t->node, true);
    uint32_t port = take_arrival(t, at);
    topo_chan *c = &w->chans[t->node->in_first + port];
    sim_item it = c->ring[c->head];
    memset(out, 0, sizeof *out);
    out->kind = (bs_kind)it.kind;
    out->channel = port;
    verify_item vi = {out->kind, port, 0, 0, NON_DATA_LABEL | t->folded, 0};
    if (it.kind == BS_DATA) {
        t->node->last_input = port >= t->node->in_split; /* a record: the input read last */
        out->len = vi.len = w->cfg->payload_len;
        verify_payload_fill(t->payload, out->len, it.val);
        out->data = t->payload;
        vi.label = it.val;
    } else if (it.kind == BS_BARRIER || it.kind == BS_CANCEL) {
        out->id = vi.id = it.val;
        out->timestamp = it.val;
        uint64_t start;
        if (it.kind == BS_BARRIER && sim_at_start_of(w, it.val, &start)) { /* at_timeout.c */
            out->timestamp = start;
            out->type = BS_BARRIER_STARTED | (it.flags & SIM_ITEM_UNALIGNED ? BS_BARRIER_UNALIGNED : 0);
        }
    } else {
        t->inputs_ended++;
        c->eop_taken = true;
    }
    sim_note(w, t->node->id, OP_TAKE, it.kind | (uint64_t)port << 8, it.val);
    chan_consumed(w, c);
    if (verify_yield(t->checker, &vi))
        return BS_ESTOPPED;
    return 1;
}

static void on_begin(void *ctx, uint64_t id)
{
    sim_task *t = ctx;
    SIM_MX(t->w, mx_begin(t->w, t->node, id));
    verify_begin(t->checker, id);
}

static void on_trigger(void *ctx, uint64_t id)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    topo_node *n = t->node;
    if (verify_trigger(t->checker, id) || w->stop)
        return;
    sim_note(w, n->id, OP_TRIGGER, id, t->fold);
    SIM_MX(w, mx_trigger(w, n, id));
    t->snap_fold = t->fold;
    t->snap_folded = t->folded;
    t->snap_k = id;
    sim_cs_trigger(t, id);
    if (n->is_sink)
        sim_global_sink_snapshot(t);
    for (uint32_t p = 0; p < n->n_in; p++) {
        topo_chan *c = &w->chans[n->in_first + p];
        c->snap_k = id;
        c->snap_count = c->data_returned;
        c->snap_ended = c->eop_taken;
    }
    if (id == t->unaligned_k) { /* overtakes the outbox; acknowledged at d<id> */
        if (sim_cs_overtake(t, id) == 0)
            ck_cost_trigger(w, n, id);
        return;
    }
    if (chan_broadcast(w, n, BS_BARRIER, id))
        return;
    sim_at_sent(w, n, id); /* after K's alignment timer: converted at once */
    ck_cost_trigger(w, n, id); /* b<id> went first: the synchronous phase follows */
    ck_cost_snapshot_done(w, n, id);
}

static void on_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    if (verify_abort(t->checker, id, why) || w->stop)
        return;
    sim_note(w, t->node->id, OP_ABORT, id, why);
    SIM_MX(w, mx_abort(w, t->node, id, why));
    /* Tell downstream with x<id>, unless a newer barrier subsumed it (it follows and
     * subsumes downstream too) or the outbox lacks room for it and a barrier or eop
     * broadcast plus a record after it: a cancel marker only hastens an abort. */
    topo_node *n = t->node;
    if (why != BS_ABORT_SUBSUMED && !n->is_sink) {
        if (chan_outbox_room(n, 3)) {
            if (chan_broadcast(w, n, BS_CANCEL, id))
                return;
        } else {
            sim_note(w, n->id, OP_NO_CANCEL, id, 0);
        }
    }
    sim_coord_decline(w, t->node, id, why);
}

static void on_unaligned(void *ctx, uint64_t id)
{
    sim_task *t = ctx;
    if (verify_unaligned(t->checker, id) || t->w->stop)
        return;
    sim_note(t->w, t->node->id, OP_UNALIGNED, id, 0);
    t->unaligned_k = id;
}

static void on_channel_state(void *ctx, uint64_t id, const bs_item *data)
{
    sim_task *t = ctx;
    if (verify_channel_state(t->checker, id, data))
        return;
    SIM_MX(t->w, mx_channel_state(t->w, t->node, id, data->len));
    sim_cs_report(t, id, data);
}

/* d<id>: the channel state of an unaligned checkpoint is complete and persisted; a
 * channel whose eop came meanwhile counts all its data (checks/consistent_cut.c). */
static void on_done(void *ctx, uint64_t id)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    topo_node *n = t->node;
    if (verify_done(t->checker, id) || w->stop)
        return;
    SIM_MX(w, mx_done(w, n, id));
    sim_note(w, n->id, OP_DONE, id, t->cs_pend.k == id ? t->cs_pend.len : 0);
    if (id != t->unaligned_k || id != t->snap_k)
        return;
    for (uint32_t p = 0; p < n->n_in; p++) {
        topo_chan *c = &w->chans[n->in_first + p];
        c->snap_ended = c->eop_taken;
    }
    ck_cost_snapshot_done(w, n, id);
}

/* Opens the task's checker, files and handler: at the start, and at every restart (a
 * fresh checker per attempt; the operator state is the caller's to restore). */
int sim_task_handler_open(sim_world *w, topo_node *n)
{
    sim_task *t = n->task;
    verify_config vc = {n->n_in, w->guarantee, w->check_progress};
    if (verify_open(&t->checker, &vc))
        return BS_ENOMEM;
    bs_io_mem_init(&t->mem, &t->mem_ctx);
    io_fault_init(&t->io, &t->faults, &t->mem);
    sim_disk_init(&t->dio, &t->disk, &t->io, &t->mem);
    t->disk.drop_armed = w->cfg->plant == SIM_PLANT_DROP_REPLAYED && !w->plant_dropped;
    t->inputs_ended = 0;
    t->arr_head = t->arr_len = 0;
    n->last_input = 1; /* StreamMultipleInputProcessor: input 0 is selected first */
    t->markers = 0;
    t->wake_ns = UINT64_MAX;
    sim_at_reset(t);
    sim_strategy st;
    if (!sim_strategy_find(w->cfg->strategy, &st))
        return BS_EINVAL;
    bs_handler_config hc = {.strategy = w->cfg->strategy, .ops = st.ops, .channels = n->n_in,
                            .max_buffered_bytes = w->cfg->max_buffered_bytes,
                            .alignment_timeout_ns = w->cfg->alignment_timeout_ns, .quiet = true};
    bs_listener lis = {.ctx = t, .begin = on_begin, .trigger = on_trigger, .abort = on_abort,
                       .channel_state = on_channel_state, .done = on_done, .unaligned = on_unaligned};
    return bs_handler_open(&t->h, &hc, &t->gate, &t->dio, &lis);
}

/* Closes the handler (removing its files), checks that no spill file is left, and frees
 * the checker and the files. */
void sim_task_handler_close(sim_world *w, topo_node *n)
{
    sim_task *t = n->task;
    if (t->h) {
        char msg[512] = "";
        if (bs_handler_close(t->h, msg, sizeof msg))
            sim_fail(w, SIM_ERROR, n->name, "closing the handler: %s", msg);
        t->h = NULL;
        if (t->checker && !w->stop && verify_cleanup(t->checker, t->faults.live_files))
            sim_fail(w, SIM_VIOLATION, n->name, "%s", verify_message(t->checker));
    }
    w->res->spill_files += t->faults.files_created;
    w->res->spill_writes += t->faults.calls[IO_WRITE];
    w->res->disk_faults_hit += t->faults.faults_fired + t->disk.fired;
    t->faults.files_created = t->faults.calls[IO_WRITE] = t->faults.faults_fired = t->disk.fired = 0;
    bs_io_mem_close(&t->mem_ctx);
    verify_close(t->checker);
    t->checker = NULL;
}

int sim_task_open(sim_world *w, topo_node *n, sim_task *t, const char *strategy)
{
    (void)strategy;
    t->w = w;
    t->node = n;
    n->task = t;
    t->arr_cap = n->n_in * (n->n_in ? w->chans[n->in_first].cap : 1);
    /* Not zeroed: only the arr_len entries from arr_head on are read, each written first. */
    t->arrivals = malloc((size_t)t->arr_cap * sizeof *t->arrivals);
    t->payload = calloc(1, w->cfg->payload_len);
    t->peek_payload = calloc(1, w->cfg->payload_len);
    if (!t->arrivals || !t->payload || !t->peek_payload || sim_cs_open(t, n->n_in) || sim_at_open(t, n->n_in))
        return BS_ENOMEM;
    t->gate = (bs_gate){.ctx = t, .channels = n->n_in, .next = gate_next, .next_priority = sim_gate_next_priority,
                        .now_ns = sim_gate_now_ns, .wake_at = sim_gate_wake_at, .peek = sim_gate_peek};
    if (w->announce) { /* Flink 1.14+ aligned checkpoint timeout (at_timeout.c) */
        t->gate.next_announcement = sim_at_next_announcement;
        t->gate.convert = sim_gate_convert;
    }
    return sim_task_handler_open(w, n);
}

void sim_task_close(sim_world *w, topo_node *n)
{
    sim_task *t = n->task;
    if (!t)
        return;
    sim_task_handler_close(w, n);
    free(t->arrivals);
    free(t->payload);
    free(t->peek_payload);
    sim_cs_free(t);
    sim_at_free(t);
    n->task = NULL;
}
