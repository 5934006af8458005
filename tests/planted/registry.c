/*
 * registry.c: makes the planted-bug handlers known to the command line of test builds
 * (build/barriersim-planted, build/unit-tests), so that `check` can hunt them and `run`
 * can replay their counterexamples. Never linked into build/barriersim. Each handler's
 * descriptor carries its guarantee and options (core/bs_strategy.h).
 */
#include "../../sim/strategies.h"
#include "planted.h"

const bs_strategy *const *sim_extra_strategies(size_t *count)
{
    static const bs_strategy *table[PLANT_COUNT - 1];
    for (plant_bug b = PLANT_NONE + 1; b < PLANT_COUNT; b++)
        table[b - 1] = planted_strategy(b);
    *count = PLANT_COUNT - 1;
    return table;
}
