/*
 * metrics.c: the collector behind sim_run_ex (definitions in metrics.h).
 *
 * The engine calls the mx_* hooks through SIM_MX (engine_int.h) only when the run collects
 * metrics. A hook reads the world and writes only the collector's own state: it never
 * traces, draws from a PRNG stream or touches the event queue, so the event order and the
 * trace hash do not depend on it. Everything is allocated by mx_open when the run starts
 * (bounded: see metrics.h) and the per-run scratch is freed by mx_close; what sim_metrics
 * holds is the caller's, freed by sim_metrics_free.
 *
 * Bookkeeping: per channel, the data records queued for it (in its sender's outbox or on
 * the channel, not yet consumed) and whether its receiver's handler blocks it; per task,
 * the data held in its blocked channels and the alignment it is blocking for; per
 * (checkpoint, task), the index of its alignment record.
 */
#include "engine_int.h"
#include "metrics.h"

#include <string.h>

#define GRID_DEFAULT_NS 100000u
#define INDEX_MAX (1u << 20)         /* (checkpoint, task) index slots */
#define LATENCY_LABELS_MAX (1u << 21) /* emission times kept */
#define SUB_BITS 7u                  /* 128 sub-buckets per power of two */

typedef struct sim_mx {
    sim_metrics *m;
    uint64_t payload;
    uint32_t *queued;        /* per channel */
    uint8_t *held;           /* per channel: blocked by its receiver's handler */
    uint64_t *task_held;     /* per task: data held in its blocked channels */
    uint64_t held_total, queued_total, cs_pending;
    uint32_t *cur;           /* per task: 1 + the alignment it blocks for, 0: none */
    uint64_t *begin_written; /* per task: its disk's written bytes at that alignment's begin */
    uint64_t *returned;      /* per task: data records returned to its operator */
    uint64_t *begin_returned; /* ... at its current alignment's begin */
    uint32_t *index;         /* ck_cap x tasks: 1 + alignment record, 0: none */
    uint32_t ck_cap, al_cap, lat_cap;
    uint64_t *emit_ns;       /* latest emission, by label slot */
    uint64_t per_src, stride;
    uint64_t *src_next;      /* per source: 1 + the highest sequence number ever emitted */
    uint64_t next_sample_ns, last_start_ns, last_wait_ns;
    double lat_sum;
} sim_mx;

/* ---- histogram -------------------------------------------------------------------------- */

uint32_t sim_mx_bucket(uint64_t v)
{
    if (v < (1u << SUB_BITS))
        return (uint32_t)v;
    uint32_t e = 63u - (uint32_t)__builtin_clzll(v); /* >= SUB_BITS */
    uint32_t sub = (uint32_t)(v >> (e - SUB_BITS)) & ((1u << SUB_BITS) - 1u);
    return (1u << SUB_BITS) + (e - SUB_BITS) * (1u << SUB_BITS) + sub;
}

uint64_t sim_mx_bucket_value(uint32_t b)
{
    if (b < (1u << SUB_BITS))
        return b;
    uint32_t e = (b >> SUB_BITS) - 1u + SUB_BITS, sub = b & ((1u << SUB_BITS) - 1u);
    uint64_t lo = ((uint64_t)((1u << SUB_BITS) | sub)) << (e - SUB_BITS);
    uint64_t width = 1ULL << (e - SUB_BITS);
    return lo + width / 2;
}

uint64_t sim_mx_quantile(const uint64_t *hist, uint64_t count, double q)
{
    if (count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)count + 0.999999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (uint32_t b = 0; b < SIM_MX_HIST_BUCKETS; b++) {
        seen += hist[b];
        if (seen >= rank)
            return sim_mx_bucket_value(b);
    }
    return sim_mx_bucket_value(SIM_MX_HIST_BUCKETS - 1);
}

const char *sim_ck_outcome_name(sim_ck_outcome o)
{
    static const char *const n[] = {"pending", "completed", "declined", "timed-out", "abandoned"};
    return (unsigned)o < 5 ? n[o] : "?";
}

