/*
 * exactly_once.c: at t<K> of an aligned exactly-once strategy, the data items returned so
 * far are exactly those that precede b<K> on every channel (all data of a channel whose
 * eop the handler consumed, i.e. the gate yielded, without a b<K>). DESIGN.md section 5.
 */
#include "../verify_int.h"

#include <stdio.h>

static bool applies(const verify_config *cfg) { return cfg->guarantee == VERIFY_EXACTLY_ONCE; }

/* How many data items of channel c must have been returned at t<id>; VERIFY_NONE when
 * the channel delivered neither b<id> nor an eop that was returned. */
static size_t expected_count(const verify_channel *c, uint64_t id, size_t *barrier)
{
    *barrier = verify_first_marker(c, id, BS_BARRIER);
    if (*barrier != VERIFY_NONE && *barrier < c->eop)
        return verify_data_before(c, *barrier);
    return c->eop_returned || c->eop_yielded ? c->data_len : VERIFY_NONE;
}

/* The first input item that makes the returned set differ from the expected prefix. */
static size_t first_difference(const verify *v, const verify_channel *c, size_t expected)
{
    for (size_t i = 0; i < c->data_len; i++)
        if (v->returned[c->data[i]] != (i < expected))
            return c->data[i];
    return VERIFY_NONE;
}

static int on_trigger(verify *v, uint64_t id)
{
    char a[64];
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        size_t barrier;
        size_t want = expected_count(c, id, &barrier);
        if (want == VERIFY_NONE)
            return verify_fail(v, "exactly-once", "t%llu: channel %u has delivered neither b%llu nor its eop",
                               (unsigned long long)id, k, (unsigned long long)id);
        if (c->returned_count == want && c->returned_prefix == want)
            continue;
        size_t diff = first_difference(v, c, want);
        BS_ASSERT_VERIFY(diff != VERIFY_NONE);
        return verify_fail(v, "exactly-once", "t%llu: item %s %s (%zu of channel %u's data items returned, %zu precede %s)",
                           (unsigned long long)id, verify_item_str(v, diff, a, sizeof a),
                           v->returned[diff] ? "was returned before the trigger although it follows the barrier"
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
