/*
 * progress.c: handler-level liveness for strategies that read their gate in input order.
 * Once every channel has delivered b<K>, x<K> or its eop (by input item R), a begun
 * checkpoint K must have ended before the handler asks its gate for any item after R:
 * everything needed to decide K has been read by then, replays included.
 */
#include "../verify_int.h"

static bool applies(const verify_config *cfg) { return cfg->check_progress; }

static int on_gate(verify *v, size_t index)
{
    for (size_t i = 0; i < v->open_len; i++) {
        verify_ckpt *ck = verify_ckpt_get(v, v->open_ids[i]);
        if (!ck)
            return verify_fail(v, "verify", "out of memory");
        if (ck->resolved_at != VERIFY_NONE && ck->resolved_at < index)
            return verify_fail(v, "progress",
                               "checkpoint %llu is still open when the gate is asked for item %zu, although every channel delivered b%llu, x%llu or its eop by item %zu",
                               (unsigned long long)ck->id, index, (unsigned long long)ck->id,
                               (unsigned long long)ck->id, ck->resolved_at);
    }
    return 0;
}

const verify_invariant verify_progress = {
    .name = "progress",
    .applies = applies,
    .on_gate = on_gate,
};
