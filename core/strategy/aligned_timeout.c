/*
 * aligned_timeout.c: the `aligned-timeout` strategy (DESIGN.md 2.3): `block` until the
 * alignment of a checkpoint has lasted longer than alignment_timeout_ns, then that
 * checkpoint continues unaligned.
 *
 * Rules:
 * - As block (block_int.h, the 2.1 table with blocked channels left unread) while no
 *   checkpoint is unaligned. An alignment starts at the first b<K> that blocks (a newer
 *   barrier that subsumes an alignment starts a new one): its start is the gate's clock
 *   then, and the handler asks the gate to wake it at start + timeout + 1.
 * - Before each gate read of an alignment in progress: when now - start > timeout, K
 *   switches: unaligned(K), t<K>, every channel is unblocked, and the channels that had
 *   delivered b<K> count as delivered. The timeout never carries over to the next one.
 * - While K is unaligned (unaligned_int.h): data of a channel that has delivered neither
 *   b<K> nor eop is channel state of K; b<K> marks its channel; d<K> once every channel
 *   delivered b<K> or eop; x<K>: a<K>:cancelled. A newer b<K'> or x<K'> ends K with
 *   a<K>:subsumed and then goes through the block table (K' starts aligned, or is
 *   cancelled). Barriers never overtake data here (no priority reads): a barrier that
 *   overtook data could not be aligned.
 * - If the alignment completes first, t<K> ends it as in block.
 * - Gate exhausted while K is unaligned (a channel ended without eop): a<K>:eop, the end.
 * - No clock (gate without now_ns) or alignment_timeout_ns == 0: it never times out.
 * - I/O errors on the channel-state file stop the handler; cleanup removes the file.
 */
#include "block_int.h"
#include "unaligned_int.h"

typedef struct at_state {
    align_state a;              /* the block table; cur is also the unaligned checkpoint's */
    unal_state u;               /* the checkpoint switched to unaligned, when u.active */
    uint64_t start_ns;          /* when the alignment in progress started */
    uint64_t timeout_ns;        /* 0: never */
} at_state;

/* The alignment in progress has lasted longer than the timeout. */
static bool at_expired(bs_handler *h, const at_state *s)
{
    uint64_t now;
    if (!align_aligning(&s->a) || s->timeout_ns == 0 || !bs_handler_gate_now(h, &now))
        return false;
    return now > s->start_ns && now - s->start_ns > s->timeout_ns;
}

/* K's alignment timed out: it continues unaligned. */
static int at_switch(bs_handler *h, at_state *s)
{
    unal_start(h, &s->u, s->a.cur);
    for (uint32_t c = 0; c < s->a.channels; c++)
        if (bs_chanset_has(s->a.blocked, c))
            (void)unal_mark(h, &s->u, c, 0); /* nothing overtaken: cannot fail */
    int rc = align_release(h, &s->a);
    return rc ? rc : unal_complete_check(h, &s->u);
}

/* A newer b<K'> or x<K'> while K is unaligned: K is subsumed, the item goes to the table. */
static int at_newer(bs_handler *h, at_state *s, const bs_item *it)
{
    int rc = unal_abort(h, &s->u, BS_ABORT_SUBSUMED);
    return rc ? rc : align_process(h, &s->a, it);
}

/* An item read while K is unaligned: 1 to return it, 0 when consumed, or an error. */
static int at_unaligned_process(bs_handler *h, at_state *s, const bs_item *it)
{
    unal_state *u = &s->u;
    int rc = 0;
    switch (it->kind) {
    case BS_DATA:
        rc = unal_on_data(h, u, it);
        return rc ? rc : 1;
    case BS_EOP:
        align_process(h, &s->a, it); /* not aligning: counts the closed channel */
        rc = unal_on_eop(h, u, it->channel);
        return rc ? rc : 1;
    case BS_BARRIER:
        if (it->id == u->cur) {
            (void)unal_mark(h, u, it->channel, 0); /* nothing overtaken: cannot fail */
            return unal_complete_check(h, u);
        }
        return it->id > u->cur ? at_newer(h, s, it) : 0;
    case BS_CANCEL:
        if (it->id == u->cur)
            return unal_abort(h, u, BS_ABORT_CANCELLED);
        return it->id > u->cur ? at_newer(h, s, it) : 0;
    }
    return 0;
}

/* One read while K is unaligned: as block_step. */
static int at_unaligned_step(bs_handler *h, at_state *s, bs_item *out)
{
    int rc = bs_handler_gate_next(h, NULL, out);
    if (rc == 0) /* a channel ended without eop: K can never complete */
        rc = unal_abort(h, &s->u, BS_ABORT_EOP);
    if (rc == 0)
        return align_exhausted(h, &s->a);
    if (rc < 0)
        return rc;
    rc = at_unaligned_process(h, s, out);
    return rc == 0 ? BLOCK_CONSUMED : rc;
}