const char *sim_al_end_name(sim_al_end e)
{
    static const char *const n[] = {"open", "triggered", "done", "aborted", "abandoned"};
    return (unsigned)e < 5 ? n[e] : "?";
}

void sim_metrics_free(sim_metrics *m)
{
    if (!m)
        return;
    free(m->task_names);
    free(m->ck);
    free(m->al);
    free(m->samples);
    free(m->hist);
    free(m->lat);
    memset(m, 0, sizeof *m);
}

/* ---- open and close --------------------------------------------------------------------- */

static int mx_alloc(sim_world *w, sim_mx *x, sim_metrics *m)
{
    uint32_t tasks = w->n_tasks;
    x->ck_cap = INDEX_MAX / (tasks ? tasks : 1);
    if (x->ck_cap > SIM_MX_CHECKPOINTS_MAX)
        x->ck_cap = SIM_MX_CHECKPOINTS_MAX;
    x->al_cap = SIM_MX_ALIGNMENTS_MAX;
    uint64_t labels = (uint64_t)w->cfg->sources * w->cfg->records_per_source;
    x->stride = labels / LATENCY_LABELS_MAX + 1;
    x->per_src = w->cfg->records_per_source / x->stride + 1;
    x->queued = calloc(w->n_chans, sizeof *x->queued);
    x->held = calloc(w->n_chans, 1);
    x->task_held = calloc(tasks, sizeof *x->task_held);
    x->cur = calloc(tasks, sizeof *x->cur);
    x->begin_written = calloc(tasks, sizeof *x->begin_written);
    x->returned = calloc(tasks, sizeof *x->returned);
    x->begin_returned = calloc(tasks, sizeof *x->begin_returned);
    x->index = calloc((size_t)x->ck_cap * tasks, sizeof *x->index);
    x->emit_ns = calloc((size_t)(x->per_src * w->n_sources), sizeof *x->emit_ns);
    x->src_next = calloc(w->n_sources, sizeof *x->src_next);
    m->task_names = calloc(tasks, sizeof *m->task_names);
    m->ck = calloc(x->ck_cap, sizeof *m->ck);
    m->al = calloc(x->al_cap, sizeof *m->al);
    m->samples = calloc(SIM_MX_SAMPLES_MAX, sizeof *m->samples);
    m->hist = calloc(SIM_MX_HIST_BUCKETS, sizeof *m->hist);
    bool keep = m->keep_latencies;
    if (keep) { /* replays after restores may return a label again: room for twice the labels */
        x->lat_cap = labels < SIM_MX_LATENCIES_MAX / 2 ? (uint32_t)labels * 2 + 1024 : SIM_MX_LATENCIES_MAX;
        m->lat = calloc(x->lat_cap, sizeof *m->lat);
    }
    bool ok = (!keep || m->lat) && x->queued && x->held && x->task_held && x->cur && x->begin_written &&
              x->returned && x->begin_returned &&
              x->index && x->emit_ns && x->src_next && m->task_names && m->ck && m->al && m->samples && m->hist;
    return ok ? 0 : BS_ENOMEM;
}

int mx_open(sim_world *w, sim_metrics *m)
{
    uint64_t grid = m->sample_grid_ns;
    bool keep = m->keep_latencies;
    memset(m, 0, sizeof *m);
    m->keep_latencies = keep;
    sim_mx *x = calloc(1, sizeof *x);
    if (!x)
        return BS_ENOMEM;
    w->mx = x;
    x->m = m;
    x->payload = w->cfg->payload_len;
    if (mx_alloc(w, x, m))
        return BS_ENOMEM;
    if (!grid)
        grid = w->cfg->checkpoint_interval_ns ? w->cfg->checkpoint_interval_ns / 2 : GRID_DEFAULT_NS;
    m->sample_grid_ns = grid;
    m->grid_ns = grid ? grid : 1;
    m->n_tasks = w->n_tasks;
    m->sources = w->n_sources;
    for (uint32_t i = 0; i < w->n_tasks; i++)
        memcpy(m->task_names[i], w->nodes[w->n_sources + i].name, sizeof m->task_names[i]);
    m->duplicates_tracked = w->counts != NULL;
    return 0;
}

