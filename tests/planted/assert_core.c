/*
 * assert_core.c: a test-only strategy that breaks the core's contract on purpose, so that
 * an assertion inside the core (core/handler.c: a returned item's channel is one of the
 * gate's) fails during `fuzz`; tests/cli/sim.sh checks that the failure prints the seed
 * and the one-line reproduce command (the one assertion path, core/bs_assert.h). It is
 * spill until its third returned data item, which it reports on a channel that does not
 * exist. Registered by registry.c in test builds only.
 */
#include "planted.h"

#include "../../core/bs_strategy.h"

static int ac_open(bs_handler *h) { return bs_strategy_find("spill")->open(h); }
static int ac_close(bs_handler *h) { return bs_strategy_find("spill")->close(h); }
static bool ac_is_empty(const bs_handler *h) { return bs_strategy_find("spill")->is_empty(h); }

static int ac_next(bs_handler *h, bs_item *out)
{
    static unsigned returned; /* per process: fuzz aborts at the first failure anyway */
    int rc = bs_strategy_find("spill")->next(h, out);
    if (rc == 1 && out->kind == BS_DATA && ++returned == 3)
        out->channel = bs_handler_cfg(h)->channels; /* not a channel of this gate */
    return rc;
}

const bs_strategy planted_core_assert = {
    .name = "planted-core-assert",
    .guarantee = BS_GUARANTEE_EXACTLY_ONCE,
    .open = ac_open,
    .next = ac_next,
    .close = ac_close,
    .is_empty = ac_is_empty,
};