/* One read as block; notes eops for later unaligned checkpoints. */
static int at_aligned_step(bs_handler *h, at_state *s, bs_item *out)
{
    int rc = block_step(h, &s->a, out);
    if (rc == 1 && out->kind == BS_EOP) {
        int k = unal_on_eop(h, &s->u, out->channel);
        if (k)
            return k;
    }
    return rc;
}

/* One turn: a read (aligned or unaligned) or the switch of a timed-out alignment. */
static int at_step(bs_handler *h, at_state *s, bs_item *out)
{
    if (s->u.active)
        return at_unaligned_step(h, s, out);
    if (!at_expired(h, s))
        return at_aligned_step(h, s, out);
    int rc = at_switch(h, s);
    return rc ? rc : BLOCK_CONSUMED;
}

static int at_next(bs_handler *h, bs_item *out)
{
    at_state *s = bs_handler_state(h);
    /* Each turn consumes one item from the gate or switches once: it ends with the input. */
    for (;;) {
        uint64_t cur_before = s->a.cur;
        bool aligning_before = align_aligning(&s->a);
        int rc = at_step(h, s, out);
        if (rc >= 0 && align_aligning(&s->a) && (!aligning_before || s->a.cur != cur_before)) {
            /* an alignment started: its clock starts now */
            if (!bs_handler_gate_now(h, &s->start_ns))
                s->start_ns = 0;
            /* start + timeout + 1 saturates: a wake-up past the end of time never comes,
             * which is what a timeout that large means (a library caller may pass any
             * value; the loaders cap it at the descriptor's maximum) */
            if (s->timeout_ns && s->timeout_ns < UINT64_MAX - s->start_ns)
                bs_handler_gate_wake_at(h, s->start_ns + s->timeout_ns + 1);
        }
        if (rc != BLOCK_CONSUMED)
            return rc;
    }
}

static int at_open(bs_handler *h)
{
    at_state *s = calloc(1, sizeof *s);
    if (!s)
        return BS_ENOMEM;
    if (block_open_state(h, &s->a)) {
        free(s);
        return BS_ENOMEM;
    }
    if (unal_init(&s->u, h)) {
        align_free(&s->a);
        free(s);
        return BS_ENOMEM;
    }
    s->timeout_ns = bs_handler_cfg(h)->alignment_timeout_ns;
    bs_handler_set_state(h, s);
    return 0;
}

static int at_close(bs_handler *h)
{
    at_state *s = bs_handler_state(h);
    int rc = unal_close_files(h, &s->u);
    unal_free(&s->u);
    align_free(&s->a);
    free(s);
    bs_handler_set_state(h, NULL);
    return rc;
}

/* ---- State capture (model checking): magic, the alignment's start, the block table's
 * state (align_snapshot_to), then the unaligned checkpoint's (unal_snapshot_to). ---- */
#define AT_SNAP_MAGIC 0x31767469746c61ull /* "altitv1" */

static int at_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    const at_state *s = bs_handler_state(h);
    int rc = bs_buf_put_u64(out, AT_SNAP_MAGIC);
    rc = rc ? rc : bs_buf_put_u64(out, s->start_ns);
    rc = rc ? rc : align_snapshot_to(&s->a, out);
    return rc ? rc : unal_snapshot_to(h, &s->u, flags, out);
}

static int at_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    at_state *s = bs_handler_state(h);
    bs_cursor c = {snap, len, 0};
    uint64_t magic, start_ns;
    if (!bs_cursor_get_u64(&c, &magic) || magic != AT_SNAP_MAGIC || !bs_cursor_get_u64(&c, &start_ns) ||
        align_restore_from(&s->a, &c))
        return BS_ESTATE;
    s->start_ns = start_ns;
    int rc = unal_restore_from(h, &s->u, &c);
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}

/* Flink 1.14+: execution.checkpointing.aligned-checkpoint-timeout (CheckpointingOptions),
 * default 0: never. */
static const bs_option at_options[] = {
    {"alignment-timeout", "alignment-timeout-ns", "ns", 1, UINT64_MAX / 4, 0, BS_OPT_ALIGNMENT_TIMEOUT_NS,
     "go unaligned once an alignment lasts longer (default: never)"},
};

const bs_strategy bs_strategy_aligned_timeout = {
    .name = "aligned-timeout",
    .guarantee = BS_GUARANTEE_EXACTLY_ONCE,
    .options = at_options,
    .options_len = sizeof at_options / sizeof at_options[0],
    .open = at_open,
    .next = at_next,
    .close = at_close,
    .is_empty = block_is_empty,
    .snapshot = at_snapshot,
    .restore = at_restore,
};
