/*
 * channel_state.c: channel state is reported only for a checkpoint the handler declared
 * unaligned, after its trigger and before it ends (d<K> or an abort). Each report names a
 * yielded data item that was not returned before the trigger (returned since, or returned
 * by the same call: then it is the next item the handler returns, before it reads its gate
 * again or reports the end), and no item is reported twice for one checkpoint (an item
 * reported for a checkpoint that has ended may be reported again for a newer one).
 * A report may name an item an overtaking marker announced and the gate has not yielded
 * yet (a handler persisting overtaken data at the barrier through the gate's peek):
 * verify.c matches it to the channel's pending entries in order, and the yield that
 * fills the entry must bring the reported item; such an item is not owed back before the
 * next gate read. DESIGN.md 2.3 and section 5.
 */
#include "../verify_int.h"

static int on_channel_state(verify *v, uint64_t id, uint32_t channel, size_t pos)
{
    char a[64], b[64];
    const verify_ckpt *ck = verify_ckpt_find(v, id);
    const verify_entry *e = &v->ch[channel].items[pos];
    const char *item = verify_item_str(v, channel, pos, a, sizeof a);
    unsigned long long k = id;
    if (!ck || !ck->unaligned)
        return verify_fail(v, "channel-state", "c%llu: item %s reported as channel state of a checkpoint not declared unaligned", k, item);
    const verify_unal *u = verify_unal_find(v, id);
    if (!u)
        return verify_fail(v, "channel-state", "c%llu: item %s reported as channel state %s", k, item,
                           ck->ended ? "after the checkpoint ended" : "before the trigger");
    if (e->cs_id == id || (e->cs_id && verify_unal_find(v, e->cs_id)))
        return verify_fail(v, "channel-state", "c%llu: item %s was already reported as channel state of %llu", k, item,
                           (unsigned long long)e->cs_id);
    if (e->pending)
        return 0; /* a pre-report: verify.c matched it; its yield is checked against it */
    const verify_unal_channel *uc = &u->ch[channel];
    if (e->returned && uc->last_at_trigger != VERIFY_NONE && pos <= uc->last_at_trigger)
        return verify_fail(v, "channel-state", "c%llu: item %s was returned before t%llu, so it is no channel state", k, item, k);
    if (!e->returned && v->cs_pending != VERIFY_NONE)
        return verify_fail(v, "channel-state", "c%llu: item %s reported while item %s, reported before, is not returned yet",
                           k, item, verify_item_str(v, v->cs_pending_channel, v->cs_pending, b, sizeof b));
    return 0;
}

static int pending_left(verify *v, const char *what)
{
    char a[64];
    if (v->cs_pending == VERIFY_NONE)
        return 0;
    return verify_fail(v, "channel-state", "item %s was reported as channel state but not returned before %s",
                       verify_item_str(v, v->cs_pending_channel, v->cs_pending, a, sizeof a), what);
}

static int on_gate(verify *v) { return pending_left(v, "the handler read its gate again"); }
static int on_end(verify *v) { return pending_left(v, "the end"); }

static int on_return(verify *v, uint32_t channel, size_t pos)
{
    if (v->cs_pending == VERIFY_NONE || (channel == v->cs_pending_channel && pos == v->cs_pending))
        return 0;
    return pending_left(v, "another item was returned");
}

const verify_invariant verify_channel_state_inv = {
    .name = "channel-state",
    .on_channel_state = on_channel_state,
    .on_gate = on_gate,
    .on_return = on_return,
    .on_end = on_end,
};
