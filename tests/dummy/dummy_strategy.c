/*
 * dummy_strategy.c: a test-only strategy, `dummy-block`, added the way a newcomer adds one:
 * this file and one row (registry.c). It is block under another name, with block's
 * guarantee, options and state capture (core/strategy/block.c), so every verb that takes a
 * strategy must accept it and pass: tests/cli/dummy.sh runs it through run, fuzz, soak,
 * replay, compare and check. No table elsewhere names it. Linked into
 * build/barriersim-dummy only.
 */
#include "dummy.h"

static const bs_strategy *base(void) { return bs_strategy_find("block"); }

static int dummy_open(bs_handler *h) { return base()->open(h); }
static int dummy_next(bs_handler *h, bs_item *out) { return base()->next(h, out); }
static int dummy_close(bs_handler *h) { return base()->close(h); }
static bool dummy_is_empty(const bs_handler *h) { return base()->is_empty(h); }

static int dummy_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    return base()->snapshot(h, flags, out);
}

static int dummy_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    return base()->restore(h, snap, len);
}

const bs_strategy dummy_strategy = {
    .name = "dummy-block",
    .guarantee = BS_GUARANTEE_EXACTLY_ONCE,
    .open = dummy_open,
    .next = dummy_next,
    .close = dummy_close,
    .is_empty = dummy_is_empty,
    .snapshot = dummy_snapshot,
    .restore = dummy_restore,
};
