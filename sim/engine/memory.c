/*
 * memory.c: a run's memory is bounded by its configuration (docs/limits.md).
 *
 * What a simulation keeps grows with the work it does: each task's checker (verify/)
 * keeps the history of every item its channels yielded, about VERIFY_ITEM_BYTES per data
 * item, so a run of 10^12 records would grow without end. Everything else a run holds is
 * sized when it starts (queues, rings, buffer pools, the metrics' fixed tables, the sinks'
 * counts up to SINK_COUNTS_MAX). Two checks keep the total under `max-memory-bytes`:
 *   - before the run, the loader refuses a configuration whose estimate (every record's
 *     history at every stage) passes the bound, naming the keys to change;
 *   - during the run, the engine sums the checkers' heap every SIM_MEMORY_CHECK_EVENTS
 *     events and stops with an error when the sum passes the bound (history the estimate
 *     cannot foresee: barriers of many checkpoints, records replayed after restores).
 * Contract: neither check changes a run that stays under its bound (the trace and its hash
 * are those of a run without the checks).
 */
#include "engine_int.h"

#include "../../verify/verify.h"

uint64_t sim_memory_bound(const sim_config *cfg)
{
    BS_ASSERT(cfg);
    return cfg->max_memory_bytes ? cfg->max_memory_bytes : SIM_MEMORY_DEFAULT_BYTES;
}

/* a * b, saturating at UINT64_MAX */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    if (a && b > UINT64_MAX / a)
        return UINT64_MAX;
    return a * b;
}

uint64_t sim_memory_estimate(const sim_config *cfg)
{
    BS_ASSERT(cfg && cfg->stages >= 1);
    uint64_t records = mul_sat(cfg->sources, cfg->records_per_source);
    /* a record passes one task of every stage (forward, all-to-all, rebalance and hash
     * links route each record to one downstream task); a broadcast link copies it to every
     * task of the next stage: stage s holds sim_link_copies(cfg, s + 1) copies */
    uint64_t passes = 0;
    for (uint32_t s = 0; s < cfg->stages && s < SIM_STAGES_MAX; s++)
        passes += sim_link_copies(cfg, s + 1);
    return mul_sat(mul_sat(records, passes), VERIFY_ITEM_BYTES);
}

uint64_t sim_memory_held(const sim_world *w)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < w->n_tasks; i++)
        if (w->tasks[i].checker)
            n += verify_bytes(w->tasks[i].checker);
    return n;
}

void sim_memory_check(sim_world *w)
{
    uint64_t bound = sim_memory_bound(w->cfg), held = sim_memory_held(w);
    if (held <= bound)
        return;
    w->memory_exceeded = true;
    sim_fail(w, SIM_ERROR, "memory",
             "the run's checkers hold %llu bytes, more than max-memory-bytes (%llu): lower records-per-source or "
             "max-events, or raise max-memory-bytes (at most %llu; docs/limits.md)",
             (unsigned long long)held, (unsigned long long)bound, (unsigned long long)SIM_MEMORY_MAX_BYTES);
}
