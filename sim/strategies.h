/*
 * strategies.h: the strategies the command line knows, with the guarantee verify/ checks
 * for each: the core's table, plus, in a test build (build/barriersim-planted), the
 * test-only planted-bug handlers of tests/planted/, which register through
 * sim_extra_strategies. The core itself never sees a test-only strategy.
 */
#ifndef SIM_STRATEGIES_H
#define SIM_STRATEGIES_H

#include "../core/barriersim.h"
#include "../verify/verify.h"

typedef struct sim_strategy {
    const char *name;
    const bs_strategy *ops;          /* NULL: the core's own, found by name */
    verify_guarantee guarantee;
    bool check_progress;             /* decides a checkpoint as soon as it has read what decides
                                        it: the progress invariant applies */
    bool unaligned;                  /* checkpoints start unaligned: a source's barrier
                                        overtakes the records queued in its outbox */
} sim_strategy;

/* Looks a strategy up by name; false when there is none. */
bool sim_strategy_find(const char *name, sim_strategy *out);
/* The i-th known name (NULL past the last), for suggestions and usage. */
const char *sim_strategy_name(size_t i);

/* Test builds override this (a weak default returns none). */
const sim_strategy *sim_extra_strategies(size_t *count);

#endif
