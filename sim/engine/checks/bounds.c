/*
 * bounds.c: a task's live spill bytes and live spill files stay within spill_bytes_max and
 * open_files_max (0: no bound), checked after every step of the task. A file the fault
 * layer could not track (its table overflowed) counts as over the file bound.
 */
#include "../engine_int.h"

static void on_step(sim_world *w, const topo_node *n)
{
    const sim_disk *d = &n->task->disk;
    uint64_t files = n->task->faults.live_files;
    const sim_config *c = w->cfg;
    if (c->spill_bytes_max && d->live_bytes > c->spill_bytes_max)
        sim_fail(w, SIM_VIOLATION, n->name, "bounds: %llu live spill bytes, more than %llu",
                 (unsigned long long)d->live_bytes, (unsigned long long)c->spill_bytes_max);
    else if (c->open_files_max && (files > c->open_files_max || d->overflow))
        sim_fail(w, SIM_VIOLATION, n->name, "bounds: %llu live spill files, more than %u",
                 (unsigned long long)files, c->open_files_max);
}

const sim_check sim_check_bounds = {
    .name = "bounds",
    .on_step = on_step,
};
