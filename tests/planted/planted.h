/*
 * planted.h: deliberately broken handlers, for proving that the checkers catch real bugs.
 * They live in test code only, never in the core. Each is a small in-memory aligned
 * exactly-once handler (the `spill` decision table with spill files kept in memory) with
 * one bug switched on; PLANT_NONE is the same handler without a bug, the control.
 */
#ifndef TESTS_PLANTED_H
#define TESTS_PLANTED_H

#include "../../core/bs_strategy.h"

typedef enum plant_bug {
    PLANT_NONE,              /* the control: no bug */
    PLANT_NO_BLOCK,          /* a barrier does not block its channel */
    PLANT_REPLAY_ORDER,      /* a new roll-over is queued behind the interrupted replay */
    PLANT_IGNORE_CLOSED,     /* eop neither counts as a closed channel nor ends alignment */
    PLANT_LOSE_ON_ROLLOVER,  /* the last record written before a roll-over is lost */
    PLANT_COUNT
} plant_bug;

/* The strategy with the given bug; its name is "planted-<bug>". */
const bs_strategy *planted_strategy(plant_bug bug);
const char *planted_name(plant_bug bug);
/* A strategy that trips an assertion inside the core (assert_core.c). */
extern const bs_strategy planted_core_assert;

/* Broken comparison handlers (planted_unaligned.c): the core's unaligned and block
 * strategies with one bug each, for test builds only. */
typedef enum plant_comparison_bug {
    PLANT_UNALIGNED_FORGET_OVERTAKEN, /* overtaken data is not channel state; d<K> too early */
    PLANT_BLOCK_EARLY_RELEASE,        /* the lowest blocked channel is read during alignment */
    PLANT_UNALIGNED_REPORT_TWICE,     /* peek: pre-reported data is reported again when read */
    PLANT_UNALIGNED_DROP_PRE_REPORT,  /* peek: the first item a barrier overtook is neither
                                         persisted nor reported */
    PLANT_UNALIGNED_FORGET_CHANNEL,   /* the in-flight data of channel 0 is never reported as
                                         channel state (forgotten, as if not persisted) */
    PLANT_TIMEOUT_KEEPS_BLOCKING,     /* aligned-timeout: after the switch to unaligned the
                                         channels blocked by the alignment stay unread */
    PLANT_COMPARISON_COUNT
} plant_comparison_bug;
const bs_strategy *planted_comparison_strategy(plant_comparison_bug bug);
/* The real strategy a comparison bug is planted in ("unaligned", "block", ...). */
const char *planted_comparison_base(plant_comparison_bug bug);

#endif
