/*
 * aligned_timeout.c: the `aligned-timeout` strategy (DESIGN.md 2.3, and Flink 1.14+'s
 * aligned checkpoint timeout, execution.checkpointing.aligned-checkpoint-timeout): `block`
 * until the alignment of a checkpoint has lasted longer than alignment_timeout_ns, then
 * that checkpoint continues unaligned.
 *
 * Rules:
 * - As block (block_int.h, the 2.1 table with blocked channels left unread) while no
 *   checkpoint is unaligned. An alignment starts at the first b<K> that blocks (a newer
 *   barrier that subsumes an alignment starts a new one). Its clock starts at the time the
 *   checkpoint started at the sources when the barrier carries it (BS_BARRIER_STARTED:
 *   Flink's CheckpointBarrier.getTimestamp, BarrierAlignmentUtil.getTimerDelay = timestamp
 *   + timeout - now), else at the gate's clock when K is first seen (a barrier read, or
 *   announced). The handler asks the gate to wake it at start + timeout + 1.
 * - Before each gate read of an alignment in progress: when now - start > timeout, K
 *   switches: unaligned(K), t<K>, every channel is unblocked, and the channels that had
 *   delivered b<K> count as delivered (Flink: AlternatingCollectingBarriers
 *   .alignedCheckpointTimeout). The timeout never carries over to the next one.
 * - Announcements (a gate with next_announcement; Flink's EventAnnouncement, FLINK-19680):
 *   a barrier that arrived on a channel behind queued data is announced before it is
 *   read. An announced K newer than every adopted one starts its clock (its timer); when
 *   that passes before any b<K> was read, K is adopted and taken unaligned at once (Flink:
 *   AlternatingWaitingForFirstBarrier.alignedCheckpointTimeout ->
 *   AlternatingWaitingForFirstBarrierUnaligned). Once K is unaligned, every announced
 *   b<K> still queued is taken at once through the gate's convert, overtaking the data
 *   queued before it, which becomes channel state of K (Flink: convertToPriorityEvent, in
 *   alignedCheckpointTimeout and AlternatingCollectingBarriersUnaligned
 *   .announcementReceived). A barrier converted upstream (BS_BARRIER_UNALIGNED, Flink's
 *   barrier.asUnaligned) makes its checkpoint unaligned here at once
 *   (AbstractAlternatingAlignedBarrierHandlerState.barrierReceived). Without announcements
 *   (handler-level scenarios, the model checker, the record model) nothing of this applies.
 * - While K is unaligned (unaligned_int.h): data of a channel that has delivered neither
 *   b<K> nor eop is channel state of K; b<K> marks its channel; d<K> once every channel
 *   delivered b<K> or eop; x<K>: a<K>:cancelled. A newer b<K'> or x<K'> ends K with
 *   a<K>:subsumed and then goes through the block table (K' starts aligned, or is
 *   cancelled). Barriers never overtake data through priority reads: a barrier that
 *   overtook data could not be aligned. Only b<K> of an unaligned K is converted.
 * - If the alignment completes first, t<K> ends it as in block.
 * - Gate exhausted while K is unaligned (a channel ended without eop): a<K>:eop, the end.
 * - No clock (gate without now_ns) or alignment_timeout_ns == 0: it never times out (a
 *   barrier converted upstream still makes its checkpoint unaligned).
 * - bs_handler_poll_priority (a back-pressured task, Flink's mailbox running priority
 *   events and timers): announcements, the switch and conversions only; no data is read.
 * - I/O errors on the channel-state file stop the handler; cleanup removes the file.
 */
#include "block_int.h"
#include "unaligned_int.h"

#include <string.h>

typedef struct at_state {
    align_state a;              /* the block table; cur is also the unaligned checkpoint's */
    unal_state u;               /* the checkpoint switched to unaligned, when u.active */
    uint64_t start_ns;          /* when the alignment in progress started (its clock) */
    uint64_t timeout_ns;        /* 0: never */
    bool forced;                /* the alignment in progress got a barrier converted upstream */
    uint64_t ann_k, ann_start;  /* the newest checkpoint announced beyond a.cur (0: none), and
                                   its clock's start */
    bool ann_forced;            /* ... announced by a barrier converted upstream */
    uint64_t *ann_id;           /* per channel: the barrier announced there, not yet taken */
} at_state;