void mx_close(sim_world *w)
{
    sim_mx *x = w->mx;
    if (!x)
        return;
    free(x->queued);
    free(x->held);
    free(x->task_held);
    free(x->cur);
    free(x->begin_written);
    free(x->returned);
    free(x->begin_returned);
    free(x->index);
    free(x->emit_ns);
    free(x->src_next);
    free(x);
    w->mx = NULL;
}

/* ---- time series -------------------------------------------------------------------------- */

static uint64_t spill_live(const sim_world *w)
{
    uint64_t sum = 0;
    for (uint32_t i = w->n_sources; i < w->n_nodes; i++)
        if (w->nodes[i].task)
            sum += w->nodes[i].task->disk.live_bytes;
    return sum;
}

static void push_sample(sim_world *w, sim_mx *x, uint64_t t)
{
    sim_metrics *m = x->m;
    if (m->n_samples == SIM_MX_SAMPLES_MAX) { /* keep every other sample; the grid doubles */
        for (uint32_t i = 0; i < SIM_MX_SAMPLES_MAX / 2; i++)
            m->samples[i] = m->samples[2 * i];
        m->n_samples = SIM_MX_SAMPLES_MAX / 2;
        m->grid_ns *= 2;
        if (t % m->grid_ns != 0)
            return; /* not on the coarser grid */
    }
    m->samples[m->n_samples++] = (sim_mx_sample){
        .t_ns = t,
        .file_bytes = spill_live(w),
        .blocked_bytes = x->held_total * x->payload,
        .channel_state_bytes = x->cs_pending,
        .in_flight_bytes = x->queued_total * x->payload,
    };
}

/* Records the state (as it stands before the event due at before_ns) at every grid point
 * earlier than before_ns not yet recorded. */
void mx_sample(sim_world *w, uint64_t before_ns)
{
    sim_mx *x = w->mx;
    for (uint32_t guard = 0; x->next_sample_ns < before_ns && guard < 4 * SIM_MX_SAMPLES_MAX; guard++) {
        push_sample(w, x, x->next_sample_ns);
        x->next_sample_ns += x->m->grid_ns;
        x->next_sample_ns -= x->next_sample_ns % x->m->grid_ns;
    }
    if (x->next_sample_ns < before_ns) /* a long gap: jump to the grid point before it */
        x->next_sample_ns = (before_ns - 1) / x->m->grid_ns * x->m->grid_ns;
}

/* ---- channels and blocking ---------------------------------------------------------------- */

static sim_al_metrics *al_at(sim_mx *x, uint32_t ti, uint64_t id)
{
    if (id == 0 || id > x->ck_cap)
        return NULL;
    uint32_t i = x->index[(size_t)(id - 1) * x->m->n_tasks + ti];
    return i ? &x->m->al[i - 1] : NULL;
}

static void held_peak(sim_mx *x, uint32_t ti)
{
    if (!x->cur[ti])
        return;
    sim_al_metrics *a = &x->m->al[x->cur[ti] - 1];
    uint64_t b = x->task_held[ti] * x->payload;
    if (b > a->blocked_bytes_peak)
        a->blocked_bytes_peak = b;
}

void mx_queued(sim_world *w, uint32_t chan, int delta)
{
    sim_mx *x = w->mx;
    BS_ASSERT(chan < w->n_chans && (delta > 0 || x->queued[chan] > 0));
    x->queued[chan] = (uint32_t)((int64_t)x->queued[chan] + delta);
    x->queued_total = (uint64_t)((int64_t)x->queued_total + delta);
    if (!x->held[chan])
        return;
    uint32_t ti = w->chans[chan].to - w->n_sources;
    x->task_held[ti] = (uint64_t)((int64_t)x->task_held[ti] + delta);
    x->held_total = (uint64_t)((int64_t)x->held_total + delta);
    if (delta > 0)
        held_peak(x, ti);
}

