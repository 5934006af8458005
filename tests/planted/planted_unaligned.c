/*
 * planted_unaligned.c: broken comparison handlers, built around the core's own strategies
 * so that each differs from the real one by exactly one bug. The planted strategy runs an
 * inner handler of the real strategy whose gate and listener forward to the outer handler
 * (bs_handler_gate_next*, bs_handler_trigger, ...); the bug sits in that forwarding.
 *   planted-unaligned-forget-overtaken: the inner unaligned handler never learns how
 *     many data items a barrier overtook, so it forgets their channel state and reports
 *     d<K> before they are read.
 *   planted-unaligned-report-twice (gate with peek): the inner handler pre-reports the
 *     data a barrier overtook; when it later returns such an item, the shim reports it
 *     again as channel state of the checkpoint of the last report.
 *   planted-unaligned-drop-pre-report (gate with peek): the report of the first item a
 *     barrier overtook (peek index 0) never reaches the listener, as if it was not
 *     persisted.
 *   planted-block-early-release: the inner block handler's blocked set reaches the gate
 *     without its lowest channel, so that channel is read during the alignment; the
 *     shim hides from the inner handler the data it reads there and returns it at once.
 *   planted-unaligned-lose-state: channel-state reports of channel 0's data never
 *     reach the listener, as if that in-flight data was not persisted.
 *   planted-timeout-keeps-blocks: when the inner aligned-timeout handler reads
 *     with no blocked set (its checkpoint switched to unaligned after a timeout), the shim
 *     passes the last blocked set it saw instead, so the channels that had delivered the
 *     barrier stay unread: with nothing else to read, the handler deadlocks.
 * Every shim can be snapshot for the model checker: its only state between calls is the
 * last blocked set (keeps-blocking) and the per-channel peek counts (report-twice); the
 * early item of early-release never outlives one call.
 */
#include "planted.h"

#include <stdlib.h>
#include <string.h>

typedef struct shim {
    bs_handler *outer, *inner;
    bool forget_overtaken, early_release, report_twice, drop_first, forget_channel, keep_blocking;
    uint64_t *last_blocked;       /* keep_blocking: the last blocked set the inner passed */
    uint64_t switched;            /* keep_blocking: the checkpoint that went unaligned, until it
                                     ends (0: none) */
    uint32_t *pre;                /* report_twice: per channel, items shown by peek, unread */
    uint64_t last_cs;             /* the checkpoint of the last channel-state report */
    const uint8_t *first_peeked;  /* drop_first: the payload peek index 0 showed last */
    uint64_t *one_less;           /* the blocked set without its lowest channel */
    bs_item early;                /* data read early from a blocked channel */
    bool have_early;
    bs_item held;                 /* early_release: a marker or eop read early from the
                                     blocked channel, held until the inner reads it */
    bool have_held;
} shim;

static int shim_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    shim *s = ctx;
    if (s->keep_blocking) {
        size_t words = bs_chanset_words(bs_handler_cfg(s->outer)->channels);
        if (blocked)
            memcpy(s->last_blocked, blocked, words * sizeof *blocked);
        const uint64_t *use = blocked || !s->switched ? blocked : s->last_blocked; /* the bug */
        return bs_handler_gate_next(s->outer, use, out);
    }
    if (s->early_release && !blocked && s->have_held) {
        *out = s->held;
        s->have_held = false;
        return 1;
    }
    if (!s->early_release || !blocked)
        return bs_handler_gate_next(s->outer, blocked, out);
    uint32_t channels = bs_handler_cfg(s->outer)->channels, low = channels;
    for (uint32_t c = 0; c < channels && low == channels; c++)
        if (bs_chanset_has(blocked, c))
            low = c;
    if (s->have_held && !bs_chanset_has(blocked, s->held.channel)) {
        *out = s->held;
        s->have_held = false;
        return 1;
    }
    memcpy(s->one_less, blocked, bs_chanset_words(channels) * sizeof *blocked);
    if (!s->have_held) /* the channel stays blocked while it holds an item read early */
        s->one_less[low / 64] &= ~((uint64_t)1 << (low % 64));
    int rc = bs_handler_gate_next(s->outer, s->one_less, out);
    if (rc == 1 && out->channel == low && bs_chanset_has(blocked, low) && out->kind != BS_DATA) {
        s->held = *out; /* not data: the inner handler gets it once the channel is unblocked */
        s->have_held = true;
        return shim_next(ctx, blocked, out);
    }
    if (rc == 1 && out->channel == low && out->kind == BS_DATA && !s->have_early) {
        s->early = *out;
        s->have_early = true;
        return BS_EAGAIN; /* the inner handler gives up this call; the shim returns the item */
    }
    return rc;
}

static int shim_next_priority(void *ctx, const uint64_t *blocked, bs_item *out)
{
    shim *s = ctx;
    int rc = bs_handler_gate_next_priority(s->outer, blocked, out);
    if (rc == 1 && s->forget_overtaken)
        out->overtaken = 0;
    return rc;
}

