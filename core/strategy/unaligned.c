/*
 * unaligned.c: the `unaligned` strategy (DESIGN.md 2.3): never blocks; a checkpoint is
 * triggered by its first barrier and its in-flight data is reported as channel state.
 *
 * Rules (cur: the latest adopted id, 0 at first; K in progress: triggered, not done):
 * - Reading: before each gate read, the gate's priority read (when it has one) yields a
 *   queued barrier or cancel ahead of the data queued before it on its channel; its
 *   `overtaken` count n says that the next n data items of that channel precede it.
 * - b<K>, K > cur: if a checkpoint is in progress, a<cur>:subsumed (its file removed);
 *   cur = K, begin(K), unaligned(K), t<K>; the channel is marked with its n overtaken
 *   items; completion check. b<cur> in progress from a channel not yet marked: mark it
 *   (with its n), completion check. Any other barrier is ignored.
 * - x<K>: K == cur in progress: a<K>:cancelled. K > cur: a<cur>:subsumed if one is in
 *   progress, then cur = K, begin(K), a<K>:cancelled. Otherwise ignored.
 * - data from channel c while K is in progress is channel state of K iff c has delivered
 *   neither b<K> nor eop, or it is one of the n items c's b<K> overtook: it is written to
 *   K's channel-state file (spill records, one file per checkpoint, created lazily), then
 *   reported (channel_state), then returned. Other data is returned as it is.
 * - Gate with peek (Flink's way): marking c with n > 0 overtaken items writes and reports
 *   those n items at once, in order (peek 0 .. n-1), before the completion check; they
 *   no longer hold d<K> back. When read later they are returned, and reported again only
 *   as channel state of a newer checkpoint whose b has not come on c yet (by the rule
 *   above: c unmarked). A gate showing fewer than n items is an input-gate error, as is
 *   an eop while pre-reported items of its channel are unread.
 * - eop: the channel counts as delivered for K and every later checkpoint (an eop never
 *   aborts an unaligned checkpoint); completion check; the eop is returned.
 * - Completion: every channel delivered b<K> or eop and no overtaken item of K is unread:
 *   the channel-state file is closed and removed, then d<K>. With one channel, t<K> and
 *   d<K> come from the same barrier (when it overtook nothing).
 * - Gate exhausted: when every channel delivered its eop, K is complete already; a K still
 *   in progress (a channel ended without eop, or the gate lost overtaken data) can never
 *   complete: a<K>:eop, then the end.
 * - bs_handler_poll_priority: only the priority reads above, until the gate has no queued
 *   marker; the markers go through the same rules, no item is returned.
 * - An I/O error stops the handler (the item is neither reported nor returned); cleanup
 *   removes the file. Nothing is buffered: is_empty is always true.
 */
#include "block_int.h"
#include "unaligned_int.h"

static int unaligned_on_barrier(bs_handler *h, unal_state *u, const bs_item *it)
{
    if (u->active && it->id == u->cur) {
        int rc = unal_mark(h, u, it->channel, it->overtaken);
        return rc ? rc : unal_complete_check(h, u);
    }
    if (it->id <= u->cur)
        return 0;
    int rc = u->active ? unal_abort(h, u, BS_ABORT_SUBSUMED) : 0;
    if (rc)
        return rc;
    bs_handler_begin(h, it->id);
    unal_start(h, u, it->id);
    rc = unal_mark(h, u, it->channel, it->overtaken);
    return rc ? rc : unal_complete_check(h, u);
}

static int unaligned_on_cancel(bs_handler *h, unal_state *u, const bs_item *it)
{
    if (u->active && it->id == u->cur)
        return unal_abort(h, u, BS_ABORT_CANCELLED);
    if (it->id <= u->cur)
        return 0;
    int rc = u->active ? unal_abort(h, u, BS_ABORT_SUBSUMED) : 0;
    if (rc)
        return rc;
    u->cur = it->id;
    bs_handler_begin(h, it->id);
    bs_handler_abort(h, it->id, BS_ABORT_CANCELLED);
    return 0;
}

/* The table: 1 when the item goes to the operator, 0 when consumed, or an error. */
static int unaligned_process(bs_handler *h, unal_state *u, const bs_item *it)
{
    BS_ASSERT(it->channel < u->channels);
    int rc;
    switch (it->kind) {
    case BS_DATA:
        rc = unal_on_data(h, u, it);
        return rc ? rc : 1;
    case BS_EOP:
        rc = unal_on_eop(h, u, it->channel);
        return rc ? rc : 1;
    case BS_BARRIER: return unaligned_on_barrier(h, u, it);
    case BS_CANCEL: return unaligned_on_cancel(h, u, it);
    }
    return 0;
}

