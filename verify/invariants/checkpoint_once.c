/*
 * checkpoint_once.c: each checkpoint a handler begins ends exactly once (a trigger or an
 * abort; for a checkpoint declared unaligned a done or an abort, never its trigger),
 * nothing ends that never began, and nothing is left open when the handler reports the end
 * of its input. A checkpoint is declared unaligned once, after it began and before its
 * trigger; d<K> for a checkpoint not declared unaligned, or before its trigger, is a
 * violation.
 */
#include "../verify_int.h"

static int on_begin(verify *v, uint64_t id)
{
    verify_ckpt *ck = verify_ckpt_get(v, id);
    if (ck && ck->begun)
        return verify_fail(v, "checkpoint-once", "checkpoint %llu began twice", (unsigned long long)id);
    return 0;
}

static int check_end(verify *v, uint64_t id, const char *token)
{
    verify_ckpt *ck = verify_ckpt_get(v, id);
    if (!ck)
        return verify_fail(v, "verify", "out of memory");
    if (!ck->begun)
        return verify_fail(v, "checkpoint-once", "%s%llu ends checkpoint %llu, which never began", token,
                           (unsigned long long)id, (unsigned long long)id);
    if (ck->ended)
        return verify_fail(v, "checkpoint-once", "%s%llu ends checkpoint %llu a second time", token,
                           (unsigned long long)id, (unsigned long long)id);
    return 0;
}

static int on_trigger(verify *v, uint64_t id)
{
    verify_ckpt *ck = verify_ckpt_get(v, id);
    if (ck && ck->unaligned && ck->triggered)
        return verify_fail(v, "checkpoint-once", "t%llu triggered twice", (unsigned long long)id);
    return check_end(v, id, "t");
}

static int on_abort(verify *v, uint64_t id, bs_abort_reason why)
{
    (void)why;
    return check_end(v, id, "a");
}

static int on_done(verify *v, uint64_t id)
{
    const verify_ckpt *ck = verify_ckpt_find(v, id);
    unsigned long long k = id;
    if (ck && ck->begun && !ck->ended && !ck->unaligned)
        return verify_fail(v, "checkpoint-once", "d%llu ends checkpoint %llu, which was not declared unaligned", k, k);
    if (ck && ck->begun && !ck->ended && !ck->triggered)
        return verify_fail(v, "checkpoint-once", "d%llu before t%llu", k, k);
    return check_end(v, id, "d");
}

static int on_unaligned(verify *v, uint64_t id)
{
    const verify_ckpt *ck = verify_ckpt_find(v, id);
    unsigned long long k = id;
    if (!ck || !ck->begun)
        return verify_fail(v, "checkpoint-once", "checkpoint %llu declared unaligned but never began", k);
    if (ck->unaligned)
        return verify_fail(v, "checkpoint-once", "checkpoint %llu declared unaligned twice", k);
    if (ck->triggered || ck->ended)
        return verify_fail(v, "checkpoint-once", "checkpoint %llu declared unaligned after it %s", k,
                           ck->triggered ? "triggered" : "ended");
    return 0;
}

static int on_end(verify *v)
{
    if (v->open_len)
        return verify_fail(v, "checkpoint-once", "end reported while checkpoint %llu is still open",
                           (unsigned long long)v->open_ids[0]);
    return 0;
}

const verify_invariant verify_checkpoint_once = {
    .name = "checkpoint-once",
    .on_begin = on_begin,
    .on_trigger = on_trigger,
    .on_abort = on_abort,
    .on_done = on_done,
    .on_unaligned = on_unaligned,
    .on_end = on_end,
};
