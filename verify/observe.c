/*
 * observe.c: the observation entry points. Each counts a step, identifies what the
 * observation concerns, runs the active invariants' hooks, then updates the bookkeeping.
 */
#include "verify_int.h"

#include <string.h>

#define RUN_HOOKS(v, hook, ...)                                                           \
    do {                                                                                  \
        for (size_t k_ = 0; k_ < (v)->active_len; k_++)                                   \
            if ((v)->active[k_]->hook && (v)->active[k_]->hook((v), __VA_ARGS__))         \
                return VERIFY_VIOLATION;                                                  \
    } while (0)

#define RUN_HOOKS0(v, hook)                                                               \
    do {                                                                                  \
        for (size_t k_ = 0; k_ < (v)->active_len; k_++)                                   \
            if ((v)->active[k_]->hook && (v)->active[k_]->hook(v))                        \
                return VERIFY_VIOLATION;                                                  \
    } while (0)

static int observe_start(verify *v)
{
    if (v->failed)
        return VERIFY_VIOLATION;
    if (v->active_len == 0) {
        for (size_t i = 0; verify_invariants[i]; i++) {
            const verify_invariant *inv = verify_invariants[i];
            if (!inv->applies || inv->applies(&v->cfg)) {
                BS_ASSERT(v->active_len < sizeof v->active / sizeof v->active[0]);
                v->active[v->active_len++] = inv;
            }
        }
    }
    v->step++;
    return 0;
}

int verify_gate(verify *v)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS0(v, on_gate);
    return 0;
}

int verify_yield(verify *v, const verify_item *it)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    if (it->channel >= v->cfg.channels)
        return verify_fail(v, "input", "item %llu on channel %u of %u", (unsigned long long)it->label,
                           it->channel, v->cfg.channels);
    if (v->ch[it->channel].eop != VERIFY_NONE)
        return verify_fail(v, "input", "item %llu on channel %u after its eop", (unsigned long long)it->label,
                           it->channel);
    int rc = verify_note_yield(v, it);
    if (rc == VERIFY_VIOLATION)
        return rc;
    if (rc == BS_ESTATE)
        return verify_fail(v, "input", "item %llu on channel %u contradicts the %zu data items an overtaking marker announced there (overtaken %u)",
                           (unsigned long long)it->label, it->channel, v->ch[it->channel].pending_count,
                           it->overtaken);
    return rc ? verify_fail(v, "verify", "out of memory") : 0;
}

static int open_add(verify *v, uint64_t id)
{
    if (v->open_len == v->open_cap) {
        size_t cap = v->open_cap ? 2 * v->open_cap : 16;
        uint64_t *q = realloc(v->open_ids, cap * sizeof *q);
        if (!q)
            return verify_fail(v, "verify", "out of memory");
        v->open_ids = q;
        v->open_cap = cap;
    }
    v->open_ids[v->open_len++] = id;
    return 0;
}

static void open_remove(verify *v, uint64_t id)
{
    for (size_t i = 0; i < v->open_len; i++) {
        if (v->open_ids[i] == id) {
            memmove(&v->open_ids[i], &v->open_ids[i + 1], (v->open_len - i - 1) * sizeof *v->open_ids);
            v->open_len--;
            return;
        }
    }
}

int verify_begin(verify *v, uint64_t id)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_begin, id);
    verify_ckpt *ck = verify_ckpt_get(v, id);
    if (!ck)
        return verify_fail(v, "verify", "out of memory");
    ck->begun = true;
    if (id > v->begun_max)
        v->begun_max = id;
    return open_add(v, id);
}

static int mark_ended(verify *v, uint64_t id)
{
    verify_ckpt *ck = verify_ckpt_get(v, id);
    if (!ck)
        return verify_fail(v, "verify", "out of memory");
    ck->ended = true;
    open_remove(v, id);
    verify_unal_remove(v, id);
    return 0;
}

int verify_unaligned(verify *v, uint64_t id)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_unaligned, id);
    verify_ckpt *ck = verify_ckpt_get(v, id);
    if (!ck)
        return verify_fail(v, "verify", "out of memory");
    ck->unaligned = true;
    return 0;
}

int verify_trigger(verify *v, uint64_t id)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_trigger, id);
    v->have_trigger = true;
    v->last_trigger = id;
    verify_ckpt *ck = verify_ckpt_get(v, id);
    if (!ck)
        return verify_fail(v, "verify", "out of memory");
    ck->triggered = true;
    if (!ck->unaligned)
        return mark_ended(v, id);
    return verify_unal_add(v, id) ? 0 : verify_fail(v, "verify", "out of memory");
}

int verify_abort(verify *v, uint64_t id, bs_abort_reason why)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_abort, id, why);
    return mark_ended(v, id);
}

/* A report naming a data item channel c has not yielded: an overtaken item reported
 * before it is yielded (a pre-report), matched to c's pending entries in order. True
 * with the entry's position; false after reporting the violation. */
