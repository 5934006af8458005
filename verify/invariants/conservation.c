/*
 * conservation.c: each data item and eop is returned exactly once by the end: nothing
 * duplicated (checked at every return), nothing lost (checked when the end is reported).
 */
#include "../verify_int.h"

static int on_return(verify *v, size_t index)
{
    char a[64];
    if (v->returned[index])
        return verify_fail(v, "conservation", "item %s returned twice", verify_item_str(v, index, a, sizeof a));
    return 0;
}

static int on_end(verify *v)
{
    char a[64];
    for (size_t i = 0; i < v->cfg.items_len; i++) {
        bs_kind kind = v->items[i].kind;
        if ((kind == BS_DATA || kind == BS_EOP) && !v->returned[i])
            return verify_fail(v, "conservation", "end reported but item %s was never returned",
                               verify_item_str(v, i, a, sizeof a));
    }
    return 0;
}

const verify_invariant verify_conservation = {
    .name = "conservation",
    .on_return = on_return,
    .on_end = on_end,
};
