/*
 * list_gate.h: a test input gate over a list of items in arrival order, for tests that
 * drive core/ handlers directly (barriersim.h's bs_gate contract): next() yields the first
 * item not yet taken of an unblocked channel (FIFO per channel); next_priority() (when
 * offered) the earliest marker with no older marker or eop queued on its channel, with the
 * count of data it overtakes; peek() the i-th queued data item of a channel. Items are
 * written "0:d 0:b1 1:x2 1:eop" (channel:kind; data carries 8 bytes). A listener records
 * triggers, aborts and "done" as "t1 a2:cancelled d1".
 */
#ifndef TESTS_LIST_GATE_H
#define TESTS_LIST_GATE_H

#include "../core/barriersim.h"

#define LG_MAX 64
typedef struct list_gate {
    bs_item items[LG_MAX];
    bool taken[LG_MAX];
    size_t n;
    bool peek_short; /* peek shows nothing (a gate that breaks its own count) */
    bool more;       /* once every item is taken: BS_EAGAIN (more to come), not the end */
} list_gate;

typedef struct lg_events {
    char text[512];
} lg_events;

/* Replaces the gate's items with `text`. */
void lg_load(list_gate *g, const char *text);
int lg_next(void *ctx, const uint64_t *blocked, bs_item *out);
int lg_next_priority(void *ctx, const uint64_t *blocked, bs_item *out);
int lg_peek(void *ctx, uint32_t channel, uint32_t i, bs_item *out);
/* Barriers and cancels not yet taken. */
size_t lg_markers_left(const list_gate *g);
/* A listener recording into `ev`. */
bs_listener lg_listener(lg_events *ev);
/* Memory files for strategies that write none (the tracker, block). */
const bs_io *lg_no_files(void);
/* A handler of `strategy` (quiet) over the gate, with or without a priority read and peek,
 * its listener recording into `ev`. Asserts that it opens. */
bs_handler *lg_open(const char *strategy, uint32_t channels, list_gate *g, bool priority, bool peek,
                    const bs_io *io, lg_events *ev);

#endif