static bool at_passed(bs_handler *h, const at_state *s, uint64_t start)
{
    uint64_t now;
    if (s->timeout_ns == 0 || !bs_handler_gate_now(h, &now))
        return false;
    return now > start && now - start > s->timeout_ns;
}

/* The alignment in progress has lasted longer than the timeout (or must go unaligned). */
static bool at_expired(bs_handler *h, const at_state *s)
{
    return align_aligning(&s->a) && (s->forced || at_passed(h, s, s->start_ns));
}

/* The announced checkpoint, not adopted yet, must go unaligned now. */
static bool at_ann_expired(bs_handler *h, const at_state *s)
{
    return s->ann_k > s->a.cur && !s->a.end_of_input && (s->ann_forced || at_passed(h, s, s->ann_start));
}

/* Asks for a wake-up when a clock started at `start` passes the timeout. start + timeout
 * + 1 saturates: a wake-up past the end of time never comes, which is what a timeout that
 * large means (a library caller may pass any value; the loaders cap it). */
static void at_arm(bs_handler *h, const at_state *s, uint64_t start)
{
    if (s->timeout_ns && s->timeout_ns < UINT64_MAX - start)
        bs_handler_gate_wake_at(h, start + s->timeout_ns + 1);
}

/* Converts the announced b<u.cur> queued on channel c (Flink's convertToPriorityEvent):
 * it overtakes the data queued before it, which becomes channel state. */
static int at_convert(bs_handler *h, at_state *s, uint32_t c)
{
    uint64_t k = s->u.cur;
    s->ann_id[c] = 0;
    if (!s->u.active || bs_chanset_has(s->u.marked, c) || bs_chanset_has(s->u.closed, c))
        return 0;
    bs_item b;
    int rc = bs_handler_gate_convert(h, c, k, &b);
    if (rc <= 0)
        return rc; /* not the next marker there: it is read in order */
    rc = unal_mark(h, &s->u, c, b.overtaken);
    return rc ? rc : unal_complete_check(h, &s->u);
}

static int at_convert_all(bs_handler *h, at_state *s)
{
    for (uint32_t c = 0; c < s->a.channels && s->u.active; c++) {
        if (s->ann_id[c] != s->u.cur)
            continue;
        int rc = at_convert(h, s, c);
        if (rc)
            return rc;
    }
    return unal_complete_check(h, &s->u);
}

/* K's alignment timed out: it continues unaligned, and its announced barriers overtake. */
static int at_switch(bs_handler *h, at_state *s)
{
    unal_start(h, &s->u, s->a.cur);
    s->forced = false;
    for (uint32_t c = 0; c < s->a.channels; c++)
        if (bs_chanset_has(s->a.blocked, c))
            (void)unal_mark(h, &s->u, c, 0); /* nothing overtaken: cannot fail */
    int rc = align_release(h, &s->a);
    return rc ? rc : at_convert_all(h, s);
}

/* The announced K timed out before any b<K> was read: K is adopted, unaligned at once. */
static int at_adopt(bs_handler *h, at_state *s)
{
    uint64_t k = s->ann_k;
    int rc = s->u.active ? unal_abort(h, &s->u, BS_ABORT_SUBSUMED) : 0;
    rc = rc ? rc : align_adopt(h, &s->a, k);
    if (rc)
        return rc;
    s->ann_k = 0;
    s->ann_forced = s->forced = false;
    unal_start(h, &s->u, k);
    return at_convert_all(h, s);
}

/* One announcement (SingleCheckpointBarrierHandler.processBarrierAnnouncement). */
static int at_announced(bs_handler *h, at_state *s, const bs_item *it)
{
    bool forced = (it->type & BS_BARRIER_UNALIGNED) != 0;
    if (s->u.active && it->id == s->u.cur) {
        s->ann_id[it->channel] = it->id;
        return at_convert(h, s, it->channel);
    }
    if (s->a.end_of_input || it->id < s->a.cur || (it->id == s->a.cur && !align_aligning(&s->a)))
        return 0; /* obsolete */
    s->ann_id[it->channel] = it->id;
    if (it->id == s->a.cur) {
        s->forced |= forced;
        return 0;
    }
    if (it->id > s->ann_k) {
        uint64_t now = 0;
        s->ann_k = it->id;
        s->ann_forced = forced;
        s->ann_start = (it->type & BS_BARRIER_STARTED) || !bs_handler_gate_now(h, &now) ? it->timestamp : now;
        at_arm(h, s, s->ann_start);
    } else if (it->id == s->ann_k) {
        s->ann_forced |= forced;
    }
    return 0;
}