static int shim_peek(void *ctx, uint32_t channel, uint32_t i, bs_item *out)
{
    shim *s = ctx;
    int rc = bs_handler_gate_peek(s->outer, channel, i, out);
    if (rc == 1 && s->pre && s->pre[channel] < i + 1)
        s->pre[channel] = i + 1;
    if (rc == 1 && s->drop_first)
        s->first_peeked = i == 0 ? out->data : NULL;
    return rc;
}

static uint64_t shim_now(void *ctx)
{
    shim *s = ctx;
    uint64_t now = 0;
    bs_handler_gate_now(s->outer, &now);
    return now;
}

static void shim_wake_at(void *ctx, uint64_t at) { shim *s = ctx; bs_handler_gate_wake_at(s->outer, at); }
static void shim_begin(void *ctx, uint64_t id) { shim *s = ctx; bs_handler_begin(s->outer, id); }
static void shim_unaligned(void *ctx, uint64_t id) { shim *s = ctx; s->switched = id; bs_handler_unaligned(s->outer, id); }
static void shim_ended(shim *s, uint64_t id)
{
    if (s->switched == id)
        s->switched = 0;
}
static void shim_trigger(void *ctx, uint64_t id) { shim *s = ctx; bs_handler_trigger(s->outer, id); }
static void shim_done(void *ctx, uint64_t id) { shim *s = ctx; shim_ended(s, id); bs_handler_done(s->outer, id); }
static void shim_abort(void *ctx, uint64_t id, bs_abort_reason why) { shim *s = ctx; shim_ended(s, id); bs_handler_abort(s->outer, id, why); }
static void shim_state(void *ctx, uint64_t id, const bs_item *d)
{
    shim *s = ctx;
    s->last_cs = id;
    if (s->forget_channel && d->channel == 0)
        return; /* the bug */
    if (s->drop_first && s->first_peeked && d->data == s->first_peeked) {
        s->first_peeked = NULL;
        return; /* the bug */
    }
    bs_handler_channel_state(s->outer, id, d);
}

typedef enum shim_bug { SHIM_FORGET, SHIM_EARLY, SHIM_TWICE, SHIM_DROP, SHIM_FORGET_CHANNEL, SHIM_KEEP_BLOCKING } shim_bug;

static void shim_free(shim *s)
{
    free(s->one_less);
    free(s->pre);
    free(s->last_blocked);
    free(s);
}

static int shim_open(bs_handler *h, const char *strategy, shim_bug bug)
{
    const bs_handler_config *cfg = bs_handler_cfg(h);
    shim *s = calloc(1, sizeof *s);
    if (!s)
        return BS_ENOMEM;
    s->outer = h;
    s->forget_overtaken = bug == SHIM_FORGET;
    s->early_release = bug == SHIM_EARLY;
    s->report_twice = bug == SHIM_TWICE;
    s->drop_first = bug == SHIM_DROP;
    s->forget_channel = bug == SHIM_FORGET_CHANNEL;
    s->keep_blocking = bug == SHIM_KEEP_BLOCKING;
    s->one_less = calloc(bs_chanset_words(cfg->channels), sizeof *s->one_less);
    s->last_blocked = calloc(bs_chanset_words(cfg->channels), sizeof *s->last_blocked);
    s->pre = calloc(cfg->channels, sizeof *s->pre);
    bool peek = (s->report_twice || s->drop_first) && bs_handler_gate_can_peek(h);
    bs_gate gate = {.ctx = s, .channels = cfg->channels, .next = shim_next, .next_priority = shim_next_priority,
                    .now_ns = shim_now, .wake_at = shim_wake_at, .peek = peek ? shim_peek : NULL};
    bs_listener lis = {.ctx = s, .begin = shim_begin, .unaligned = shim_unaligned, .trigger = shim_trigger,
                       .abort = shim_abort, .channel_state = shim_state, .done = shim_done};
    bs_handler_config inner = *cfg;
    inner.strategy = strategy;
    inner.ops = NULL;
    int rc = s->one_less && s->pre && s->last_blocked ? bs_handler_open(&s->inner, &inner, &gate, bs_handler_io(h), &lis)
                                                       : BS_ENOMEM;
    if (rc) {
        shim_free(s);
        return rc;
    }
    bs_handler_set_state(h, s);
    return 0;
}

static int shim_handler_next(bs_handler *h, bs_item *out)
{
    shim *s = bs_handler_state(h);
    int rc = bs_handler_next(s->inner, out);
    if (rc == BS_EAGAIN && s->have_early) {
        *out = s->early;
        s->have_early = false;
        return 1;
    }
    if (rc == 1 && out->kind == BS_DATA && s->report_twice && s->pre[out->channel] > 0) {
        s->pre[out->channel]--;
        bs_handler_channel_state(s->outer, s->last_cs, out); /* the bug */
    }
    return rc;
}

static int shim_close(bs_handler *h)
{
    shim *s = bs_handler_state(h);
    int rc = bs_handler_close(s->inner, NULL, 0);
    shim_free(s);
    return rc;
}

/* State capture: magic, the last blocked set, the peek counts, the last report's id, then
 * the inner handler's snapshot. */
#define SHIM_SNAP_MAGIC 0x31766d696873ull /* "shimv1" */

