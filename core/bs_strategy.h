/*
 * bs_strategy.h: the interface a barrier-handling strategy implements.
 *
 * Each strategy lives in one file under core/strategy/ and is registered in the table of
 * core/strategies.c; tests may pass their own (bs_handler_config.ops) without touching the
 * core. A strategy keeps its state behind bs_handler_state(); it reaches the gate, the I/O
 * interface and the listener only through the helpers below, so that observations are
 * uniform across strategies.
 */
#ifndef BS_STRATEGY_H
#define BS_STRATEGY_H

#include "barriersim.h"

struct bs_strategy {
    const char *name;
    /* Allocates the strategy's state (bs_handler_set_state). 0 or a BS_E* code. */
    int (*open)(bs_handler *h);
    /* As bs_handler_next. */
    int (*next)(bs_handler *h, bs_item *out);
    /* Closes and removes every spill file and frees the state; 0 or the first I/O error
     * (recorded with bs_handler_fail). Called once, also after errors. */
    int (*close)(bs_handler *h);
    bool (*is_empty)(const bs_handler *h);
    /* Optional (NULL: the strategy cannot be snapshot). As bs_handler_snapshot/restore. */
    int (*snapshot)(const bs_handler *h, unsigned flags, bs_buf *out);
    int (*restore)(bs_handler *h, const uint8_t *snap, size_t len);
    /* Optional: as bs_handler_poll_priority (consumes only what the gate's priority read
     * yields; returns 0 when it yields nothing more, or an error). */
    int (*poll)(bs_handler *h);
};

const bs_handler_config *bs_handler_cfg(const bs_handler *h);
void *bs_handler_state(const bs_handler *h);
void bs_handler_set_state(bs_handler *h, void *state);
const bs_io *bs_handler_io(const bs_handler *h);

/* Pulls from the gate (see bs_gate.next). */
int bs_handler_gate_next(bs_handler *h, const uint64_t *blocked, bs_item *out);
/* The gate's priority read (see bs_gate.next_priority); 0 when the gate has none. */
int bs_handler_gate_next_priority(bs_handler *h, const uint64_t *blocked, bs_item *out);
/* The gate's peek (see bs_gate.peek); 0 when the gate has none. */
int bs_handler_gate_peek(bs_handler *h, uint32_t channel, uint32_t i, bs_item *out);
/* True when the gate offers peek. */
bool bs_handler_gate_can_peek(const bs_handler *h);
/* The gate's clock: true with *now_ns set, false when the gate has no clock. */
bool bs_handler_gate_now(bs_handler *h, uint64_t *now_ns);
/* Asks the gate for a wake-up at at_ns (ignored when the gate offers none). */
void bs_handler_gate_wake_at(bs_handler *h, uint64_t at_ns);

/* Notifies the listener. */
void bs_handler_begin(bs_handler *h, uint64_t id);
void bs_handler_unaligned(bs_handler *h, uint64_t id);
void bs_handler_trigger(bs_handler *h, uint64_t id);
void bs_handler_abort(bs_handler *h, uint64_t id, bs_abort_reason why);
void bs_handler_channel_state(bs_handler *h, uint64_t id, const bs_item *data);
void bs_handler_done(bs_handler *h, uint64_t id);

/* Records an error message (printf-style) and returns `code`, for `return bs_handler_fail(...)`. */
int bs_handler_fail(bs_handler *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