static bool pre_report(verify *v, uint64_t id, const bs_item *data, size_t *pos)
{
    uint64_t label;
    unsigned long long k = id;
    if (data->kind != BS_DATA || data->channel >= v->cfg.channels) {
        verify_fail(v, "channel-state", "c%llu: the handler reported a non-data item on channel %u as channel state", k, data->channel);
        return false;
    }
    if (!verify_payload_parse(data->data, data->len, &label) || !verify_placeholder_for(v, data->channel, id, pos)) {
        verify_fail(v, "channel-state", "c%llu: the handler reported data on channel %u (%u bytes) that was neither yielded nor overtaken (%zu overtaken items are still to come there)",
                    k, data->channel, data->len, v->ch[data->channel].pending_count);
        return false;
    }
    const verify_entry *e = &v->ch[data->channel].items[*pos];
    if (e->cs_id && (e->label != label || e->len != data->len)) {
        verify_fail(v, "channel-state", "c%llu: reported item %llu (%u:d) as overtaken where channel state of %llu reported item %llu",
                    k, (unsigned long long)label, data->channel, (unsigned long long)e->cs_id, (unsigned long long)e->label);
        return false;
    }
    return true;
}

int verify_channel_state(verify *v, uint64_t id, const bs_item *data)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    size_t pos;
    bool yielded = data->kind == BS_DATA && verify_identify(v, data, &pos);
    if (!yielded && !pre_report(v, id, data, &pos))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_channel_state, id, data->channel, pos);
    verify_channel *c = &v->ch[data->channel];
    verify_entry *e = &c->items[pos];
    e->cs_id = id;
    if (e->pending) {
        uint64_t label;
        BS_ASSERT(verify_payload_parse(data->data, data->len, &label));
        e->label = label;
        e->len = data->len;
    } else if (!e->returned) {
        v->cs_pending = pos;
        v->cs_pending_channel = data->channel;
    }
    verify_unal *u = verify_unal_find(v, id);
    BS_ASSERT(u != NULL); /* the channel-state invariant refuses any other id */
    verify_unal_channel *uc = &u->ch[data->channel];
    uc->cs_count++;
    size_t rank = verify_rank(c, pos);
    if (uc->cs_rank_max == VERIFY_NONE || rank > uc->cs_rank_max)
        uc->cs_rank_max = rank;
    return 0;
}

int verify_done(verify *v, uint64_t id)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_done, id);
    return mark_ended(v, id);
}

/* Finds the yielded item a returned item is: true with its position on it->channel. */
bool verify_identify(const verify *v, const bs_item *it, size_t *pos)
{
    if (it->channel >= v->cfg.channels)
        return false;
    const verify_channel *c = &v->ch[it->channel];
    if (it->kind == BS_EOP) {
        *pos = c->eop;
        return c->eop != VERIFY_NONE;
    }
    uint64_t label;
    if (it->kind != BS_DATA || !verify_payload_parse(it->data, it->len, &label))
        return false;
    /* Items mostly come back in their channel's order: try the first unreturned one. */
    size_t next = c->returned_prefix < c->data_len ? c->data_pos[c->returned_prefix] : VERIFY_NONE;
    if (next != VERIFY_NONE && !c->items[next].pending && c->items[next].label == label)
        *pos = next;
    else if (!verify_where_find(v, it->channel, label, pos))
        return false;
    return c->items[*pos].len == it->len;
}

static void note_returned(verify *v, uint32_t channel, size_t pos)
{
    verify_channel *c = &v->ch[channel];
    c->items[pos].returned = true;
    c->last_returned = pos;
    if (c->items[pos].kind == BS_EOP) {
        c->eop_returned = true;
        return;
    }
    c->returned_count++;
    while (c->returned_prefix < c->data_len && c->items[c->data_pos[c->returned_prefix]].returned)
        c->returned_prefix++;
}

int verify_returned(verify *v, const bs_item *it, uint64_t *label)
{
    *label = UINT64_MAX;
    if (observe_start(v))
        return VERIFY_VIOLATION;
    size_t pos;
    if (!verify_identify(v, it, &pos))
        return verify_fail(v, "conservation", "the handler returned %s on channel %u (%u bytes) that was never yielded",
                           it->kind == BS_EOP ? "an eop" : "data", it->channel, it->len);
    *label = v->ch[it->channel].items[pos].label;
    RUN_HOOKS(v, on_return, it->channel, pos);
    note_returned(v, it->channel, pos);
    v->cs_pending = VERIFY_NONE;
    return 0;
}

int verify_end(verify *v)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS0(v, on_end);
    v->ended = true;
    return 0;
}

int verify_cleanup(verify *v, uint64_t live_files)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_cleanup, live_files);
    return 0;
}

bool verify_failed(const verify *v) { return v->failed; }
const char *verify_message(const verify *v) { return v->msg; }
