/*
 * liveness.c: with faults quiet, a checkpoint ends within checkpoint_bound_ns (0: no
 * bound). Faults are quiet for a checkpoint that started once the run had settled (a
 * checkpoint begun after the last fault completed: what a fault left behind has drained)
 * and saw no fault since (w->ck_quiet, kept by coord.c). Checked whenever the coordinator
 * wakes: its interval, its timeout, and a completion.
 */
#include "../engine_int.h"

static void on_coord(sim_world *w)
{
    uint64_t bound = w->cfg->checkpoint_bound_ns;
    if (!bound || !w->ck_pending || !w->ck_quiet)
        return;
    BS_ASSERT(w->q.now_ns >= w->ck_start_ns); /* a pending checkpoint started in the past */
    uint64_t took = w->q.now_ns - w->ck_start_ns;
    if (took <= bound)
        return;
    sim_fail(w, SIM_VIOLATION, "coord",
             "liveness: checkpoint %llu has been pending for %llu ns with faults quiet (bound %llu ns)",
             (unsigned long long)w->ck_pending, (unsigned long long)took, (unsigned long long)bound);
}

const sim_check sim_check_liveness = {
    .name = "liveness",
    .on_coord = on_coord,
};