static void set_held(sim_world *w, sim_mx *x, uint32_t chan, bool on)
{
    if (x->held[chan] == on)
        return;
    x->held[chan] = on;
    uint32_t ti = w->chans[chan].to - w->n_sources;
    uint64_t q = x->queued[chan];
    x->task_held[ti] = on ? x->task_held[ti] + q : x->task_held[ti] - q;
    x->held_total = on ? x->held_total + q : x->held_total - q;
}

void mx_gate(sim_world *w, const topo_node *n, const uint64_t *blocked)
{
    sim_mx *x = w->mx;
    for (uint32_t p = 0; p < n->n_in; p++)
        set_held(w, x, n->in_first + p, blocked && bs_chanset_has(blocked, p));
    held_peak(x, n->id - w->n_sources);
}

static void release(sim_world *w, sim_mx *x, const topo_node *n)
{
    for (uint32_t p = 0; p < n->n_in; p++)
        set_held(w, x, n->in_first + p, false);
    x->cur[n->id - w->n_sources] = 0;
}

/* ---- alignments --------------------------------------------------------------------------- */

void mx_begin(sim_world *w, const topo_node *n, uint64_t id)
{
    sim_mx *x = w->mx;
    uint32_t ti = n->id - w->n_sources;
    if (id == 0 || id > x->ck_cap || x->m->n_al == x->al_cap) {
        x->m->al_dropped++;
        return;
    }
    uint32_t *slot = &x->index[(size_t)(id - 1) * x->m->n_tasks + ti];
    if (*slot)
        return; /* begun before (a restart does not reuse ids): keep the first */
    sim_al_metrics *a = &x->m->al[x->m->n_al++];
    *a = (sim_al_metrics){.checkpoint = id, .task = n->id, .begin_ns = w->q.now_ns};
    *slot = x->m->n_al;
    x->cur[ti] = x->m->n_al;
    x->begin_written[ti] = n->task->disk.written_bytes;
    x->begin_returned[ti] = x->returned[ti];
}

void mx_returned(sim_world *w, const topo_node *n)
{
    w->mx->returned[n->id - w->n_sources]++;
}

/* Processed in-flight data: what the operator was returned since the alignment began. */
static void processed(sim_world *w, sim_mx *x, const topo_node *n, sim_al_metrics *a)
{
    uint32_t ti = n->id - w->n_sources;
    a->processed_bytes = (x->returned[ti] - x->begin_returned[ti]) * x->payload;
}

/* The alignment stops holding: what it spilled and held is final. */
static void stop_holding(sim_world *w, sim_mx *x, const topo_node *n, sim_al_metrics *a)
{
    uint32_t ti = n->id - w->n_sources;
    if (x->cur[ti] && &x->m->al[x->cur[ti] - 1] == a) {
        held_peak(x, ti);
        a->spilled_bytes = n->task->disk.written_bytes - x->begin_written[ti];
        release(w, x, n);
    }
    a->buffered_bytes = a->spilled_bytes + a->blocked_bytes_peak;
}

void mx_trigger(sim_world *w, const topo_node *n, uint64_t id)
{
    sim_mx *x = w->mx;
    sim_al_metrics *a = al_at(x, n->id - w->n_sources, id);
    if (!a || a->end != SIM_AL_OPEN || a->triggered)
        return;
    a->triggered = true;
    a->trigger_ns = a->end_ns = w->q.now_ns;
    a->alignment_ns = a->trigger_ns - a->begin_ns;
    a->end = SIM_AL_TRIGGERED;
    processed(w, x, n, a);
    stop_holding(w, x, n, a);
}

