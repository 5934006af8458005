/*
 * core_int.h: internals of core/ shared by its files; nothing outside core/ includes it.
 */
#ifndef BS_CORE_INT_H
#define BS_CORE_INT_H

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

/* A programmer error: print where and abort. Stays on in every build. */
#define BS_ASSERT(cond)                                                                   \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "barriersim: BUG: %s:%d: %s: assertion failed: %s\n",         \
                    __FILE__, __LINE__, __func__, #cond);                                 \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

#endif
