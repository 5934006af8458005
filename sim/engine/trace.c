/*
 * trace.c: the run's trace.
 *
 * Every happening is one line, "<time_ns> <event#> <who> <what>\n". Frequent happenings
 * are noted in structured form (sim_note: an operation code and two numbers) and formatted
 * as text only when the caller gave a FILE; rare ones (violations, stops) are text
 * (sim_trace). Either way the line's content, never its formatting, is folded into a
 * running 64-bit hash (the header line and free text by their bytes), so the hash is the
 * same with or without a FILE, equal runs give equal hashes, and computing it costs a few
 * multiplications per line. The header line holds every parameter of the run, so that the
 * seed and the header reproduce it. Nothing here allocates.
 *
 * A run's failures are recorded here too: sim_fail stops the run with a violation or an
 * error, its message in the result and its line in the trace (the first failure wins).
 */
#include "engine_int.h"

#include <stdarg.h>
#include <string.h>

/* One multiply per word; the rotation carries high bits down into the next product. */
static inline uint64_t fold_word(uint64_t h, uint64_t x)
{
    h ^= x;
    return ((h << 29) | (h >> 35)) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
}

static void fold(sim_world *w, uint64_t x) { w->res->trace_hash = fold_word(w->res->trace_hash, x); }

static void fold_bytes(sim_world *w, const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 of the text, then folded */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    fold(w, h ^ len);
}

static const char *who_name(const sim_world *w, uint32_t who)
{
    return who < w->n_nodes ? w->nodes[who].name : "coord";
}

static void item_text(uint64_t kind, uint64_t val, char *buf, size_t len)
{
    sim_item it = {val, (uint8_t)kind, 0};
    sim_item_str(&it, buf, len);
}

/* A checkpoint-cost line (ckpt_cost.c, sim_cost_note). */
static void cost_text(uint64_t k, uint64_t b, char *buf, size_t len)
{
    unsigned long long ua = (unsigned long long)k, v = (unsigned long long)(b >> 8);
    switch ((sim_cost_note)(b & 0xff)) {
    case COST_SYNC: snprintf(buf, len, "sync %llu: %llu ns", ua, v); break;
    case COST_SYNC_END: snprintf(buf, len, "sync %llu done: state %llu bytes", ua, v); break;
    case COST_CHANNEL: snprintf(buf, len, "channel state %llu written: %llu bytes", ua, v); break;
    case COST_WRITE: snprintf(buf, len, "storage write %llu starts: %llu bytes", ua, v); break;
    case COST_WRITTEN: snprintf(buf, len, "storage write %llu done: %llu bytes", ua, v); break;
    case COST_ACK_SENT: snprintf(buf, len, "ack %llu sent", ua); break;
    default: snprintf(buf, len, "cost %llu ?%llu", ua, (unsigned long long)(b & 0xff)); break;
    }
}