void mx_abort(sim_world *w, const topo_node *n, uint64_t id, bs_abort_reason why)
{
    sim_mx *x = w->mx;
    if ((unsigned)why < SIM_MX_REASONS)
        x->m->task_aborts_by[why]++;
    sim_al_metrics *a = al_at(x, n->id - w->n_sources, id);
    if (!a || (a->end != SIM_AL_OPEN && !(a->end == SIM_AL_TRIGGERED && a->unaligned)))
        return;
    if (a->triggered) { /* an unaligned checkpoint's channel state is given up */
        BS_ASSERT(x->cs_pending >= a->cs_pending_bytes);
        x->cs_pending -= a->cs_pending_bytes;
        a->cs_pending_bytes = 0;
    } else {
        stop_holding(w, x, n, a);
    }
    a->end = SIM_AL_ABORTED;
    a->reason = why;
    a->end_ns = w->q.now_ns;
}

void mx_channel_state(sim_world *w, const topo_node *n, uint64_t id, uint32_t len)
{
    sim_mx *x = w->mx;
    sim_al_metrics *a = al_at(x, n->id - w->n_sources, id);
    if (!a)
        return;
    a->unaligned = true;
    a->channel_state_bytes += len;
    a->channel_state_items++;
    /* Pending until d<K> (or a<K>) only where the handler took K unaligned. The output state
     * of a barrier converted in this task's outbox after it triggered K aligned (aligned-
     * timeout, sim_cs_convert) counts in K's statistics, but no d<K> follows it: counted as
     * pending, it stayed in the buffered series for the rest of the run (the validation
     * study's aligned-timeout curve climbed to 0.5 MiB and stayed). */
    if (n->task && n->task->unaligned_k == id) {
        a->cs_pending_bytes += len;
        x->cs_pending += len;
    }
}

void mx_done(sim_world *w, const topo_node *n, uint64_t id)
{
    sim_mx *x = w->mx;
    sim_al_metrics *a = al_at(x, n->id - w->n_sources, id);
    if (!a || !a->triggered || (a->end != SIM_AL_TRIGGERED && a->end != SIM_AL_OPEN))
        return;
    a->unaligned = true;
    a->end = SIM_AL_DONE;
    a->end_ns = w->q.now_ns;
    a->channel_state_ns = a->end_ns - a->trigger_ns;
    BS_ASSERT(x->cs_pending >= a->cs_pending_bytes);
    x->cs_pending -= a->cs_pending_bytes;
    a->cs_pending_bytes = 0;
    processed(w, x, n, a);
}

void mx_snapshot(sim_world *w, const topo_node *n, uint64_t id, uint64_t sync_ns, uint64_t async_ns,
                 uint64_t state_bytes, uint64_t persisted_bytes)
{
    sim_al_metrics *a = al_at(w->mx, n->id - w->n_sources, id);
    if (!a || !a->triggered || a->acked)
        return;
    a->acked = true;
    a->sync_ns = sync_ns;
    a->async_ns = async_ns == UINT64_MAX ? w->q.now_ns - a->trigger_ns : async_ns;
    a->state_bytes = state_bytes;
    a->persisted_bytes = persisted_bytes;
}

void mx_acks_in(sim_world *w, uint64_t id)
{
    sim_metrics *m = w->mx->m;
    if (id && id <= m->n_ck && m->ck[id - 1].id == id)
        m->ck[id - 1].acks_in_ns = w->q.now_ns;
}

/* ---- checkpoints -------------------------------------------------------------------------- */

/* Senders' time waiting for credit so far, including waits still going on. */
static uint64_t wait_so_far(const sim_world *w)
{
    uint64_t ns = w->res->credit_wait_ns;
    for (uint32_t i = 0; i < w->n_nodes; i++)
        if (w->nodes[i].waiting_credit)
            ns += w->q.now_ns - w->nodes[i].wait_since_ns;
    return ns;
}

