/*
 * begin_order.c: checkpoint ids begin in increasing order: a handler begins K only when K
 * is above every id it began before. Flink starts a checkpoint only for a barrier whose id
 * exceeds the latest one and ignores the others ("ignore trailing barrier from an earlier
 * checkpoint", CheckpointBarrierAligner.processBarrier: barrierId > currentCheckpointId;
 * CheckpointBarrierTracker.processBarrier: "add it only if it is newer than the latest
 * checkpoint", barrierId > latestPendingCheckpointID); the core does the same (ids at or
 * below cur are ignored, core/strategy/align.c). An id equal to one begun is
 * checkpoint-once's ("began twice").
 */
#include "../verify_int.h"

static int on_begin(verify *v, uint64_t id)
{
    if (v->begun_max && id < v->begun_max)
        return verify_fail(v, "begin-order", "checkpoint %llu began after checkpoint %llu",
                           (unsigned long long)id, (unsigned long long)v->begun_max);
    return 0;
}

const verify_invariant verify_begin_order = {
    .name = "begin-order",
    .on_begin = on_begin,
};
