/*
 * debloat.c: buffer debloating (FLIP-183) in the byte network (net.c), per input gate.
 *
 * Flink (1.14+): "FLIP-183: Dynamic buffer size adjustment"
 * (cwiki.apache.org/confluence/display/FLINK/FLIP-183%3A+Dynamic+buffer+size+adjustment) and
 * docs/deployment/memory/network_mem_tuning.md, "The Buffer Debloating Mechanism". Per task:
 * - StreamTask.scheduleBufferDebloater registers a timer every
 *   taskmanager.network.memory.buffer-debloat.period (200 ms); debloat() calls each input
 *   gate's SingleInputGate.triggerDebloating, which does nothing once the gate is finished.
 * - triggerDebloating takes the gate's ThroughputCalculator.calculateThroughput() (bytes the
 *   gate yielded, SingleInputGate.pollNext -> incomingDataSize, over the time the gate had
 *   data: pauseMeasurement when a poll finds nothing) and BufferDebloater
 *   .recalculateBufferSize(throughput, getBuffersInUseCount()); a new size is announced to
 *   every channel (announceBufferSize). A RemoteInputChannel's buffers in use are its queued
 *   buffers plus max(0, required - initialCredit), where required = backlog + initialCredit
 *   (RemoteInputChannel.getBuffersInUseCount, onSenderBacklog): here rx_data + backlog.
 * - RemoteInputChannel.announceBufferSize sends a NewBufferSize message to the sender
 *   (PartitionRequestQueue.notifyNewBufferSize -> PipelinedSubpartition.bufferSize); it takes
 *   the channel's way back, as a credit does (credit-latency-ns).
 * - The sender's PipelinedSubpartition.add returns that size; BufferWritingResultPartition
 *   .resizeBuffer trims each new BufferBuilder to max(min-segment-size, size) (the open
 *   buffer keeps the capacity it started with).
 * The arithmetic (debloat.h) is BufferDebloater, BufferSizeEMA and ThroughputCalculator.
 *
 * Simulation choices (docs/simulation-network.md, "Buffer debloating"):
 * - The meter counts a record's serialized bytes when the task's gate yields it (Flink
 *   counts a whole buffer when the gate polls it: the same bytes, finer grained). Events
 *   are not counted. Restored channel state is not counted.
 * - A channel has one announcement on its way at a time; one made meanwhile waits and
 *   replaces any older waiting one (the latest size wins, as in Flink where they arrive in
 *   order), and goes out when the first arrives.
 * - The period timer stops when the task's input has ended, and sleeps while the job made
 *   no progress for a whole period (no record emitted or returned anywhere), so that a
 *   deadlock still ends with an empty event queue; the task's next consumption wakes it.
 *   It also sleeps rather than fire past the stall bound (a tick is not progress).
 * - A restart gives every task a fresh controller (Flink redeploys the tasks) and every
 *   sender the full segment size; announcements on their way are dropped.
 */
#include "engine_int.h"

/* ---- ThroughputCalculator ---------------------------------------------------------------- */
void debloat_meter_init(debloat_meter *m) { *m = (debloat_meter){.start_ns = DEBLOAT_NOT_TRACKED}; }

void debloat_meter_add(debloat_meter *m, uint64_t now_ns, uint64_t bytes)
{
    if (m->start_ns == DEBLOAT_NOT_TRACKED)
        m->start_ns = now_ns;
    m->bytes += bytes;
}

void debloat_meter_pause(debloat_meter *m, uint64_t now_ns)
{
    if (m->start_ns != DEBLOAT_NOT_TRACKED) {
        BS_ASSERT(now_ns >= m->start_ns);
        m->time_ns += now_ns - m->start_ns;
    }
    m->start_ns = DEBLOAT_NOT_TRACKED;
}

void debloat_meter_resume(debloat_meter *m, uint64_t now_ns)
{
    if (m->start_ns == DEBLOAT_NOT_TRACKED)
        m->start_ns = now_ns;
}