void mx_ck_start(sim_world *w, uint64_t id)
{
    sim_mx *x = w->mx;
    uint64_t wait = wait_so_far(w), now = w->q.now_ns, senders = w->n_nodes - w->n_sinks;
    double share = now > x->last_start_ns && senders
                       ? (double)(wait - x->last_wait_ns) / ((double)senders * (double)(now - x->last_start_ns))
                       : 0.0;
    x->last_start_ns = now;
    x->last_wait_ns = wait;
    if (id == 0 || id > x->ck_cap) {
        x->m->ck_dropped++;
        return;
    }
    x->m->ck[id - 1] = (sim_ck_metrics){.id = id, .start_ns = now, .outcome = SIM_CK_PENDING,
                                        .in_flight_bytes_start = x->queued_total * x->payload,
                                        .credit_wait_share = share};
    if (id > x->m->n_ck)
        x->m->n_ck = (uint32_t)id;
}

void mx_ck_end(sim_world *w, uint64_t id, int outcome, bs_abort_reason why)
{
    sim_metrics *m = w->mx->m;
    switch ((sim_ck_outcome)outcome) {
    case SIM_CK_COMPLETED: m->completed++; break;
    case SIM_CK_DECLINED:
        m->declined++;
        if ((unsigned)why < SIM_MX_REASONS)
            m->declined_by[why]++;
        break;
    case SIM_CK_TIMED_OUT: m->timed_out++; break;
    case SIM_CK_ABANDONED: m->abandoned++; break;
    default: BS_ASSERT(!"a checkpoint ends with an outcome");
    }
    if (id == 0 || id > m->n_ck || m->ck[id - 1].id != id)
        return;
    sim_ck_metrics *c = &m->ck[id - 1];
    c->outcome = (sim_ck_outcome)outcome;
    c->reason = outcome == SIM_CK_DECLINED ? why : BS_ABORT_SUBSUMED;
    c->end_ns = w->q.now_ns;
    c->duration_ns = c->end_ns - c->start_ns;
    if (outcome == SIM_CK_COMPLETED && c->acks_in_ns)
        c->metadata_ns = c->end_ns - c->acks_in_ns;
}

/* ---- records ------------------------------------------------------------------------------ */

void mx_emit(sim_world *w, const topo_node *src, uint64_t seq)
{
    sim_mx *x = w->mx;
    if (seq < x->src_next[src->index])
        x->m->records_replayed++;
    else
        x->src_next[src->index] = seq + 1;
    if (seq % x->stride == 0 && seq / x->stride < x->per_src)
        x->emit_ns[src->index * x->per_src + seq / x->stride] = w->q.now_ns;
}

void mx_sink(sim_world *w, uint64_t label, bool duplicate)
{
    sim_mx *x = w->mx;
    sim_metrics *m = x->m;
    m->sink_records++;
    m->duplicates += duplicate;
    uint64_t seq = sim_label_seq(label);
    uint32_t src = sim_label_src(label);
    if (src >= w->n_sources || seq % x->stride != 0 || seq / x->stride >= x->per_src)
        return;
    uint64_t lat = w->q.now_ns - x->emit_ns[src * x->per_src + seq / x->stride];
    sim_latency *l = &m->latency;
    if (l->count == 0 || lat < l->min_ns)
        l->min_ns = lat;
    if (lat > l->max_ns)
        l->max_ns = lat;
    l->count++;
    x->lat_sum += (double)lat;
    m->hist[sim_mx_bucket(lat)]++;
    if (m->lat && m->n_lat < x->lat_cap)
        m->lat[m->n_lat++] = (sim_mx_latency){w->q.now_ns, lat};
    else if (m->lat)
        m->lat_dropped++;
}

void mx_recovered(sim_world *w, uint64_t items)
{
    w->mx->m->channel_state_recovered += items;
    w->mx->m->records_replayed += items;
}

/* A restart emptied every channel and outbox and closed every handler. */
void mx_restart(sim_world *w)
{
    sim_mx *x = w->mx;
    memset(x->queued, 0, w->n_chans * sizeof *x->queued);
    memset(x->held, 0, w->n_chans);
    memset(x->task_held, 0, w->n_tasks * sizeof *x->task_held);
    memset(x->cur, 0, w->n_tasks * sizeof *x->cur);
    x->held_total = x->queued_total = x->cs_pending = 0;
    for (uint32_t i = 0; i < x->m->n_al; i++) {
        sim_al_metrics *a = &x->m->al[i];
        bool open = a->end == SIM_AL_OPEN || (a->end == SIM_AL_TRIGGERED && a->unaligned);
        if (open) {
            a->end = SIM_AL_ABANDONED;
            a->end_ns = w->q.now_ns;
            a->buffered_bytes = a->spilled_bytes + a->blocked_bytes_peak;
        }
    }
}