/* Announcements first, then an announced checkpoint whose time is up. */
static int at_checks(bs_handler *h, at_state *s)
{
    bs_item it;
    for (;;) { /* each announcement comes once: bounded by the barriers queued */
        int rc = bs_handler_gate_announcement(h, &it);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        rc = at_announced(h, s, &it);
        if (rc < 0)
            return rc;
    }
    if (!s->u.active && !align_aligning(&s->a) && at_ann_expired(h, s))
        return at_adopt(h, s);
    return 0;
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

/* One read as block; notes eops for later unaligned checkpoints, and data read after an
 * unaligned checkpoint's converted barriers. */
static int at_aligned_step(bs_handler *h, at_state *s, bs_item *out)
{
    int rc = block_step(h, &s->a, out);
    if (rc == 1) { /* data counts off what a converted barrier overtook (unal_on_data) */
        int k = out->kind == BS_EOP ? unal_on_eop(h, &s->u, out->channel) : unal_on_data(h, &s->u, out);
        if (k)
            return k;
    }
    return rc;
}

/* One turn: a read (aligned or unaligned) or the switch of a timed-out alignment. */
static int at_step(bs_handler *h, at_state *s, bs_item *out)
{
    int rc = at_checks(h, s);
    if (rc)
        return rc;
    if (s->u.active)
        return at_unaligned_step(h, s, out);
    if (!at_expired(h, s))
        return at_aligned_step(h, s, out);
    rc = at_switch(h, s);
    return rc ? rc : BLOCK_CONSUMED;
}

/* An alignment of a.cur started with the item in *it (the barrier read): its clock starts
 * at the checkpoint's start (announced, or carried by the barrier), else now. */
static void at_started(bs_handler *h, at_state *s, const bs_item *it)
{
    bool carried = it->kind == BS_BARRIER && it->id == s->a.cur;
    s->forced = carried && (it->type & BS_BARRIER_UNALIGNED);
    if (s->ann_k == s->a.cur) {
        s->start_ns = s->ann_start;
        s->forced |= s->ann_forced;
    } else if (carried && (it->type & BS_BARRIER_STARTED)) {
        s->start_ns = it->timestamp;
    } else if (!bs_handler_gate_now(h, &s->start_ns)) {
        s->start_ns = 0;
    }
    if (s->ann_k <= s->a.cur) {
        s->ann_k = 0;
        s->ann_forced = false;
    }
    at_arm(h, s, s->start_ns);
}

static int at_next(bs_handler *h, bs_item *out)
{
    at_state *s = bs_handler_state(h);
    /* Each turn consumes one item from the gate or switches once: it ends with the input. */
    for (;;) {
        uint64_t cur_before = s->a.cur;
        bool aligning_before = align_aligning(&s->a);
        int rc = at_step(h, s, out);
        if (rc >= 0 && align_aligning(&s->a) && (!aligning_before || s->a.cur != cur_before))
            at_started(h, s, out); /* an alignment started: its clock starts */
        if (rc != BLOCK_CONSUMED)
            return rc;
    }
}

/* A back-pressured task: announcements, the switch and conversions; nothing is read. */
static int at_poll(bs_handler *h)
{
    at_state *s = bs_handler_state(h);
    int rc = at_checks(h, s);
    if (!rc && !s->u.active && at_expired(h, s))
        rc = at_switch(h, s);
    return rc < 0 ? rc : 0;
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
    s->ann_id = calloc(bs_handler_cfg(h)->channels, sizeof *s->ann_id);
    if (!s->ann_id || unal_init(&s->u, h)) {
        free(s->ann_id);
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
    free(s->ann_id);
    free(s);
    bs_handler_set_state(h, NULL);
    return rc;
}

/* ---- State capture (model checking): magic, the alignment's start, forced, the
 * announced checkpoint (id, start, forced), the announced id per channel, the block
 * table's state (align_snapshot_to), then the unaligned checkpoint's (unal_snapshot_to). */
#define AT_SNAP_MAGIC 0x32767469746c61ull /* "altitv2" */

static int at_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    const at_state *s = bs_handler_state(h);
    uint64_t head[] = {AT_SNAP_MAGIC, s->start_ns, s->forced, s->ann_k, s->ann_start, s->ann_forced};
    int rc = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0] && !rc; i++)
        rc = bs_buf_put_u64(out, head[i]);
    for (uint32_t c = 0; c < s->a.channels && !rc; c++)
        rc = bs_buf_put_u64(out, s->ann_id[c]);
    rc = rc ? rc : align_snapshot_to(&s->a, out);
    return rc ? rc : unal_snapshot_to(h, &s->u, flags, out);
}

