/*
 * registry.c: makes the planted-bug handlers known to the command line of test builds
 * (build/barriersim-planted, build/unit-tests), so that `check` can hunt them and `run`
 * can replay their counterexamples. Never linked into build/barriersim.
 */
#include "../../sim/strategies.h"
#include "planted.h"

const sim_strategy *sim_extra_strategies(size_t *count)
{
    static sim_strategy table[PLANT_COUNT - 1 + PLANT_COMPARISON_COUNT];
    size_t n = 0;
    for (plant_bug b = PLANT_NONE + 1; b < PLANT_COUNT; b++)
        table[n++] = (sim_strategy){planted_name(b), planted_strategy(b), VERIFY_EXACTLY_ONCE, true, false};
    /* the comparison bugs, checked as their base strategy is (sim/strategies.c) */
    for (int b = 0; b < PLANT_COMPARISON_COUNT; b++) {
        sim_strategy base;
        if (sim_strategy_find(planted_comparison_base((plant_comparison_bug)b), &base)) {
            const bs_strategy *ops = planted_comparison_strategy((plant_comparison_bug)b);
            table[n++] = (sim_strategy){ops->name, ops, base.guarantee, base.check_progress, base.unaligned};
        }
    }
    *count = n;
    return table;
}