/* ---- the end of the run ------------------------------------------------------------------- */

/* A task's acknowledged snapshot in its checkpoint's statistics. */
static void add_acked(sim_ck_metrics *c, const sim_al_metrics *a)
{
    c->tasks_acked++;
    if (a->start_delay_ns > c->start_delay_ns_max)
        c->start_delay_ns_max = a->start_delay_ns;
    if (a->sync_ns > c->sync_ns_max)
        c->sync_ns_max = a->sync_ns;
    if (a->async_ns > c->async_ns_max)
        c->async_ns_max = a->async_ns;
    c->state_bytes += a->state_bytes;
    c->persisted_bytes += a->persisted_bytes;
    c->checkpointed_bytes += a->state_bytes + a->persisted_bytes;
    c->processed_bytes += a->processed_bytes;
}

static void finish_checkpoints(sim_world *w, sim_metrics *m)
{
    for (uint32_t i = 0; i < m->n_ck; i++) {
        sim_ck_metrics *c = &m->ck[i];
        if (c->id && c->outcome == SIM_CK_PENDING) {
            m->pending_at_end++;
            c->end_ns = w->q.now_ns;
            c->duration_ns = c->end_ns - c->start_ns;
        }
    }
    for (uint32_t i = 0; i < m->n_al; i++) {
        sim_al_metrics *a = &m->al[i];
        if (a->checkpoint == 0 || a->checkpoint > m->n_ck)
            continue;
        sim_ck_metrics *c = &m->ck[a->checkpoint - 1];
        if (c->id == a->checkpoint)
            a->start_delay_ns = a->begin_ns > c->start_ns ? a->begin_ns - c->start_ns : 0;
        c->tasks_aligned++;
        if (a->alignment_ns > c->alignment_ns_max)
            c->alignment_ns_max = a->alignment_ns;
        c->buffered_bytes += a->buffered_bytes ? a->buffered_bytes : a->spilled_bytes + a->blocked_bytes_peak;
        c->channel_state_bytes += a->channel_state_bytes;
        if (c->id == a->checkpoint && a->acked)
            add_acked(c, a);
    }
}

void mx_finish(sim_world *w)
{
    sim_mx *x = w->mx;
    sim_metrics *m = x->m;
    mx_sample(w, w->q.now_ns + 1);
    finish_checkpoints(w, m);
    m->run_ns = w->q.now_ns;
    m->throughput_rps = m->run_ns ? (double)m->sink_records * 1e9 / (double)m->run_ns : 0.0;
    uint64_t senders = w->n_nodes - w->n_sinks;
    m->credit_wait_share = m->run_ns && senders ? (double)wait_so_far(w) / ((double)senders * (double)m->run_ns) : 0.0;
    sim_latency *l = &m->latency;
    l->mean_ns = l->count ? x->lat_sum / (double)l->count : 0.0;
    l->p50_ns = sim_mx_quantile(m->hist, l->count, 0.50);
    l->p90_ns = sim_mx_quantile(m->hist, l->count, 0.90);
    l->p99_ns = sim_mx_quantile(m->hist, l->count, 0.99);
    l->p999_ns = sim_mx_quantile(m->hist, l->count, 0.999);
    uint64_t *p[] = {&l->p50_ns, &l->p90_ns, &l->p99_ns, &l->p999_ns};
    for (size_t i = 0; i < 4 && l->count; i++) /* a bucket's midpoint, within the exact range */
        *p[i] = *p[i] < l->min_ns ? l->min_ns : *p[i] > l->max_ns ? l->max_ns : *p[i];
}
