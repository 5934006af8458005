/*
 * at_timeout.c: Flink 1.14+ aligned checkpoints with a timeout
 * (execution.checkpointing.aligned-checkpoint-timeout) in the byte network: what the
 * engine adds around the `aligned-timeout` strategy's handler (core/strategy/aligned_timeout.c).
 *
 * On (world->announce) when the network is `bytes`, the strategy reads the alignment-timeout
 * option (its descriptor's options table) and the timeout is set. The record model keeps
 * the earlier per-task semantics, its traces unchanged (docs/simulation-network.md).
 *
 * 1. The checkpoint's start travels in its barrier. The coordinator notes when K started
 *    (sim_at_begin; a ring of SIM_CK_STARTS ids); a task's gate gives every barrier of K that
 *    start as its timestamp with BS_BARRIER_STARTED (Flink: CheckpointBarrier.getTimestamp,
 *    the trigger time at the coordinator; BarrierAlignmentUtil.getTimerDelay counts the
 *    timeout from it). A barrier older than the ring carries none.
 * 2. Announcements (Flink's EventAnnouncement, FLINK-19680: RemoteInputChannel.onBuffer adds
 *    an announcement of a barrier that requiresAnnouncement as a priority buffer). When a
 *    barrier arrives on a task's input channel it is announced: the gate's
 *    next_announcement yields it, ahead of the data queued before it, while the barrier
 *    itself stays queued. The handler starts its alignment timer from it
 *    (SingleCheckpointBarrierHandler.processBarrierAnnouncement -> registerAlignmentTimer),
 *    and a back-pressured task still handles announcements and its timer (Flink's mailbox
 *    runs them while the output is unavailable: task_run.c, poll_priority).
 * 3. Conversion in the input channel (Flink: AlternatingCollectingBarriers
 *    .alignedCheckpointTimeout -> RemoteInputChannel/LocalInputChannel
 *    .convertToPriorityEvent). Once the handler takes K unaligned it asks the gate to
 *    convert each announced b<K>: the barrier is yielded ahead of the data queued before it,
 *    which is persisted as input channel state (gate_prio.c, sim_gate_convert).
 * 4. Conversion in the output queue (FLINK-27251, Flink 1.16; FLINK-31588 makes the converted
 *    barrier's type unaligned; Flink: SubtaskCheckpointCoordinatorImpl
 *    registers an alignment timer after broadcasting a timeoutable barrier, and on its expiry
 *    ResultPartition.alignedBarrierTimeout -> PipelinedSubpartition.alignedBarrierTimeout
 *    turns the barrier still queued into a priority event; the buffers it overtakes complete
 *    the output channel state future). Every sender's timer counts from the same start, so
 *    the engine keeps one timer per checkpoint (EV_ALIGN at start + timeout + 1, the same
 *    "longer than the timeout" rule as the handler). When it fires for the pending K, every
 *    node's aligned b<K> still in its outbox or queued at the sender moves ahead of the data
 *    queued before it, which becomes that node's output state of K (chanstate.c,
 *    sim_cs_convert; a source's as in unaligned checkpoints, its offset keeping them). A node
 *    that sends an aligned b<K> after K's timer fired converts it at once (Flink: the timer
 *    registered with delay max(0, ...) fires at once). A converted barrier is unaligned
 *    (SIM_ITEM_UNALIGNED; Flink's barrier.asUnaligned): its receiver takes K unaligned at
 *    once (BS_BARRIER_UNALIGNED; AbstractAlternatingAlignedBarrierHandlerState.barrierReceived).
 *
 * The option is FLINK-23041's execution.checkpointing.aligned-checkpoint-timeout (1.14),
 * timed from the checkpoint's start since FLINK-19681 (checkpointStartDelay).
 *
 * Bookkeeping of announcements: per input port, the markers at the front of the channel's
 * queue already scanned (ann_done) and the markers arrived but not scanned (ann_pending).
 * Markers of a channel are consumed in channel order (every read of a marker takes the
 * first one queued there), so a consumed marker is a scanned one when ann_done > 0.
 */
#include "engine_int.h"

#include <string.h>

void sim_at_begin(sim_world *w, uint64_t k)
{
    if (!w->announce)
        return;
    w->ck_start_id[k % SIM_CK_STARTS] = k;
    w->ck_start_at[k % SIM_CK_STARTS] = w->q.now_ns;
    uint64_t due = w->q.now_ns + w->cfg->alignment_timeout_ns + 1;
    if (w->at_queued || due <= w->q.now_ns)
        return; /* one timer at a time: the queued one re-arms for the pending checkpoint */
    w->at_queued = true;
    if (ev_push(&w->q, due, EV_ALIGN, 0, k))
        sim_fail(w, SIM_ERROR, "coord", "event queue full (%zu events)", w->q.cap);
}

