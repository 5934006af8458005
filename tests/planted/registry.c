/*
 * registry.c: makes the planted-bug handlers known to the command line of test builds
 * (build/barriersim-planted, build/unit-tests), so that `check` can hunt them and `run`
 * can replay their counterexamples. Never linked into build/barriersim.
 */
#include "../../sim/strategies.h"
#include "planted.h"

const sim_strategy *sim_extra_strategies(size_t *count)
{
    static sim_strategy table[PLANT_COUNT - 1];
    for (plant_bug b = PLANT_NONE + 1; b < PLANT_COUNT; b++)
        table[b - 1] = (sim_strategy){planted_name(b), planted_strategy(b), VERIFY_EXACTLY_ONCE, true, false};
    *count = PLANT_COUNT - 1;
    return table;
}
