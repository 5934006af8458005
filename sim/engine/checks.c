/*
 * checks.c: the one table of engine-wide checks. An engine-wide check looks at the whole
 * simulated job (every channel, the coordinator, the sinks, the clock) rather than one
 * task's gate, which verify/invariants/ watch. Adding one = one file under
 * sim/engine/checks/ plus one line here (and the hook it needs, if it is new).
 *
 * Contract: a hook reports a violation with sim_fail (the run stops; the first failure
 * wins) and changes nothing else in the world. The dispatchers run the hooks of one kind
 * in table order and stop at the first failure, so the order here is the order in which
 * violations that hold at once are reported. The hot kinds (on_event, on_step) are
 * gathered into the world when a run starts (sim_checks_open) and dispatched inline
 * (engine_int.h); the others walk the table.
 */
#include "engine_int.h"

extern const sim_check sim_check_consistent_cut;
extern const sim_check sim_check_liveness;
extern const sim_check sim_check_bounds;
extern const sim_check sim_check_deadlock;
extern const sim_check sim_check_final_state;

const sim_check *const sim_checks[] = {
    &sim_check_consistent_cut,
    &sim_check_liveness,
    &sim_check_bounds,
    &sim_check_deadlock,
    &sim_check_final_state,
    NULL,
};

void sim_checks_open(sim_world *w)
{
    w->chk_event_n = w->chk_step_n = 0;
    for (const sim_check *const *c = sim_checks; *c; c++) {
        BS_ASSERT(c - sim_checks < (long)SIM_CHECKS_MAX); /* the world's hook arrays hold them all */
        if ((*c)->on_event)
            w->chk_event[w->chk_event_n++] = (*c)->on_event;
        if ((*c)->on_step)
            w->chk_step[w->chk_step_n++] = (*c)->on_step;
    }
}

bool sim_checks_queue_empty(sim_world *w)
{
    BS_ASSERT(w->sinks_done < w->n_sinks); /* the loop stops once every sink ended */
    for (const sim_check *const *c = sim_checks; *c && !w->stop; c++)
        if ((*c)->on_queue_empty)
            (*c)->on_queue_empty(w);
    return w->stop;
}

bool sim_checks_complete(sim_world *w, uint64_t k)
{
    BS_ASSERT(k != 0 && k == w->ck_pending);
    for (const sim_check *const *c = sim_checks; *c && !w->stop; c++)
        if ((*c)->on_complete)
            (*c)->on_complete(w, k);
    return w->stop;
}

bool sim_checks_coord(sim_world *w)
{
    for (const sim_check *const *c = sim_checks; *c && !w->stop; c++)
        if ((*c)->on_coord)
            (*c)->on_coord(w);
    return w->stop;
}

bool sim_checks_end(sim_world *w)
{
    for (const sim_check *const *c = sim_checks; *c && !w->stop; c++)
        if ((*c)->on_end)
            (*c)->on_end(w);
    return w->stop;
}