/* Formats a structured line's "what" (only when there is a FILE). */
static void note_text(const sim_world *w, sim_op op, uint64_t a, uint64_t b, char *buf, size_t len)
{
    char s[32];
    unsigned long long ua = (unsigned long long)a, ub = (unsigned long long)b;
    switch (op) {
    case OP_EMIT: snprintf(buf, len, "emit d%u:%llu", sim_label_src(a), (unsigned long long)sim_label_seq(a)); break;
    case OP_SOURCE_EOP: snprintf(buf, len, "eop"); break;
    case OP_ARRIVE:
    case OP_TAKE:
    case OP_RET:
        item_text(a & 0xff, b, s, sizeof s);
        snprintf(buf, len, "%s %s in%llu", op == OP_ARRIVE ? "arrive" : op == OP_TAKE ? "take" : "ret", s, ua >> 8);
        break;
    case OP_END: snprintf(buf, len, "end state %016llx records %llu", ua, ub); break;
    case OP_TRIGGER: snprintf(buf, len, "trigger %llu state %016llx", ua, ub); break;
    case OP_ABORT: snprintf(buf, len, "abort %llu %s", ua, bs_abort_reason_name((bs_abort_reason)b)); break;
    case OP_ACK: snprintf(buf, len, "ack %llu", ua); break;
    case OP_START: snprintf(buf, len, "start %llu", ua); break;
    case OP_COMPLETE: snprintf(buf, len, "complete %llu after %llu ns", ua, ub); break;
    case OP_DECLINE:
        snprintf(buf, len, "decline %llu by %s: %s", ua, who_name(w, (uint32_t)(b >> 8)),
                 bs_abort_reason_name((bs_abort_reason)(b & 0xff)));
        break;
    case OP_TIMEOUT: snprintf(buf, len, "timeout %llu acks %llu of %u", ua, ub, w->n_nodes); break;
    case OP_SKIP: snprintf(buf, len, "skip %llu: %s still holds a barrier", ua, who_name(w, (uint32_t)b)); break;
    case OP_NO_CANCEL: snprintf(buf, len, "no room for x%llu: not sent", ua); break;
    case OP_WAIT_INPUT: snprintf(buf, len, "wait input"); break;
    case OP_WAIT_CREDIT: snprintf(buf, len, "wait credit (%llu in outbox)", ua); break;
    case OP_TICK:
        if (a)
            snprintf(buf, len, "%s: %llu still pending", b ? "timeout check" : "tick", ua);
        else
            snprintf(buf, len, "%s: nothing to do", b ? "timeout check" : "tick");
        break;
    case OP_FAULT:
        if (b)
            snprintf(buf, len, "fault %llu fires (checkpoint %llu)", ua, ub);
        else
            snprintf(buf, len, "fault %llu fires", ua);
        break;
    case OP_SKIP_BARRIER: snprintf(buf, len, "skip b%llu (fault)", ua); break;
    case OP_CANCEL: snprintf(buf, len, "cancel x%llu (fault)", ua); break;
    case OP_ABANDON: snprintf(buf, len, "abandon %llu", ua); break;
    case OP_RESTART: snprintf(buf, len, "restarted from checkpoint %llu (restart %llu)", ua, ub); break;
    case OP_FAILED: snprintf(buf, len, "failed: %s", bs_strerror(-(int)a)); break;
    case OP_OVERTAKE:
        item_text(a & 0xff, b, s, sizeof s);
        snprintf(buf, len, "take %s in%llu overtaking %llu", s, (ua >> 8) & 0xffffff, ua >> 32);
        break;
    case OP_UNALIGNED: snprintf(buf, len, "unaligned %llu", ua); break;
    case OP_DONE: snprintf(buf, len, "done %llu channel-state %llu", ua, ub); break;
    case OP_STATE:
        item_text(BS_DATA, b, s, sizeof s);
        snprintf(buf, len, "state %llu %s", ua, s);
        break;
    case OP_TAKE_STATE:
        item_text(BS_DATA, b, s, sizeof s);
        snprintf(buf, len, "take %s in%llu (restored channel state)", s, ua);
        break;
    case OP_WAKE: snprintf(buf, len, "wake at %llu", ua); break;
    case OP_OVERTAKE_OUT: snprintf(buf, len, "send b%llu ahead of %llu queued records", ua, ub); break;
    case OP_CONVERT_OUT:
        snprintf(buf, len, "timed-out b%llu overtakes %llu queued records (unaligned)", ua, ub);
        break;
    case OP_ALIGN_TIMER: snprintf(buf, len, "alignment timer of c%llu fires at the senders", ua); break;
    case OP_HOLD_BARRIER: snprintf(buf, len, "hold b%llu back (reorder fault)", ua); break;
    case OP_LATE_BARRIER:
        if (b)
            snprintf(buf, len, "send b%llu late, after b%llu (reorder fault)", ua, ub);
        else
            snprintf(buf, len, "send b%llu late (reorder fault)", ua);
        break;
    case OP_STEP: {
        static const char *const kinds[] = {"records", "barrier b", "cancel x", "eop", "fault "};
        const char *k = (b & 0xff) < 5 ? kinds[b & 0xff] : "?";
        if ((b & 0xff) == SIM_STEP_EOP)
            snprintf(buf, len, "step %llu: eop", ua);
        else
            snprintf(buf, len, "step %llu: %s%llu", ua, k, ub >> 8);
        break;
    }
    case OP_DEBLOAT: snprintf(buf, len, "debloat: buffer size %llu (throughput %llu B/s)", ua, ub); break;
    case OP_COST: cost_text(a, b, buf, len); break;
    default: snprintf(buf, len, "op%d %llu %llu", (int)op, ua, ub); break;
    }
}

