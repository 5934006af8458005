/*
 * exactly_once.c: the exactly-once invariant of DESIGN.md section 5.
 *
 * An aligned checkpoint is checked at t<K>: the data items returned so far are exactly
 * those that precede b<K> on every channel (all data of a channel whose eop the handler
 * consumed, i.e. the gate yielded, without a b<K>).
 * A checkpoint the handler declared unaligned is checked twice. At t<K>: nothing returned
 * so far follows b<K> on a channel that has delivered it. At d<K>: on every channel, the
 * data returned before t<K> together with the channel state reported for K are exactly the
 * data items preceding b<K> (all data of a channel whose eop came without b<K>), none
 * twice. A barrier that overtook data is placed after the data it overtook (verify.c), so
 * "precede" is the channel's own order.
 */
#include "../verify_int.h"

static bool applies(const verify_config *cfg) { return cfg->guarantee == VERIFY_EXACTLY_ONCE; }

/* The first data item whose returned flag differs from "it precedes the barrier". */
static size_t first_difference(const verify_channel *c, size_t want)
{
    for (size_t r = 0; r < c->data_len; r++)
        if (c->items[c->data_pos[r]].returned != (r < want))
            return c->data_pos[r];
    return VERIFY_NONE;
}

static int aligned_trigger(verify *v, uint64_t id)
{
    char a[64];
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        size_t barrier;
        size_t want = verify_expected_at_trigger(v, "exactly-once", id, k, &barrier);
        if (want == VERIFY_NONE)
            return VERIFY_VIOLATION;
        if (c->returned_count == want && c->returned_prefix == want)
            continue;
        size_t diff = first_difference(c, want);
        BS_ASSERT(diff != VERIFY_NONE);
        return verify_fail(v, "exactly-once", "t%llu: item %s %s (%zu of channel %u's data items returned, %zu precede %s)",
                           (unsigned long long)id, verify_item_str(v, k, diff, a, sizeof a),
                           c->items[diff].returned ? "was returned before the trigger although it follows the barrier"
                                                   : "precedes the barrier but was not returned before the trigger",
                           c->returned_count, k, want, barrier != VERIFY_NONE ? "the barrier" : "the eop");
    }
    return 0;
}

/* At the trigger of an unaligned checkpoint: nothing returned follows a delivered b<id>. */
static int unaligned_trigger(verify *v, uint64_t id)
{
    char a[64];
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        size_t barrier = verify_first_marker(c, id, BS_BARRIER);
        if (barrier == VERIFY_NONE)
            continue;
        for (size_t r = c->items[barrier].data_before; r < c->data_len; r++)
            if (c->items[c->data_pos[r]].returned)
                return verify_fail(v, "exactly-once", "t%llu (unaligned): item %s was returned before the trigger although it follows the barrier",
                                   (unsigned long long)id, verify_item_str(v, k, c->data_pos[r], a, sizeof a));
    }
    return 0;
}

static int on_trigger(verify *v, uint64_t id)
{
    const verify_ckpt *ck = verify_ckpt_find(v, id);
    return ck && ck->unaligned ? unaligned_trigger(v, id) : aligned_trigger(v, id);
}

/* Data rank r of channel k at d<id>: returned before the trigger, or channel state. */
static bool in_checkpoint(const verify_channel *c, const verify_unal_channel *uc, uint64_t id, size_t r)
{
    const verify_entry *e = &c->items[c->data_pos[r]];
    bool before = e->returned && uc->last_at_trigger != VERIFY_NONE && c->data_pos[r] <= uc->last_at_trigger;
    return before || e->cs_id == id;
}

static int done_channel(verify *v, uint64_t id, uint32_t k, const verify_unal_channel *uc)
{
    char a[64];
    const verify_channel *c = &v->ch[k];
    size_t barrier;
    size_t want = verify_expected_before(c, id, &barrier);
    if (want == VERIFY_NONE)
        return verify_fail(v, "exactly-once", "d%llu: channel %u has delivered neither b%llu nor its eop",
                           (unsigned long long)id, k, (unsigned long long)id);
    if (uc->prefix_at_trigger == uc->count_at_trigger && uc->count_at_trigger <= want &&
        uc->cs_count == want - uc->count_at_trigger && (uc->cs_count == 0 || uc->cs_rank_max < want))
        return 0;
    for (size_t r = 0; r < c->data_len; r++) {
        if (in_checkpoint(c, uc, id, r) == (r < want))
            continue;
        const verify_entry *e = &c->items[c->data_pos[r]];
        return verify_fail(v, "exactly-once", "d%llu: item %s %s (%zu returned before t%llu, %zu channel state, %zu precede %s)",
                           (unsigned long long)id, verify_item_str(v, k, c->data_pos[r], a, sizeof a),
                           r >= want ? (e->cs_id == id ? "is channel state although it follows the barrier"
                                                       : "was returned before the trigger although it follows the barrier")
                                     : "precedes the barrier but is neither returned before the trigger nor channel state",
                           uc->count_at_trigger, (unsigned long long)id, uc->cs_count, want,
                           barrier != VERIFY_NONE ? "the barrier" : "the eop");
    }
    return verify_fail(v, "exactly-once", "d%llu: channel %u: the data returned before the trigger has a gap",
                       (unsigned long long)id, k);
}

static int on_done(verify *v, uint64_t id)
{
    const verify_unal *u = verify_unal_find(v, id);
    if (!u) /* not an unaligned checkpoint in progress: checkpoint-once reports it */
        return 0;
    for (uint32_t k = 0; k < v->cfg.channels; k++)
        if (done_channel(v, id, k, &u->ch[k]))
            return VERIFY_VIOLATION;
    return 0;
}

const verify_invariant verify_exactly_once = {
    .name = "exactly-once",
    .applies = applies,
    .on_trigger = on_trigger,
    .on_done = on_done,
};