uint64_t debloat_meter_take(debloat_meter *m, uint64_t now_ns)
{
    if (m->start_ns != DEBLOAT_NOT_TRACKED) {
        BS_ASSERT(now_ns >= m->start_ns);
        m->time_ns += now_ns - m->start_ns;
        m->start_ns = now_ns;
    }
    if (m->time_ns > 0) /* instantThroughput: (long) ((double) dataSize / time * 1000) */
        m->last_bps = (uint64_t)((double)m->bytes / (double)m->time_ns * 1e9);
    m->bytes = m->time_ns = 0;
    return m->last_bps;
}

/* ---- BufferDebloater + BufferSizeEMA ----------------------------------------------------- */
void debloat_ctl_init(debloat_ctl *d, const sim_debloat *cfg, uint32_t max_bytes)
{
    BS_ASSERT(cfg->min_segment_bytes >= 1 && cfg->min_segment_bytes <= max_bytes);
    BS_ASSERT(cfg->samples >= 1 && cfg->target_ns >= 1);
    *d = (debloat_ctl){.ema = max_bytes, .alpha = 2.0 / ((double)cfg->samples + 1), .last = max_bytes,
                       .threshold = cfg->threshold_pct / 100.0, .min = cfg->min_segment_bytes, .max = max_bytes,
                       .target_ns = cfg->target_ns};
}

bool debloat_ctl_skip(const debloat_ctl *d, uint32_t size)
{
    if (size == d->last)
        return true;
    if (size <= d->min || size >= d->max) /* the bounds are always announced */
        return false;
    int64_t delta = (int64_t)(d->last * d->threshold), diff = (int64_t)size - (int64_t)d->last;
    return (diff < 0 ? -diff : diff) < delta;
}

__extension__ typedef unsigned __int128 debloat_u128;

uint32_t debloat_ctl_recalc(debloat_ctl *d, uint64_t throughput_bps, uint32_t buffers_in_use)
{
    uint32_t in_use = buffers_in_use > 0 ? buffers_in_use : 1;
    /* (currentThroughput * targetTotalBufferSize) / MILLIS_IN_SECOND, in nanoseconds */
    debloat_u128 total128 = (debloat_u128)throughput_bps * d->target_ns / 1000000000u;
    uint64_t total = total128 > UINT64_MAX ? UINT64_MAX : (uint64_t)total128;
    /* BufferSizeEMA.calculateBufferSize: the step is capped at twice the current size */
    double desirable = (double)total / in_use;
    if (desirable > 2.0 * d->ema)
        desirable = 2.0 * d->ema;
    d->ema += d->alpha * (desirable - d->ema);
    if (d->ema > d->max)
        d->ema = d->max;
    if (d->ema < d->min)
        d->ema = d->min;
    uint32_t size = (uint32_t)(d->ema + 0.5); /* Math.round (ema >= min >= 1 > 0) */
    BS_ASSERT(size >= d->min && size <= d->max);
    uint64_t bps = throughput_bps > 0 ? throughput_bps : 1;
    d->est_ns = (uint64_t)((debloat_u128)size * in_use * 1000000000u / bps);
    if (debloat_ctl_skip(d, size))
        return 0;
    d->last = size;
    return size;
}

/* ---- the engine: timers, measurement and announcements ----------------------------------- */
static bool enabled(const sim_world *w) { return w->net_bytes && w->cfg->net.debloat.enabled; }

uint32_t debloat_buffer_bytes(const sim_world *w, const topo_chan *c)
{
    const sim_net *nc = &w->cfg->net;
    if (!nc->debloat.enabled)
        return nc->segment_bytes;
    uint32_t size = c->db_size < nc->debloat.min_segment_bytes ? nc->debloat.min_segment_bytes : c->db_size;
    return size < nc->segment_bytes ? size : nc->segment_bytes;
}

static void arm(sim_world *w, topo_node *n)
{
    if (n->db_armed)
        return;
    n->db_armed = true;
    if (ev_push(&w->q, w->q.now_ns + w->cfg->net.debloat.period_ns, EV_DEBLOAT, n->id, 0))
        sim_fail(w, SIM_ERROR, "engine", "event queue full (%zu events)", w->q.cap);
}

