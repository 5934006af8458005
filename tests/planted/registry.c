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
    static const bs_strategy *table[PLANT_COUNT - 1 + PLANT_COMPARISON_COUNT + 1];
    size_t n = 0;
    for (plant_bug b = PLANT_NONE + 1; b < PLANT_COUNT; b++)
        table[n++] = planted_strategy(b);
    /* the bugs planted in the core's strategies (shims), as their base strategy claims */
    for (int b = 0; b < PLANT_COMPARISON_COUNT; b++)
        table[n++] = planted_comparison_strategy((plant_comparison_bug)b);
    table[n++] = &planted_core_assert;
    *count = n;
    return table;
}