static int at_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    at_state *s = bs_handler_state(h);
    bs_cursor c = {snap, len, 0};
    uint64_t v[6];
    for (size_t i = 0; i < 6; i++)
        if (!bs_cursor_get_u64(&c, &v[i]))
            return BS_ESTATE;
    if (v[0] != AT_SNAP_MAGIC || v[2] > 1 || v[5] > 1 || c.len - c.pos < (size_t)s->a.channels * 8)
        return BS_ESTATE;
    bs_cursor ids = c; /* read after the table fits, so a refused snapshot changes little */
    c.pos += (size_t)s->a.channels * 8;
    if (align_restore_from(&s->a, &c))
        return BS_ESTATE;
    for (uint32_t ch = 0; ch < s->a.channels; ch++)
        (void)bs_cursor_get_u64(&ids, &s->ann_id[ch]);
    s->start_ns = v[1];
    s->forced = v[2];
    s->ann_k = v[3];
    s->ann_start = v[4];
    s->ann_forced = v[5];
    int rc = unal_restore_from(h, &s->u, &c);
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}

/* Channel renaming (bs_strategy.relabel). The state names channels in the announced id
 * per channel (moved to the new channel), the block table's blocked set (align_relabel)
 * and the unaligned checkpoint's sets and counts (unal_relabel); the clock starts, the
 * forced flags and the announced checkpoint are not per channel. This file uses a
 * channel's number to index ann_id, pass items on, and ask the gate to convert a queued
 * barrier; the one place where channel order shows is at_convert_all, which converts
 * announced barriers in ascending channel order: the renamed handler converts the same
 * barriers in another order, which reorders the channel-state reports of one call and the
 * records of its channel-state file, and neither is part of the state (the checker keeps
 * reports per channel, and a canonical snapshot holds the file's size, not its records).
 * An I/O error in the middle of those conversions stops the handler, which ends the run.
 * (The model checker's gate offers no announcements: there ann_id stays 0.) */
static int at_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                      bs_payload_relabel payload, void *ctx, bs_buf *out)
{
    (void)payload; /* no data payloads in a canonical snapshot */
    (void)ctx;
    bs_cursor c = {snap, len, 0};
    uint64_t v[6];
    for (size_t i = 0; i < 6; i++)
        if (!bs_cursor_get_u64(&c, &v[i]))
            return BS_ESTATE;
    if (v[0] != AT_SNAP_MAGIC || c.len - c.pos < (size_t)channels * 8)
        return BS_ESTATE;
    int rc = bs_buf_put(out, snap, sizeof v);
    size_t at = out->len;
    rc = rc ? rc : bs_buf_put(out, c.p + c.pos, (size_t)channels * 8); /* sized, then moved */
    for (uint32_t ch = 0; ch < channels && !rc; ch++) {
        BS_ASSERT(perm[ch] < channels);
        memcpy(out->p + at + (size_t)perm[ch] * 8, c.p + c.pos + (size_t)ch * 8, 8);
    }
    c.pos += (size_t)channels * 8;
    rc = rc ? rc : align_relabel(&c, channels, perm, out);
    rc = rc ? rc : unal_relabel(&c, channels, perm, out);
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
    .poll = at_poll,
    .relabel = at_relabel,
};
