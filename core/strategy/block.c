/*
 * block.c: the `block` strategy (DESIGN.md 2.3), exactly-once alignment by not reading:
 * the decision table is spill's (align_int.h, DESIGN.md 2.1), but the blocked set is
 * passed to the gate, which leaves those channels unread (credit-based flow control: their
 * data waits upstream). Nothing is spilled and nothing is buffered, so is_empty is always
 * true and the option max-buffered-bytes, a bound on buffered bytes, can never be exceeded:
 * it is accepted and has no effect (a comparison may run every strategy on one config).
 *
 * When only blocked channels have input, the gate answers BS_EAGAIN and so does next();
 * when the gate is exhausted with an alignment in progress, a<cur>:eop, then the end.
 */
#include "block_int.h"

int block_open_state(bs_handler *h, align_state *a)
{
    return align_init(a, bs_handler_cfg(h)->channels, NULL, NULL);
}

int block_step(bs_handler *h, align_state *a, bs_item *out)
{
    if (a->end_of_input)
        return 0;
    int rc = bs_handler_gate_next(h, align_aligning(a) ? a->blocked : NULL, out);
    if (rc == 0) {
        rc = align_exhausted(h, a);
        return rc ? rc : 0;
    }
    if (rc < 0)
        return rc;
    BS_ASSERT(!bs_chanset_has(a->blocked, out->channel));
    rc = align_process(h, a, out);
    return rc == 0 ? BLOCK_CONSUMED : rc;
}

static int block_next(bs_handler *h, bs_item *out)
{
    align_state *a = bs_handler_state(h);
    /* Each turn consumes one item from the gate: the loop ends with the input. */
    for (;;) {
        int rc = block_step(h, a, out);
        if (rc != BLOCK_CONSUMED)
            return rc;
    }
}

static int block_open(bs_handler *h)
{
    align_state *a = calloc(1, sizeof *a);
    if (!a)
        return BS_ENOMEM;
    if (block_open_state(h, a)) {
        free(a);
        return BS_ENOMEM;
    }
    bs_handler_set_state(h, a);
    return 0;
}

static int block_close(bs_handler *h)
{
    align_state *a = bs_handler_state(h);
    align_free(a);
    free(a);
    bs_handler_set_state(h, NULL);
    return 0;
}

bool block_is_empty(const bs_handler *h)
{
    (void)h;
    return true;
}

/* ---- State capture (model checking): magic, then the decision table's state; block holds
 * nothing else (no files), so canonical and full snapshots are the same bytes. ---- */
#define BLOCK_SNAP_MAGIC 0x31766b636f6c62ull /* "blockv1" */

static int block_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    (void)flags;
    int rc = bs_buf_put_u64(out, BLOCK_SNAP_MAGIC);
    return rc ? rc : align_snapshot_to(bs_handler_state(h), out);
}

static int block_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    align_state *a = bs_handler_state(h);
    bs_cursor c = {snap, len, 0};
    uint64_t magic;
    if (len != 8 * (6 + bs_chanset_words(a->channels)) || !bs_cursor_get_u64(&c, &magic) ||
        magic != BLOCK_SNAP_MAGIC)
        return BS_ESTATE;
    return align_restore_from(a, &c); /* leaves a unchanged when it refuses */
}

/* Channel renaming (bs_strategy.relabel): block's whole state is the decision table's, whose
 * only channel names are the blocked set (align_relabel). block.c itself uses a channel's
 * number only to pass the blocked set to the gate and to check an item against it, so a
 * handler fed every item of channel c on perm[c] instead is in the renamed state. */
static int block_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                         bs_payload_relabel payload, void *ctx, bs_buf *out)
{
    (void)payload; /* block holds no data */
    (void)ctx;
    bs_cursor c = {snap, len, 0};
    uint64_t magic;
    if (!bs_cursor_get_u64(&c, &magic) || magic != BLOCK_SNAP_MAGIC)
        return BS_ESTATE;
    int rc = bs_buf_put_u64(out, magic);
    rc = rc ? rc : align_relabel(&c, channels, perm, out);
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}

const bs_strategy bs_strategy_block = {
    .name = "block",
    .guarantee = BS_GUARANTEE_EXACTLY_ONCE,
    .open = block_open,
    .next = block_next,
    .close = block_close,
    .is_empty = block_is_empty,
    .snapshot = block_snapshot,
    .restore = block_restore,
    .relabel = block_relabel,
};
