/*
 * progress.c: handler-level liveness for strategies that decide a checkpoint as soon as
 * they have read what decides it. Once every channel has yielded b<K>, x<K> or its eop,
 * and every data item a marker of K overtook has been yielded too, a begun checkpoint K
 * must have ended before the handler asks its gate for anything more: everything needed
 * to decide K has been read by then, replays included.
 */
#include "../verify_int.h"

static bool applies(const verify_config *cfg) { return cfg->check_progress; }

/* Every data item before K's first marker on every channel has been yielded. */
static bool overtaken_read(const verify *v, uint64_t id)
{
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        if (c->pending_first == VERIFY_NONE)
            continue;
        size_t b = verify_first_marker(c, id, BS_BARRIER), x = verify_first_marker(c, id, BS_CANCEL);
        size_t m = b < x ? b : x;
        if (m != VERIFY_NONE && c->pending_first < m)
            return false;
    }
    return true;
}

static int on_gate(verify *v)
{
    for (size_t i = 0; i < v->open_len; i++) {
        const verify_ckpt *ck = verify_ckpt_find(v, v->open_ids[i]);
        BS_ASSERT(ck != NULL);
        if (verify_resolved(v, ck) && overtaken_read(v, ck->id))
            return verify_fail(v, "progress",
                               "checkpoint %llu is still open when the handler asks its gate for more, although every channel delivered b%llu, x%llu or its eop",
                               (unsigned long long)ck->id, (unsigned long long)ck->id, (unsigned long long)ck->id);
    }
    return 0;
}

const verify_invariant verify_progress = {
    .name = "progress",
    .applies = applies,
    .on_gate = on_gate,
};