void debloat_reset(sim_world *w)
{
    if (!enabled(w))
        return;
    const sim_net *nc = &w->cfg->net;
    for (uint32_t i = 0; i < w->n_chans; i++) {
        topo_chan *c = &w->chans[i];
        c->db_size = nc->segment_bytes;
        c->db_next = 0;
        c->db_flying = false;
    }
    for (uint32_t i = w->n_sources; i < w->n_nodes; i++) {
        topo_node *n = &w->nodes[i];
        debloat_meter_init(&n->db_meter);
        debloat_ctl_init(&n->db_ctl, &nc->debloat, nc->segment_bytes);
    }
}

void debloat_start(sim_world *w)
{
    if (!enabled(w))
        return;
    for (uint32_t i = w->n_sources; i < w->n_nodes && !w->stop; i++)
        arm(w, &w->nodes[i]);
}

static void send_size(sim_world *w, topo_chan *c, uint32_t size)
{
    if (c->db_flying) {
        c->db_next = size;
        return;
    }
    const sim_dist *d = &w->cfg->net.credit_latency;
    if (d->min_ns == 0 && d->mean_ns == 0 && d->max_ns == 0)
        d = &w->cfg->latency;
    c->db_flying = true;
    uint64_t at = w->q.now_ns + rng_bounded(&w->r_latency, d->min_ns, d->mean_ns, d->max_ns);
    if (ev_push(&w->q, at, EV_BUFSIZE, (uint32_t)(c - w->chans), size))
        sim_fail(w, SIM_ERROR, "engine", "event queue full (%zu events)", w->q.cap);
}

static bool gate_finished(const topo_node *n) { return n->done || (n->task && n->task->inputs_ended == n->n_in); }

void debloat_tick(sim_world *w, topo_node *n)
{
    BS_ASSERT(n->db_armed && !n->is_source);
    n->db_armed = false;
    if (gate_finished(n))
        return;
    uint64_t bps = debloat_meter_take(&n->db_meter, w->q.now_ns);
    uint32_t in_use = 0;
    for (uint32_t p = 0; p < n->n_in; p++) {
        const topo_chan *c = &w->chans[n->in_first + p];
        in_use += c->rx_data + c->backlog;
    }
    uint32_t size = debloat_ctl_recalc(&n->db_ctl, bps, in_use);
    if (size) {
        w->res->debloat_announcements++;
        if (!w->res->debloat_size_min || size < w->res->debloat_size_min)
            w->res->debloat_size_min = size;
        sim_note(w, n->id, OP_DEBLOAT, size, bps);
        for (uint32_t p = 0; p < n->n_in; p++)
            send_size(w, &w->chans[n->in_first + p], size);
    }
    /* asleep after a period without progress, and never past the stall bound: a timer must
     * not be the event that finds a stall the job's own next event would have ended */
    uint64_t period = w->cfg->net.debloat.period_ns, idle = w->q.now_ns - w->last_progress_ns;
    uint64_t stall = w->cfg->stall_bound_ns;
    if (idle < period && (!stall || idle + period <= stall))
        arm(w, n);
}

void debloat_size_arrive(sim_world *w, topo_chan *c, uint32_t size)
{
    BS_ASSERT(c->db_flying && size >= 1);
    c->db_flying = false;
    c->db_size = size;
    if (c->db_next) {
        uint32_t next = c->db_next;
        c->db_next = 0;
        send_size(w, c, next);
    }
}

void debloat_consumed(sim_world *w, topo_node *n, uint32_t bytes)
{
    debloat_meter_add(&n->db_meter, w->q.now_ns, bytes);
    if (!gate_finished(n))
        arm(w, n);
}

void debloat_gate(sim_world *w, topo_node *n, bool got)
{
    if (got)
        debloat_meter_resume(&n->db_meter, w->q.now_ns);
    else
        debloat_meter_pause(&n->db_meter, w->q.now_ns);
}
