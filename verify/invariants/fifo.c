/*
 * fifo.c: items of one channel are returned in the order the channel delivered them.
 */
#include "../verify_int.h"

static int on_return(verify *v, uint32_t channel, size_t pos)
{
    const verify_channel *c = &v->ch[channel];
    char a[64], b[64];
    if (c->last_returned != VERIFY_NONE && pos < c->last_returned)
        return verify_fail(v, "fifo", "item %s returned after item %s of the same channel",
                           verify_item_str(v, channel, pos, a, sizeof a),
                           verify_item_str(v, channel, c->last_returned, b, sizeof b));
    return 0;
}

const verify_invariant verify_fifo = {
    .name = "fifo",
    .on_return = on_return,
};