static int shim_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    const shim *s = bs_handler_state(h);
    uint32_t channels = bs_handler_cfg(h)->channels;
    if (s->have_early)
        return BS_EINVAL; /* never between calls */
    int rc = bs_buf_put_u64(out, SHIM_SNAP_MAGIC);
    for (size_t w = 0; w < bs_chanset_words(channels) && !rc; w++)
        rc = bs_buf_put_u64(out, s->last_blocked[w]);
    for (uint32_t c = 0; c < channels && !rc; c++)
        rc = bs_buf_put_u64(out, s->pre[c]);
    rc = rc ? rc : bs_buf_put_u64(out, s->last_cs);
    uint64_t held[] = {s->have_held, s->held.kind, s->held.channel, s->held.id, s->held.timestamp, s->switched};
    for (size_t i = 0; i < 6 && !rc; i++)
        rc = bs_buf_put_u64(out, held[i]);
    /* the shim's own bugs are not covered by the inner strategy's argument for merging
     * arrival orders (BS_SNAP_MERGE_ORDERS): it does not pass that request on */
    return rc ? rc : bs_handler_snapshot(s->inner, flags & ~BS_SNAP_MERGE_ORDERS, out);
}

static int shim_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    shim *s = bs_handler_state(h);
    uint32_t channels = bs_handler_cfg(h)->channels;
    bs_cursor c = {snap, len, 0};
    uint64_t v;
    if (!bs_cursor_get_u64(&c, &v) || v != SHIM_SNAP_MAGIC)
        return BS_ESTATE;
    for (size_t w = 0; w < bs_chanset_words(channels); w++)
        if (!bs_cursor_get_u64(&c, &s->last_blocked[w]))
            return BS_ESTATE;
    for (uint32_t ch = 0; ch < channels; ch++) {
        if (!bs_cursor_get_u64(&c, &v) || v > UINT32_MAX)
            return BS_ESTATE;
        s->pre[ch] = (uint32_t)v;
    }
    uint64_t held[6];
    if (!bs_cursor_get_u64(&c, &s->last_cs))
        return BS_ESTATE;
    for (size_t i = 0; i < 6; i++)
        if (!bs_cursor_get_u64(&c, &held[i]))
            return BS_ESTATE;
    if (held[0] > 1 || held[1] > BS_EOP || held[2] >= channels)
        return BS_ESTATE;
    s->have_held = held[0];
    s->switched = held[5];
    s->held = (bs_item){.kind = (bs_kind)held[1], .channel = (uint32_t)held[2], .id = held[3], .timestamp = held[4]};
    s->have_early = false;
    return bs_handler_restore(s->inner, snap + c.pos, len - c.pos);
}

static bool shim_is_empty(const bs_handler *h) { (void)h; return true; }

static int open_forget(bs_handler *h) { return shim_open(h, "unaligned", SHIM_FORGET); }
static int open_early(bs_handler *h) { return shim_open(h, "block", SHIM_EARLY); }
static int open_twice(bs_handler *h) { return shim_open(h, "unaligned", SHIM_TWICE); }
static int open_drop(bs_handler *h) { return shim_open(h, "unaligned", SHIM_DROP); }
static int open_forget_channel(bs_handler *h) { return shim_open(h, "unaligned", SHIM_FORGET_CHANNEL); }
static int open_keep_blocking(bs_handler *h) { return shim_open(h, "aligned-timeout", SHIM_KEEP_BLOCKING); }

#define SHIM_OPS .next = shim_handler_next, .close = shim_close, .is_empty = shim_is_empty, \
                 .snapshot = shim_snapshot, .restore = shim_restore

static bs_strategy planted_comparison[PLANT_COMPARISON_COUNT] = {
    {.name = "planted-unaligned-forget-overtaken", .open = open_forget, SHIM_OPS},
    {.name = "planted-block-early-release", .open = open_early, SHIM_OPS},
    {.name = "planted-unaligned-report-twice", .open = open_twice, SHIM_OPS},
    {.name = "planted-unaligned-drop-pre-report", .open = open_drop, SHIM_OPS},
    {.name = "planted-unaligned-lose-state", .open = open_forget_channel, SHIM_OPS},
    {.name = "planted-timeout-keeps-blocks", .open = open_keep_blocking, SHIM_OPS},
};

static const char *const planted_comparison_bases[PLANT_COMPARISON_COUNT] = {
    "unaligned", "block", "unaligned", "unaligned", "unaligned", "aligned-timeout",
};

/* Each shim claims what its base strategy claims: guarantee, overtaking, options. */
const bs_strategy *planted_comparison_strategy(plant_comparison_bug bug)
{
    bs_strategy *s = &planted_comparison[bug];
    const bs_strategy *base = bs_strategy_find(planted_comparison_bases[bug]);
    if (base && !s->options) {
        s->guarantee = base->guarantee;
        s->overtakes = base->overtakes;
        s->options = base->options;
        s->options_len = base->options_len;
    }
    return s;
}

const char *planted_comparison_base(plant_comparison_bug bug)
{
    return planted_comparison_bases[bug];
}