bool sim_at_start_of(const sim_world *w, uint64_t k, uint64_t *start_ns)
{
    if (!w->announce || w->ck_start_id[k % SIM_CK_STARTS] != k)
        return false;
    *start_ns = w->ck_start_at[k % SIM_CK_STARTS];
    return true;
}

void sim_at_timer(sim_world *w, uint64_t k)
{
    (void)k;
    w->at_queued = false;
    uint64_t p = w->ck_pending, start;
    if (!p || w->at_timed_out >= p || !sim_at_start_of(w, p, &start))
        return;
    uint64_t due = start + w->cfg->alignment_timeout_ns + 1;
    if (due > w->q.now_ns) { /* an older checkpoint's timer: re-armed for the pending one */
        w->at_queued = true;
        if (ev_push(&w->q, due, EV_ALIGN, 0, p))
            sim_fail(w, SIM_ERROR, "coord", "event queue full (%zu events)", w->q.cap);
        return;
    }
    w->at_timed_out = p;
    sim_note(w, SIM_NONE, OP_ALIGN_TIMER, p, 0);
    for (uint32_t i = 0; i < w->n_nodes && !w->stop; i++) {
        topo_node *n = &w->nodes[i];
        if (n->n_out == 0 || (!n->is_source && !n->task))
            continue;
        if (sim_cs_convert(w, n, p))
            return;
        chan_flush(w, n);
    }
}

void sim_at_sent(sim_world *w, topo_node *n, uint64_t k)
{
    if (!w->announce || w->at_timed_out != k || k != w->ck_pending || w->stop)
        return;
    if (!sim_cs_convert(w, n, k))
        chan_flush(w, n);
}

/* ---- announcements at the receiver ---------------------------------------------------------- */
int sim_at_open(sim_task *t, uint32_t n_in)
{
    t->ann_done = calloc(n_in ? n_in : 1, sizeof *t->ann_done);
    return t->ann_done ? 0 : BS_ENOMEM;
}

void sim_at_reset(sim_task *t)
{
    if (t->ann_done)
        memset(t->ann_done, 0, t->node->n_in * sizeof *t->ann_done);
    t->ann_pending = 0;
    t->wake_due = false;
}

void sim_at_free(sim_task *t)
{
    free(t->ann_done);
    t->ann_done = NULL;
}

static bool is_marker(uint8_t kind) { return kind == BS_BARRIER || kind == BS_CANCEL; }

void sim_at_arrived(sim_world *w, topo_chan *c, const sim_item *it)
{
    topo_node *to = &w->nodes[c->to];
    if (w->announce && to->task && is_marker(it->kind))
        to->task->ann_pending++;
}

void sim_at_consumed(sim_world *w, topo_chan *c, uint8_t kind)
{
    topo_node *to = &w->nodes[c->to];
    if (!w->announce || !to->task || !is_marker(kind))
        return;
    sim_task *t = to->task;
    if (t->ann_done[c->port] > 0) {
        t->ann_done[c->port]--;
    } else {
        BS_ASSERT(t->ann_pending > 0);
        t->ann_pending--;
    }
}

/* The first marker of port's arrived items beyond the first `skip` markers: its place
 * behind the channel's head, or false. */
static bool nth_marker(const sim_task *t, uint32_t port, uint32_t skip, uint32_t *at)
{
    const topo_chan *c = &t->w->chans[t->node->in_first + port];
    uint32_t arrived = c->arrived, seen = 0; /* its arrived, unconsumed items */
    for (uint32_t i = 0; i < arrived; i++) {
        if (!is_marker(c->ring[(c->head + i) % c->cap].kind))
            continue;
        if (seen++ == skip) {
            *at = i;
            return true;
        }
    }
    return false;
}

int sim_at_next_announcement(void *ctx, bs_item *out)
{
    sim_task *t = ctx;
    sim_world *w = t->w;
    if (w->stop)
        return BS_ESTOPPED;
    /* Each pass scans one marker: bounded by the markers arrived and not yet scanned. */
    for (uint32_t p = 0; p < t->node->n_in && t->ann_pending > 0; p++) {
        uint32_t at;
        while (t->ann_pending > 0 && nth_marker(t, p, t->ann_done[p], &at)) {
            const topo_chan *c = &w->chans[t->node->in_first + p];
            sim_item it = c->ring[(c->head + at) % c->cap];
            t->ann_done[p]++;
            t->ann_pending--;
            if (it.kind != BS_BARRIER)
                continue; /* only barriers are announced */
            uint64_t start = 0;
            memset(out, 0, sizeof *out);
            out->kind = BS_BARRIER;
            out->channel = p;
            out->id = it.val;
            out->timestamp = it.val;
            if (sim_at_start_of(w, it.val, &start)) {
                out->timestamp = start;
                out->type |= BS_BARRIER_STARTED;
            }
            if (it.flags & SIM_ITEM_UNALIGNED)
                out->type |= BS_BARRIER_UNALIGNED;
            return 1;
        }
    }
    return 0;
}
