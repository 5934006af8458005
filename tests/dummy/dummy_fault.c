/*
 * dummy_fault.c: a test-only fault kind, `dummy`, added the way a newcomer adds one: one
 * function and one row (registry.c). It targets a task and changes nothing when it fires
 * beyond what the engine does for every fault (a trace line, the count, the coordinator's
 * quiet period), so runs stay clean while tests/cli/dummy.sh sees it reach scenario
 * loading (faults: and random-faults:), fuzz --faults, soak, replay and the trace. Linked
 * into build/barriersim-dummy only.
 */
#include "dummy.h"

static void dummy_fire(struct sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)w, (void)idx, (void)f, (void)k;
}

const sim_fault_desc dummy_fault = {
    "dummy", SIM_FAULT_ON_TASK, 0, 7, 0, 8, 0, "fires and does nothing (a test-only kind)", dummy_fire,
};
