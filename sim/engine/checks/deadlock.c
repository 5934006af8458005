/*
 * deadlock.c: the job either ends or makes progress. A deadlock is no event left although
 * a sink has not ended, or events remaining while no record was emitted or returned for
 * stall_bound_ns (0: no bound; w->last_progress_ns is kept by source.c, task_run.c and restart.c).
 * The stall check runs after every event: keep it a few loads and compares.
 */
#include "../engine_int.h"

static void on_queue_empty(sim_world *w)
{
    sim_fail(w, SIM_VIOLATION, "engine", "deadlock: no event is left, but %u of %u sinks have not ended",
             w->n_sinks - w->sinks_done, w->n_sinks);
}

static void on_event(sim_world *w)
{
    uint64_t stall = w->cfg->stall_bound_ns;
    if (stall && w->q.now_ns - w->last_progress_ns > stall)
        sim_fail(w, SIM_VIOLATION, "engine",
                 "deadlock: events remain, but no record was emitted or returned for %llu ns (bound %llu ns)",
                 (unsigned long long)(w->q.now_ns - w->last_progress_ns), (unsigned long long)stall);
}

const sim_check sim_check_deadlock = {
    .name = "deadlock",
    .on_queue_empty = on_queue_empty,
    .on_event = on_event,
};
