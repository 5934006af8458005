/*
 * block_int.h: the `block` strategy's reading step, shared with `aligned-timeout`, which
 * behaves as block until an alignment times out.
 */
#ifndef BS_BLOCK_INT_H
#define BS_BLOCK_INT_H

#include "align_int.h"

/* block_step consumed an item and returned nothing: read on. */
#define BLOCK_CONSUMED 2

/* Prepares the decision table's state for h's channels; 0 or BS_ENOMEM. */
int block_open_state(bs_handler *h, align_state *a);

/* Reads one item from the gate (blocked channels left unread) and puts it through the
 * table: 1 with *out to return, BLOCK_CONSUMED, 0 at the end of input, BS_EAGAIN, or a
 * negative error. At the first exhaustion, aborts an alignment in progress with eop. */
int block_step(bs_handler *h, align_state *a, bs_item *out);

/* Nothing is ever buffered: always true. */
bool block_is_empty(const bs_handler *h);

#endif