void sim_note(sim_world *w, uint32_t who, sim_op op, uint64_t a, uint64_t b)
{
    /* The same words as five fold() calls, with the hash kept in a register: a store to
     * the result's hash could alias the queue's counters, so fold() reloads them each time. */
    sim_result *res = w->res;
    uint64_t h = fold_word(res->trace_hash, w->q.now_ns);
    h = fold_word(h, w->q.popped);
    h = fold_word(h, ((uint64_t)who << 8) | (uint64_t)op);
    h = fold_word(h, a);
    res->trace_hash = fold_word(h, b);
    res->trace_lines++;
    if (!w->trace)
        return;
    char what[256];
    note_text(w, op, a, b, what, sizeof what);
    fprintf(w->trace, "%llu %llu %s %s\n", (unsigned long long)w->q.now_ns, (unsigned long long)w->q.popped,
            who_name(w, who), what);
}

/* Stops the run with a violation or an error: the first one wins (later calls, and every
 * check once the run has stopped, do nothing). The message, "t=<ns> event <n>: <who>: <what>",
 * goes into the result, and "<outcome>: <what>" into the trace. */
void sim_fail(sim_world *w, sim_outcome o, const char *who, const char *fmt, ...)
{
    BS_ASSERT((o == SIM_VIOLATION || o == SIM_ERROR) && who);
    if (w->stop)
        return;
    w->stop = true;
    w->res->outcome = o;
    char what[896];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(w->res->message, sizeof w->res->message, "t=%llu event %llu: %s: %s",
             (unsigned long long)w->q.now_ns, (unsigned long long)w->q.popped, who, what);
    sim_trace(w, who, "%s: %s", sim_outcome_name(o), what);
}

void sim_trace(sim_world *w, const char *who, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (n < 0)
        what[0] = '\0';
    fold(w, w->q.now_ns);
    fold(w, w->q.popped);
    fold_bytes(w, who, strlen(who));
    fold_bytes(w, what, strlen(what));
    w->res->trace_lines++;
    if (w->trace)
        fprintf(w->trace, "%llu %llu %s %s\n", (unsigned long long)w->q.now_ns, (unsigned long long)w->q.popped,
                who, what);
}

