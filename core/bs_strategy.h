/*
 * bs_strategy.h: the strategy descriptor, the interface a barrier-handling strategy
 * implements and everything else reads.
 *
 * Each strategy lives in one file under core/strategy/ and is registered by one row in the
 * table of core/strategies.c (or, from outside the tree, by a shared object loaded with
 * --strategy-lib, see core/bs_plugin.h); tests may pass their own (bs_handler_config.ops)
 * without touching the core. The descriptor carries what the rest of barriersim needs to
 * know about a strategy, so no module keeps a name table or compares names:
 *   guarantee  what verify/ checks (exactly-once or at-least-once),
 *   overtakes  barriers overtake data (the simulator's sources let barriers overtake their
 *              outbox and gates offer priority reads),
 *   options    the configuration keys it reads (name, unit, range, default), from which the
 *              loaders, the check and compare flags and the usage texts are derived,
 *   snapshot   state capture: `check` can model-check it when snapshot != NULL,
 *   relabel    channel renaming of a canonical snapshot: `check` reduces by symmetry over
 *              channels with identical scripts when relabel != NULL.
 * A strategy keeps its state behind bs_handler_state(); it reaches the gate, the I/O
 * interface and the listener only through the helpers below, so that observations are
 * uniform across strategies.
 */
#ifndef BS_STRATEGY_H
#define BS_STRATEGY_H

#include "barriersim.h"
#include "bs_assert.h"

/* The guarantee a strategy claims; it selects the invariants verify/ applies. */
typedef enum bs_guarantee {
    BS_GUARANTEE_EXACTLY_ONCE = 0,  /* aligned checkpoints checked at tK, unaligned ones at
                                       dK with their channel state */
    BS_GUARANTEE_AT_LEAST_ONCE = 1, /* tracker: data after a barrier may enter a checkpoint */
    BS_GUARANTEES = 2,
} bs_guarantee;

/* Returns "exactly-once" or "at-least-once". */
const char *bs_guarantee_name(bs_guarantee g);

/* One option a strategy reads: a row of its options table. Every loader accepts it under
 * `name` (handler-level scenarios' options:, check's --NAME flag, `replay --config`) or
 * `sim_name` (simulation scenarios, compare sweeps); a value outside min..max is an error
 * naming the range; absent, the slot holds `def`. */
typedef struct bs_option {
    const char *name;     /* "max-buffered-bytes" */
    const char *sim_name; /* "alignment-timeout-ns" (simulation keys carry their unit) */
    const char *unit;     /* "bytes", "ns" */
    uint64_t min, max;    /* accepted values when given */
    uint64_t def;         /* the value when absent (0: off) */
    bs_option_slot slot;  /* where the value lives (bs_handler_config.options) */
    const char *help;     /* one line for usage texts */
} bs_option;

/* Rewrites one data payload of a snapshot for a channel renaming (bs_strategy.relabel):
 * the payload's author (the model checker) knows what in it names a channel. */
typedef void (*bs_payload_relabel)(void *ctx, uint8_t *data, uint32_t len, const uint32_t *perm);

/* Options a strategy may declare at most. */
#define BS_STRATEGY_OPTIONS_MAX 8u

struct bs_strategy {
    const char *name;
    bs_guarantee guarantee;
    bool overtakes;                /* barriers overtake data (unaligned checkpoints) */
    const bs_option *options;      /* its options table, options_len rows (NULL: none) */
    size_t options_len;
    /* Allocates the strategy's state (bs_handler_set_state). 0 or a BS_E* code. */
    int (*open)(bs_handler *h);
    /* As bs_handler_next. */
    int (*next)(bs_handler *h, bs_item *out);
    /* Closes and removes every spill file and frees the state; 0 or the first I/O error
     * (recorded with bs_handler_fail). Called once, also after errors. */
    int (*close)(bs_handler *h);
    bool (*is_empty)(const bs_handler *h);
    /* Optional (NULL: the strategy cannot be snapshot, and `check` refuses it). As
     * bs_handler_snapshot/restore. */
    int (*snapshot)(const bs_handler *h, unsigned flags, bs_buf *out);
    int (*restore)(bs_handler *h, const uint8_t *snap, size_t len);
    /* Optional: as bs_handler_poll_priority (consumes only what the gate's priority read
     * yields; returns 0 when it yields nothing more, or an error). */
    int (*poll)(bs_handler *h);
    /* Optional (NULL: `check` explores without symmetry reduction). Appends to out the
     * canonical snapshot (BS_SNAP_CANONICAL) `snap` of a handler of `channels` channels with
     * every channel c renamed perm[c] (perm: a permutation of 0..channels-1): every
     * channel id and channel set of the strategy's own state is mapped, and each data
     * payload it holds is copied into out and passed to payload(ctx, ...) there. The
     * result must be the canonical snapshot of the renamed state: the state the handler
     * would be in had every item of channel c arrived on channel perm[c] instead; a
     * strategy whose behaviour depends on channel numbers (not only on which channel an
     * item came from) must leave relabel NULL. 0, BS_ENOMEM, or BS_ESTATE when `snap` is
     * not such a snapshot. */
    int (*relabel)(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                   bs_payload_relabel payload, void *ctx, bs_buf *out);
};

/* The row of `s`'s options table with this name (or sim_name), or NULL. */
const bs_option *bs_strategy_option(const bs_strategy *s, const char *name);
/* The row of `s`'s options table for this slot, or NULL when s does not read it. */
const bs_option *bs_strategy_option_slot(const bs_strategy *s, bs_option_slot slot);
/* Checks a descriptor (name, callbacks, options within limits, slots in range, min <= def
 * <= max or def == 0); NULL when sound, else what is wrong (for loaders of outside code). */
const char *bs_strategy_problem(const bs_strategy *s);

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
/* The gate's announcement (see bs_gate.next_announcement); 0 when the gate has none. */
int bs_handler_gate_announcement(bs_handler *h, bs_item *out);
/* The gate's conversion of a queued barrier (see bs_gate.convert); 0 when it has none. */
int bs_handler_gate_convert(bs_handler *h, uint32_t channel, uint64_t id, bs_item *out);
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
