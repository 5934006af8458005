/*
 * registry.c: the rows of build/barriersim-dummy: its test-only strategy (sim/strategies.h,
 * sim_extra_strategies) and fault kind (sim/engine/sim.h, sim_extra_fault_kinds). One row
 * each; nothing else in the tree names them.
 */
#include "../../sim/strategies.h"
#include "dummy.h"

const bs_strategy *const *sim_extra_strategies(size_t *count)
{
    static const bs_strategy *const table[] = {&dummy_strategy};
    *count = sizeof table / sizeof table[0];
    return table;
}

const sim_fault_desc *const *sim_extra_fault_kinds(size_t *count)
{
    static const sim_fault_desc *const table[] = {&dummy_fault};
    *count = sizeof table / sizeof table[0];
    return table;
}
