/*
 * strategies.h: the strategies the command line knows: the core's table
 * (core/strategies.c), then, in a test build (build/barriersim-planted, build/unit-tests),
 * the test-only handlers of tests/planted/ (sim_extra_strategies), then those registered
 * at run time from shared objects (--strategy-lib, sim/plugin.c). What the rest of sim/
 * needs to know about one (its guarantee, whether barriers overtake, its options, state
 * capture) is read from its descriptor (core/bs_strategy.h); this file keeps no name table.
 */
#ifndef SIM_STRATEGIES_H
#define SIM_STRATEGIES_H

#include "../core/bs_strategy.h"
#include "../verify/verify.h"

#include <stdio.h>

/* Strategies registered at run time, at most. */
#define SIM_STRATEGIES_REGISTERED_MAX 16u

typedef struct sim_strategy {
    const char *name;
    const bs_strategy *ops;          /* its descriptor (never NULL) */
    verify_guarantee guarantee;      /* ops->guarantee */
    bool check_progress;             /* decides a checkpoint as soon as it has read what decides
                                        it: the progress invariant applies */
    bool overtakes;                  /* ops->overtakes: checkpoints start unaligned and a source's
                                        barrier overtakes the records queued in its outbox */
    bool builtin;                    /* one of the core's table (compare's default list, fuzz's
                                        "any") */
} sim_strategy;

/* Looks a strategy up by name; false when there is none. */
bool sim_strategy_find(const char *name, sim_strategy *out);
/* The i-th known name (NULL past the last), for suggestions and usage. */
const char *sim_strategy_name(size_t i);
/* The registry's own (static) copy of strategy `name`, or NULL when none is registered by
 * that name: a configuration may keep the pointer for as long as the process lives. */
const char *sim_strategy_static(const char *name);
/* Writes "spill, tracker, ..." (every known name) into buf; returns buf. */
const char *sim_strategy_list(char *buf, size_t len);

/* Registers a descriptor from outside the core (it must outlive every use). 0, or -1 with
 * why[] saying what is wrong: an unsound descriptor (bs_strategy_problem), a name already
 * known, or too many. */
int sim_strategy_register(const bs_strategy *s, char *why, size_t why_len);

/* ---- options: every loader's strategy keys, from the descriptors' options tables ---- */
/* The row that defines `slot` (the first known strategy declaring it), or NULL. */
const bs_option *sim_option_of_slot(bs_option_slot slot);
/* The row with this name or sim_name (any known strategy), or NULL. */
const bs_option *sim_option_find(const char *name);
/* Writes the strategies declaring `slot` ("spill" or "spill, block") into buf; returns buf. */
const char *sim_option_owners(bs_option_slot slot, char *buf, size_t len);
/* A value read from a file that writes 0 for "off" (simulation scenarios, replay configs,
 * compare sweeps): 0 or within the row's range. */
static inline bool sim_option_value_ok(const bs_option *o, uint64_t v)
{
    return v == 0 || (v >= o->min && v <= o->max);
}

/* Prints one usage line per option slot ("  --NAME N   help [unit; strategies]"). */
void sim_options_usage(FILE *f);

/* Test builds override this (a weak default returns none): test-only descriptors. */
const bs_strategy *const *sim_extra_strategies(size_t *count);

#endif
