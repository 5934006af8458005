/*
 * observe.c: the observation entry points. Each counts a step, identifies what the
 * observation concerns, runs the active invariants' hooks, then updates the bookkeeping.
 */
#include "verify_int.h"

#include <stdlib.h>
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
                if (v->active_len == sizeof v->active / sizeof v->active[0])
                    break;
                v->active[v->active_len++] = inv;
            }
        }
    }
    v->step++;
    return 0;
}

int verify_gate(verify *v, size_t index)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_gate, index);
    if (index < v->cfg.items_len && v->items[index].kind == BS_EOP)
        v->ch[v->items[index].channel].eop_yielded = true;
    return 0;
}

/* The input index by which every channel delivered b<id>, x<id> or its eop. */
static size_t resolved_at(const verify *v, uint64_t id)
{
    size_t at = 0;
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        size_t b = verify_first_marker(c, id, BS_BARRIER);
        size_t x = verify_first_marker(c, id, BS_CANCEL);
        size_t first = b < x ? b : x;
        first = c->eop < first ? c->eop : first;
        if (first == VERIFY_NONE)
            return VERIFY_NONE;
        at = first > at ? first : at;
    }
    return at;
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
    ck->resolved_at = v->cfg.check_progress ? resolved_at(v, id) : VERIFY_NONE;
    return open_add(v, id);
}

static int mark_ended(verify *v, uint64_t id)
{
    verify_ckpt *ck = verify_ckpt_get(v, id);
    if (!ck)
        return verify_fail(v, "verify", "out of memory");
    ck->ended = true;
    open_remove(v, id);
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
    return v->cfg.guarantee == VERIFY_EXACTLY_ONCE_UNALIGNED ? 0 : mark_ended(v, id);
}

int verify_abort(verify *v, uint64_t id, bs_abort_reason why)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_abort, id, why);
    return mark_ended(v, id);
}

int verify_channel_state(verify *v, uint64_t id, const bs_item *data)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    (void)data;
    return verify_fail(v, "channel-state", "an aligned strategy reported channel state of %llu",
                       (unsigned long long)id);
}

int verify_done(verify *v, uint64_t id)
{
    if (observe_start(v))
        return VERIFY_VIOLATION;
    RUN_HOOKS(v, on_done, id);
    return mark_ended(v, id);
}

/* Finds the input item a returned item is; VERIFY_NONE when it is none. */
static size_t identify(const verify *v, const bs_item *it)
{
    if (it->channel >= v->cfg.channels)
        return VERIFY_NONE;
    if (it->kind == BS_EOP)
        return v->ch[it->channel].eop;
    uint64_t index;
    if (it->kind != BS_DATA || !verify_payload_parse(it->data, it->len, &index))
        return VERIFY_NONE;
    if (index >= v->cfg.items_len)
        return VERIFY_NONE;
    const verify_item *in = &v->items[index];
    if (in->kind != BS_DATA || in->channel != it->channel || in->len != it->len)
        return VERIFY_NONE;
    return (size_t)index;
}

static void note_returned(verify *v, size_t index)
{
    verify_channel *c = &v->ch[v->items[index].channel];
    v->returned[index] = true;
    c->last_returned = index;
    if (v->items[index].kind == BS_EOP) {
        c->eop_returned = true;
        return;
    }
    c->returned_count++;
    while (c->returned_prefix < c->data_len && v->returned[c->data[c->returned_prefix]])
        c->returned_prefix++;
}

int verify_returned(verify *v, const bs_item *it, size_t *index)
{
    *index = VERIFY_NONE;
    if (observe_start(v))
        return VERIFY_VIOLATION;
    size_t i = identify(v, it);
    if (i == VERIFY_NONE)
        return verify_fail(v, "conservation", "the handler returned %s on channel %u (%u bytes) that is no input item",
                           it->kind == BS_EOP ? "an eop" : "data", it->channel, it->len);
    *index = i;
    RUN_HOOKS(v, on_return, i);
    note_returned(v, i);
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
