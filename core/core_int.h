/*
 * core_int.h: internals of core/ shared by its files; nothing outside core/ includes it.
 */
#ifndef BS_CORE_INT_H
#define BS_CORE_INT_H

#include "bs_assert.h"
#include "bs_strategy.h"

#include <stdio.h>
#include <stdlib.h>

struct bs_handler {
    const bs_strategy *ops;
    bs_handler_config cfg;
    bs_gate gate;
    bs_io io;
    bs_listener listener;
    void *state;
    int error;          /* the sticky error once the handler has stopped, else 0 */
    char errmsg[256];
};

/* The strategy table (core/strategies.c). */
extern const bs_strategy *const bs_strategies[];

/* Channel sets a strategy's relabel hook renames on the stack: up to 64 words (4096
 * channels; the model checker explores at most 16). */
#define BS_CHANSET_RELABEL_WORDS 64u

#endif
