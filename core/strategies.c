/*
 * strategies.c: the one table of strategies. Adding a strategy = one file under
 * core/strategy/ plus one line here.
 */
#include "core_int.h"

#include <string.h>

extern const bs_strategy bs_strategy_spill;
extern const bs_strategy bs_strategy_tracker;
extern const bs_strategy bs_strategy_block;
extern const bs_strategy bs_strategy_unaligned;
extern const bs_strategy bs_strategy_aligned_timeout;

const bs_strategy *const bs_strategies[] = {
    &bs_strategy_spill,
    &bs_strategy_tracker,
    &bs_strategy_block,
    &bs_strategy_unaligned,
    &bs_strategy_aligned_timeout,
    NULL,
};

const bs_strategy *bs_strategy_find(const char *name)
{
    for (size_t i = 0; name && bs_strategies[i]; i++)
        if (strcmp(bs_strategies[i]->name, name) == 0)
            return bs_strategies[i];
    return NULL;
}

const char *bs_strategy_name(size_t i)
{
    for (size_t k = 0; bs_strategies[k]; k++)
        if (k == i)
            return bs_strategies[k]->name;
    return NULL;
}
