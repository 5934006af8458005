/*
 * exactly_once.c: at t<K> of an aligned exactly-once strategy, the data items returned so
 * far are exactly those that precede b<K> on every channel (all data of a channel whose
 * eop the handler consumed, i.e. the gate yielded, without a b<K>). DESIGN.md section 5.
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

static int on_trigger(verify *v, uint64_t id)
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
        BS_ASSERT_VERIFY(diff != VERIFY_NONE);
        return verify_fail(v, "exactly-once", "t%llu: item %s %s (%zu of channel %u's data items returned, %zu precede %s)",
                           (unsigned long long)id, verify_item_str(v, k, diff, a, sizeof a),
                           c->items[diff].returned ? "was returned before the trigger although it follows the barrier"
                                                   : "precedes the barrier but was not returned before the trigger",
                           c->returned_count, k, want, barrier != VERIFY_NONE ? "the barrier" : "the eop");
    }
    return 0;
}

const verify_invariant verify_exactly_once = {
    .name = "exactly-once",
    .applies = applies,
    .on_trigger = on_trigger,
};
