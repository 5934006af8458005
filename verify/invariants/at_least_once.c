/*
 * at_least_once.c: at t<K> of an at-least-once strategy, every data item that precedes
 * b<K> on every channel (all data of a finished channel) has been returned. Items after
 * the barrier may have been returned too. DESIGN.md section 5.
 */
#include "../verify_int.h"

static bool applies(const verify_config *cfg) { return cfg->guarantee == VERIFY_AT_LEAST_ONCE; }

static int on_trigger(verify *v, uint64_t id)
{
    char a[64];
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        size_t barrier;
        size_t want = verify_expected_at_trigger(v, "at-least-once", id, k, &barrier);
        if (want == VERIFY_NONE)
            return VERIFY_VIOLATION;
        if (c->returned_prefix < want)
            return verify_fail(v, "at-least-once", "t%llu: item %s precedes %s but was not returned before the trigger",
                               (unsigned long long)id,
                               verify_item_str(v, k, c->data_pos[c->returned_prefix], a, sizeof a),
                               barrier != VERIFY_NONE ? "the barrier" : "the eop");
    }
    return 0;
}

const verify_invariant verify_at_least_once = {
    .name = "at-least-once",
    .applies = applies,
    .on_trigger = on_trigger,
};
