/*
 * strategies.c: the command line's strategy table (see strategies.h).
 */
#include "strategies.h"

#include <string.h>

__attribute__((weak)) const sim_strategy *sim_extra_strategies(size_t *count)
{
    *count = 0;
    return NULL;
}

bool sim_strategy_find(const char *name, sim_strategy *out)
{
    if (!name)
        return false;
    verify_guarantee g;
    if (bs_strategy_find(name) && verify_guarantee_of(name, &g)) {
        /* Every core strategy ends a checkpoint in the call that reads the last item that
         * decides it: spill and tracker read in order; block leaves blocked channels
         * unread, but nothing it has read waits; unaligned's priority reads announce the
         * data a barrier overtook, and the progress invariant waits for that data too
         * (verify/invariants/progress.c); aligned-timeout is block, then unaligned
         * without priority reads. */
        *out = (sim_strategy){name, NULL, g, true, strcmp(name, "unaligned") == 0};
        return true;
    }
    size_t n;
    const sim_strategy *extra = sim_extra_strategies(&n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(extra[i].name, name) == 0) {
            *out = extra[i];
            return true;
        }
    }
    return false;
}

const char *sim_strategy_name(size_t i)
{
    size_t core = 0;
    while (bs_strategy_name(core))
        core++;
    if (i < core)
        return bs_strategy_name(i);
    size_t n;
    const sim_strategy *extra = sim_extra_strategies(&n);
    return i - core < n ? extra[i - core].name : NULL;
}