void sim_trace_header(sim_world *w)
{
    const sim_config *c = w->cfg;
    char line[2048], links[256] = "", service[512] = "", ppm[256] = "";
    size_t ln = 0, sn = 0, pn = 0;
    for (uint32_t k = 0; k < sim_fault_kinds(); k++)
        pn += (size_t)snprintf(ppm + pn, sizeof ppm - pn, "%s%u", k ? "," : "", c->fault_ppm[k]);
    for (uint32_t s = 0; s < c->stages && s < SIM_STAGES_MAX; s++) {
        ln += (size_t)snprintf(links + ln, sizeof links - ln, "%s%s", s ? "," : "", sim_link_name(c->link[s]));
        sn += (size_t)snprintf(service + sn, sizeof service - sn, "%s%llu/%llu/%llu", s ? "," : "",
                               (unsigned long long)c->service[s].min_ns, (unsigned long long)c->service[s].mean_ns,
                               (unsigned long long)c->service[s].max_ns);
    }
    int n = snprintf(line, sizeof line,
                     "# barriersim sim seed=%llu strategy=%s sources=%u stages=%u parallelism=%u links=%s "
                     "credits=%u latency=%llu/%llu/%llu service=%s source-interval=%llu records=%llu "
                     "payload=%u checkpoint-interval=%llu checkpoint-timeout=%llu max-buffered-bytes=%llu "
                     "alignment-timeout=%llu max-events=%llu fault-ppm=%s fault-draws=%u scripted-faults=%u max-restarts=%u "
                     "checkpoint-bound=%llu stall-bound=%llu spill-bytes-max=%llu open-files-max=%u plant=%d "
                     "steps=%u end-to-end=%d\n",
                     (unsigned long long)w->seed, c->strategy, c->sources, c->stages, c->parallelism, links,
                     w->net_bytes ? 0u : c->credits, (unsigned long long)c->latency.min_ns, (unsigned long long)c->latency.mean_ns,
                     (unsigned long long)c->latency.max_ns, service, (unsigned long long)c->source_interval_ns,
                     (unsigned long long)c->records_per_source, c->payload_len,
                     (unsigned long long)c->checkpoint_interval_ns, (unsigned long long)c->checkpoint_timeout_ns,
                     (unsigned long long)c->max_buffered_bytes,
                     (unsigned long long)c->alignment_timeout_ns, (unsigned long long)c->max_events, ppm,
                     c->fault_draws, c->n_faults, c->max_restarts, (unsigned long long)c->checkpoint_bound_ns,
                     (unsigned long long)c->stall_bound_ns, (unsigned long long)c->spill_bytes_max, c->open_files_max,
                     (int)c->plant, c->n_steps, (int)c->end_to_end);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (w->net_bytes && len > 0) { /* the record model's header stays as it was */
        const sim_net *nc = &c->net;
        int m = snprintf(line + len - 1, sizeof line - (len - 1),
                         " network=bytes segment-size=%u buffers-per-channel=%u floating-buffers-per-gate=%u "
                         "max-buffers-per-channel=%u buffer-timeout=%llu credit-latency=%llu/%llu/%llu\n",
                         nc->segment_bytes, nc->buffers_per_channel, nc->floating_per_gate,
                         nc->max_buffers_per_channel, (unsigned long long)nc->buffer_timeout_ns,
                         (unsigned long long)nc->credit_latency.min_ns, (unsigned long long)nc->credit_latency.mean_ns,
                         (unsigned long long)nc->credit_latency.max_ns);
        if (m > 0)
            len = len - 1 + (size_t)m < sizeof line ? len - 1 + (size_t)m : sizeof line - 1;
        const sim_debloat *db = &nc->debloat;
        if (db->enabled && len > 0) { /* a byte run without debloating keeps its header */
            m = snprintf(line + len - 1, sizeof line - (len - 1),
                         " buffer-debloat=on target=%llu period=%llu samples=%u threshold-percentages=%u "
                         "min-segment-size=%u\n",
                         (unsigned long long)db->target_ns, (unsigned long long)db->period_ns, db->samples,
                         db->threshold_pct, db->min_segment_bytes);
            if (m > 0)
                len = len - 1 + (size_t)m < sizeof line ? len - 1 + (size_t)m : sizeof line - 1;
        }
        if (!nc->announce && len > 0) { /* the default's header stays as it was */
            m = snprintf(line + len - 1, sizeof line - (len - 1), " announce-barriers=0\n");
            if (m > 0)
                len = len - 1 + (size_t)m < sizeof line ? len - 1 + (size_t)m : sizeof line - 1;
        }
    }
    if (c->n_hetero && len > 0) { /* a job without overrides keeps its header */
        static const char *const kinds[] = {"service", "interval", "latency"};
        size_t at = len - 1;
        bool first = true;
        /* by kind, in order within a kind: the order the scenario and replay files keep */
        for (uint32_t x = 0; x < 3 * c->n_hetero && at < sizeof line - 2; x++) {
            const sim_hetero *h = &c->hetero[x % c->n_hetero];
            if ((uint32_t)h->kind != x / c->n_hetero)
                continue;
            char a[24], b[24];
            int m = snprintf(line + at, sizeof line - at, "%s%s:%s%s%s=%llu/%llu/%llu", first ? " hetero=" : ",",
                             kinds[h->kind], sim_node_name(c, h->node, a, sizeof a),
                             h->kind == SIM_HETERO_LATENCY ? "->" : "",
                             h->kind == SIM_HETERO_LATENCY ? sim_node_name(c, h->to, b, sizeof b) : "",
                             (unsigned long long)h->d.min_ns, (unsigned long long)h->d.mean_ns,
                             (unsigned long long)h->d.max_ns);
            if (m > 0)
                at = at + (size_t)m < sizeof line - 2 ? at + (size_t)m : sizeof line - 2;
            first = false;
        }
        line[at++] = '\n';
        len = at;
    }
    if (w->ck && len > 0) { /* without costs the header stays as it was */
        const sim_costs *k = &c->costs;
        int m = snprintf(line + len - 1, sizeof line - (len - 1),
                         " state-bytes=%llu state-bytes-per-record=%llu sync-ns=%llu sync-ps-per-byte=%llu "
                         "storage-bytes-per-s=%llu storage-latency-ns=%llu channel-state-bytes-per-s=%llu "
                         "ack-latency-ns=%llu metadata-bytes=%llu\n",
                         (unsigned long long)k->state_bytes, (unsigned long long)k->state_bytes_per_record,
                         (unsigned long long)k->sync_ns, (unsigned long long)k->sync_ps_per_byte,
                         (unsigned long long)k->storage_bytes_per_s, (unsigned long long)k->storage_latency_ns,
                         (unsigned long long)k->channel_state_bytes_per_s, (unsigned long long)k->ack_latency_ns,
                         (unsigned long long)k->metadata_bytes);
        if (m > 0)
            len = len - 1 + (size_t)m < sizeof line ? len - 1 + (size_t)m : sizeof line - 1;
    }
    if (sim_link_used(c, SIM_LINK_HASH) && len > 0) { /* a job without hash links keeps its header */
        int m = snprintf(line + len - 1, sizeof line - (len - 1), " key-count=%u key-skew=%u\n", c->key_count,
                         c->key_skew_milli);
        if (m > 0)
            len = len - 1 + (size_t)m < sizeof line ? len - 1 + (size_t)m : sizeof line - 1;
    }
    for (uint32_t st = 0; st < c->stages && st < SIM_STAGES_MAX && len > 0; st++) { /* the chain keeps its header */
        if (sim_in2_stage(c, st) == SIM_NONE_STAGE)
            continue;
        int m = snprintf(line + len - 1, sizeof line - (len - 1), " two-input=s%u<-s%u:%s\n", st, sim_in2_stage(c, st),
                         sim_link_name(c->in2_link[st]));
        if (m > 0)
            len = len - 1 + (size_t)m < sizeof line ? len - 1 + (size_t)m : sizeof line - 1;
    }
    w->res->trace_hash = 0;
    fold_bytes(w, line, len);
    w->res->trace_lines++;
    if (w->trace)
        fwrite(line, 1, len, w->trace);
}

const char *sim_item_str(const sim_item *it, char *buf, size_t len)
{
    switch (it->kind) {
    case BS_DATA:
        if (sim_label_copy(it->val))
            snprintf(buf, len, "d%u:%llu/%u", sim_label_src(it->val), (unsigned long long)sim_label_seq(it->val),
                     sim_label_copy(it->val));
        else
            snprintf(buf, len, "d%u:%llu", sim_label_src(it->val), (unsigned long long)sim_label_seq(it->val));
        break;
    case BS_BARRIER:
        snprintf(buf, len, "b%llu", (unsigned long long)it->val);
        break;
    case BS_CANCEL:
        snprintf(buf, len, "x%llu", (unsigned long long)it->val);
        break;
    default:
        snprintf(buf, len, "eop");
        break;
    }
    return buf;
}
