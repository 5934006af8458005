/*
 * progress.c: handler-level liveness for strategies that read their gate in the order it
 * is given. Once every channel has yielded b<K>, x<K> or its eop, a begun checkpoint K
 * must have ended before the handler asks its gate for anything more: everything needed
 * to decide K has been read by then, replays included.
 */
#include "../verify_int.h"

static bool applies(const verify_config *cfg) { return cfg->check_progress; }

static int on_gate(verify *v)
{
    for (size_t i = 0; i < v->open_len; i++) {
        const verify_ckpt *ck = verify_ckpt_find(v, v->open_ids[i]);
        BS_ASSERT_VERIFY(ck != NULL);
        if (verify_resolved(v, ck))
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
