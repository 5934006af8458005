/*
 * conservation.c: each data item and eop is returned exactly once by the end: nothing
 * duplicated (checked at every return), nothing lost (checked when the end is reported).
 */
#include "../verify_int.h"

static int on_return(verify *v, uint32_t channel, size_t pos)
{
    char a[64];
    if (v->ch[channel].items[pos].returned)
        return verify_fail(v, "conservation", "item %s returned twice", verify_item_str(v, channel, pos, a, sizeof a));
    return 0;
}

static int on_end(verify *v)
{
    char a[64];
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        for (size_t p = 0; p < c->len; p++) {
            bs_kind kind = c->items[p].kind;
            if ((kind == BS_DATA || kind == BS_EOP) && !c->items[p].returned)
                return verify_fail(v, "conservation", "end reported but item %s was never returned",
                                   verify_item_str(v, k, p, a, sizeof a));
        }
    }
    return 0;
}

const verify_invariant verify_conservation = {
    .name = "conservation",
    .on_return = on_return,
    .on_end = on_end,
};