/* The next item: a marker overtaking queued data if the gate offers one, else the next
 * item in order. 1, 0 when the gate is exhausted, or a negative code. */
static int unaligned_pull(bs_handler *h, bs_item *out)
{
    int rc = bs_handler_gate_next_priority(h, NULL, out);
    if (rc != 0)
        return rc;
    rc = bs_handler_gate_next(h, NULL, out);
    if (rc == 1 && (out->kind == BS_BARRIER || out->kind == BS_CANCEL))
        out->overtaken = 0;
    return rc;
}

static int unaligned_next(bs_handler *h, bs_item *out)
{
    unal_state *u = bs_handler_state(h);
    /* Each turn consumes one item from the gate: the loop ends with the input. */
    for (;;) {
        int rc = unaligned_pull(h, out);
        if (rc == 0 && u->active)
            rc = unal_abort(h, u, BS_ABORT_EOP);
        if (rc <= 0)
            return rc;
        rc = unaligned_process(h, u, out);
        if (rc != 0)
            return rc;
    }
}

/* Priority reads only: each turn consumes one queued marker (bounded by the queue). */
static int unaligned_poll(bs_handler *h)
{
    unal_state *u = bs_handler_state(h);
    bs_item it;
    for (;;) {
        int rc = bs_handler_gate_next_priority(h, NULL, &it);
        if (rc <= 0)
            return rc;
        BS_ASSERT(it.kind == BS_BARRIER || it.kind == BS_CANCEL);
        rc = unaligned_process(h, u, &it);
        if (rc < 0)
            return rc;
        BS_ASSERT(rc == 0); /* markers are consumed, never returned */
    }
}

static int unaligned_open(bs_handler *h)
{
    unal_state *u = calloc(1, sizeof *u);
    if (!u)
        return BS_ENOMEM;
    if (unal_init(u, h)) {
        free(u);
        return BS_ENOMEM;
    }
    bs_handler_set_state(h, u);
    return 0;
}

static int unaligned_close(bs_handler *h)
{
    unal_state *u = bs_handler_state(h);
    int rc = unal_close_files(h, u);
    unal_free(u);
    free(u);
    bs_handler_set_state(h, NULL);
    return rc;
}

/* ---- State capture (model checking): magic, then the checkpoint in progress with its
 * channel-state file (unal_snapshot_to). ---- */
#define UNALIGNED_SNAP_MAGIC 0x31766c616e75ull /* "unalv1" */

int unaligned_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    int rc = bs_buf_put_u64(out, UNALIGNED_SNAP_MAGIC);
    return rc ? rc : unal_snapshot_to(h, bs_handler_state(h), flags, out);
}

int unaligned_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    bs_cursor c = {snap, len, 0};
    uint64_t magic;
    if (!bs_cursor_get_u64(&c, &magic) || magic != UNALIGNED_SNAP_MAGIC)
        return BS_ESTATE;
    int rc = unal_restore_from(h, bs_handler_state(h), &c);
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}

/* Channel renaming (bs_strategy.relabel): the checkpoint in progress (unal_relabel) is the
 * whole state; unaligned.c uses a channel's number only to pass items and their channel on
 * to unaligned_state.c. Data it holds is left out of canonical snapshots: no payloads. */
static int unaligned_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                             bs_payload_relabel payload, void *ctx, bs_buf *out)
{
    (void)payload;
    (void)ctx;
    bs_cursor c = {snap, len, 0};
    uint64_t magic;
    if (!bs_cursor_get_u64(&c, &magic) || magic != UNALIGNED_SNAP_MAGIC)
        return BS_ESTATE;
    int rc = bs_buf_put_u64(out, magic);
    rc = rc ? rc : unal_relabel(&c, channels, perm, out);
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}

const bs_strategy bs_strategy_unaligned = {
    .name = "unaligned",
    .guarantee = BS_GUARANTEE_EXACTLY_ONCE,
    .overtakes = true,
    .open = unaligned_open,
    .next = unaligned_next,
    .close = unaligned_close,
    .is_empty = block_is_empty, /* nothing is buffered either */
    .poll = unaligned_poll,
    .snapshot = unaligned_snapshot,
    .restore = unaligned_restore,
    .relabel = unaligned_relabel,
};
