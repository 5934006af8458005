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
 */
#include "planted.h"

#include <stdlib.h>
#include <string.h>

typedef struct shim {
    bs_handler *outer, *inner;
    bool forget_overtaken, early_release, report_twice, drop_first;
    uint32_t *pre;                /* report_twice: per channel, items shown by peek, unread */
    uint64_t last_cs;             /* the checkpoint of the last channel-state report */
    const uint8_t *first_peeked;  /* drop_first: the payload peek index 0 showed last */
    uint64_t *one_less;           /* the blocked set without its lowest channel */
    bs_item early;                /* data read early from a blocked channel */
    bool have_early;
} shim;

static int shim_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    shim *s = ctx;
    if (!s->early_release || !blocked)
        return bs_handler_gate_next(s->outer, blocked, out);
    uint32_t channels = bs_handler_cfg(s->outer)->channels, low = channels;
    for (uint32_t c = 0; c < channels && low == channels; c++)
        if (bs_chanset_has(blocked, c))
            low = c;
    memcpy(s->one_less, blocked, bs_chanset_words(channels) * sizeof *blocked);
    s->one_less[low / 64] &= ~((uint64_t)1 << (low % 64));
    int rc = bs_handler_gate_next(s->outer, s->one_less, out);
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
static void shim_unaligned(void *ctx, uint64_t id) { shim *s = ctx; bs_handler_unaligned(s->outer, id); }
static void shim_trigger(void *ctx, uint64_t id) { shim *s = ctx; bs_handler_trigger(s->outer, id); }
static void shim_done(void *ctx, uint64_t id) { shim *s = ctx; bs_handler_done(s->outer, id); }
static void shim_abort(void *ctx, uint64_t id, bs_abort_reason why) { shim *s = ctx; bs_handler_abort(s->outer, id, why); }
static void shim_state(void *ctx, uint64_t id, const bs_item *d)
{
    shim *s = ctx;
    s->last_cs = id;
    if (s->drop_first && s->first_peeked && d->data == s->first_peeked) {
        s->first_peeked = NULL;
        return; /* the bug */
    }
    bs_handler_channel_state(s->outer, id, d);
}

typedef enum shim_bug { SHIM_FORGET, SHIM_EARLY, SHIM_TWICE, SHIM_DROP } shim_bug;

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
    s->one_less = calloc(bs_chanset_words(cfg->channels), sizeof *s->one_less);
    s->pre = calloc(cfg->channels, sizeof *s->pre);
    bool peek = (s->report_twice || s->drop_first) && bs_handler_gate_can_peek(h);
    bs_gate gate = {.ctx = s, .channels = cfg->channels, .next = shim_next, .next_priority = shim_next_priority,
                    .now_ns = shim_now, .wake_at = shim_wake_at, .peek = peek ? shim_peek : NULL};
    bs_listener lis = {.ctx = s, .begin = shim_begin, .unaligned = shim_unaligned, .trigger = shim_trigger,
                       .abort = shim_abort, .channel_state = shim_state, .done = shim_done};
    bs_handler_config inner = *cfg;
    inner.strategy = strategy;
    inner.ops = NULL;
    int rc = s->one_less && s->pre ? bs_handler_open(&s->inner, &inner, &gate, bs_handler_io(h), &lis) : BS_ENOMEM;
    if (rc) {
        free(s->one_less);
        free(s->pre);
        free(s);
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
    free(s->one_less);
    free(s->pre);
    free(s);
    return rc;
}

static bool shim_is_empty(const bs_handler *h) { (void)h; return true; }

static int open_forget(bs_handler *h) { return shim_open(h, "unaligned", SHIM_FORGET); }
static int open_early(bs_handler *h) { return shim_open(h, "block", SHIM_EARLY); }
static int open_twice(bs_handler *h) { return shim_open(h, "unaligned", SHIM_TWICE); }
static int open_drop(bs_handler *h) { return shim_open(h, "unaligned", SHIM_DROP); }

static const bs_strategy planted_comparison[] = {
    {.name = "planted-unaligned-forget-overtaken", .open = open_forget, .next = shim_handler_next,
     .close = shim_close, .is_empty = shim_is_empty},
    {.name = "planted-block-early-release", .open = open_early, .next = shim_handler_next,
     .close = shim_close, .is_empty = shim_is_empty},
    {.name = "planted-unaligned-report-twice", .open = open_twice, .next = shim_handler_next,
     .close = shim_close, .is_empty = shim_is_empty},
    {.name = "planted-unaligned-drop-pre-report", .open = open_drop, .next = shim_handler_next,
     .close = shim_close, .is_empty = shim_is_empty},
};

const bs_strategy *planted_comparison_strategy(plant_comparison_bug bug)
{
    return &planted_comparison[bug];
}
