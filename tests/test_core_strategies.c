/*
 * test_core_strategies.c: the strategy table (core/strategies.c: guarantee names, option
 * lookup, descriptor checks) and strategy behaviours the scenario suites cannot see
 * from a trace: bs_handler_is_empty during a replay, what one bs_handler_poll_priority
 * call consumes, a channel-state file that cannot be removed at close, a gate that peeks
 * fewer overtaken items than it announced, the tracker's bookkeeping of a checkpoint
 * cancelled on every channel and of an eop on a channel of the second bitset word.
 * Input comes from a small gate over a list of items (arrival order) with an optional
 * priority read and peek, as barriersim.h specifies them.
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../core/bs_strategy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the strategy table ------------------------------------------------------------- */

BS_TEST(core_strategies, guarantees_have_their_names)
{
    cr_assert_str_eq(bs_guarantee_name(BS_GUARANTEE_EXACTLY_ONCE), "exactly-once");
    cr_assert_str_eq(bs_guarantee_name(BS_GUARANTEE_AT_LEAST_ONCE), "at-least-once");
    cr_assert_str_eq(bs_guarantee_name(BS_GUARANTEES), "?");
    cr_assert_str_eq(bs_guarantee_name((bs_guarantee)-1), "?");
    cr_assert_str_eq(bs_guarantee_name(bs_strategy_find("tracker")->guarantee), "at-least-once");
}

BS_TEST(core_strategies, an_option_is_found_by_either_name_and_only_by_them)
{
    const bs_strategy *spill = bs_strategy_find("spill"), *at = bs_strategy_find("aligned-timeout");
    cr_assert_not_null(spill);
    cr_assert_not_null(at);
    const bs_option *o = bs_strategy_option(spill, "max-buffered-bytes");
    cr_assert_not_null(o);
    cr_assert_eq(o->slot, BS_OPT_MAX_BUFFERED_BYTES);
    cr_assert_null(bs_strategy_option(spill, "alignment-timeout"));
    cr_assert_null(bs_strategy_option(spill, "max-buffered"));
    cr_assert_null(bs_strategy_option(spill, ""));
    cr_assert_null(bs_strategy_option(spill, NULL));
    cr_assert_eq(bs_strategy_option(at, "alignment-timeout"), bs_strategy_option(at, "alignment-timeout-ns"));
    cr_assert_not_null(bs_strategy_option(at, "alignment-timeout-ns"));
    cr_assert_null(bs_strategy_option(at, "max-buffered-bytes"));
    cr_assert_null(bs_strategy_option(bs_strategy_find("tracker"), "max-buffered-bytes"), "no options at all");
}

static int t_open(bs_handler *h) { (void)h; return 0; }
static int t_next(bs_handler *h, bs_item *out) { (void)h; (void)out; return 0; }
static int t_close(bs_handler *h) { (void)h; return 0; }
static bool t_is_empty(const bs_handler *h) { (void)h; return true; }

static const bs_option good_opt = {"o", NULL, "ns", 1, 10, 0, BS_OPT_ALIGNMENT_TIMEOUT_NS, "help"};

static bs_strategy good_strategy(void)
{
    return (bs_strategy){.name = "t", .open = t_open, .next = t_next, .close = t_close, .is_empty = t_is_empty,
                         .options = &good_opt, .options_len = 1};
}

/* Each required callback missing on its own is a problem; every option row is checked,
 * the first one included. */
BS_TEST(core_strategies, each_missing_callback_and_each_bad_option_is_a_problem)
{
    bs_strategy s = good_strategy();
    cr_assert_null(bs_strategy_problem(&s), "%s", bs_strategy_problem(&s));
    static const char missing[] = "a strategy without open, next, close or is_empty";
    for (int k = 0; k < 4; k++) {
        s = good_strategy();
        if (k == 0) s.open = NULL;
        if (k == 1) s.next = NULL;
        if (k == 2) s.close = NULL;
        if (k == 3) s.is_empty = NULL;
        cr_assert_str_eq(bs_strategy_problem(&s), missing, "callback %d missing", k);
    }
    bs_option bad[2] = {good_opt, good_opt};
    bad[1].slot = BS_OPT_MAX_BUFFERED_BYTES;
    s = good_strategy();
    s.options = bad;
    s.options_len = 2;
    cr_assert_null(bs_strategy_problem(&s));
    bad[0].name = NULL;
    cr_assert_str_eq(bs_strategy_problem(&s), "an option without a name, unit or help text", "the first row");
    bad[0] = good_opt;
    bad[0].min = 11;
    cr_assert_str_eq(bs_strategy_problem(&s), "an option whose default or minimum is outside its range");
    bad[0] = good_opt;
    bad[1].help = NULL;
    cr_assert_str_eq(bs_strategy_problem(&s), "an option without a name, unit or help text", "the second row");
}

/* ---- a gate over a list ------------------------------------------------------------- */

#define LG_MAX 32
typedef struct list_gate {
    bs_item items[LG_MAX];
    bool taken[LG_MAX];
    size_t n;
    bool peek_short; /* peek shows nothing (a gate that breaks its own count) */
    bool more;       /* once every item is taken: BS_EAGAIN (more to come), not the end */
} list_gate;

static const uint8_t pay[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* "0:d 0:b1 1:x2 1:eop": channel:kind, d data (8 bytes), bK barrier, xK cancel, eop */
static void lg_load(list_gate *g, const char *text)
{
    memset(g, 0, sizeof *g);
    const char *p = text;
    while (*p) {
        unsigned ch;
        char kind[8];
        int used;
        cr_assert_eq(sscanf(p, "%u:%7s%n", &ch, kind, &used), 2, "at '%s'", p);
        cr_assert_lt(g->n, LG_MAX);
        bs_item *it = &g->items[g->n++];
        memset(it, 0, sizeof *it);
        it->channel = ch;
        if (strcmp(kind, "d") == 0) {
            it->kind = BS_DATA;
            it->len = sizeof pay;
            it->data = pay;
        } else if (strcmp(kind, "eop") == 0) {
            it->kind = BS_EOP;
        } else {
            it->kind = kind[0] == 'b' ? BS_BARRIER : BS_CANCEL;
            it->id = strtoull(kind + 1, NULL, 10);
        }
        p += used;
        while (*p == ' ')
            p++;
    }
}

static int lg_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    list_gate *g = ctx;
    for (size_t i = 0; i < g->n; i++) {
        if (g->taken[i] || (blocked && bs_chanset_has(blocked, g->items[i].channel)))
            continue;
        g->taken[i] = true;
        *out = g->items[i];
        out->overtaken = 0;
        return 1;
    }
    for (size_t i = 0; i < g->n; i++)
        if (!g->taken[i])
            return BS_EAGAIN;
    return g->more ? BS_EAGAIN : 0;
}

/* The earliest queued marker with no older marker or eop queued on its channel. */
static int lg_next_priority(void *ctx, const uint64_t *blocked, bs_item *out)
{
    list_gate *g = ctx;
    for (size_t i = 0; i < g->n; i++) {
        bs_item *it = &g->items[i];
        if (g->taken[i] || (it->kind != BS_BARRIER && it->kind != BS_CANCEL) ||
            (blocked && bs_chanset_has(blocked, it->channel)))
            continue;
        uint32_t data = 0;
        bool held = false;
        for (size_t k = 0; k < i; k++) {
            if (g->taken[k] || g->items[k].channel != it->channel)
                continue;
            if (g->items[k].kind == BS_DATA)
                data++;
            else
                held = true;
        }
        if (held)
            continue;
        g->taken[i] = true;
        *out = *it;
        out->overtaken = data;
        return 1;
    }
    return 0;
}

static int lg_peek(void *ctx, uint32_t channel, uint32_t i, bs_item *out)
{
    list_gate *g = ctx;
    if (g->peek_short)
        return 0;
    for (size_t k = 0; k < g->n; k++) {
        if (g->taken[k] || g->items[k].channel != channel)
            continue;
        if (g->items[k].kind != BS_DATA)
            return 0;
        if (i-- == 0) {
            *out = g->items[k];
            return 1;
        }
    }
    return 0;
}

static size_t lg_markers_left(const list_gate *g)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        n += !g->taken[i] && (g->items[i].kind == BS_BARRIER || g->items[i].kind == BS_CANCEL);
    return n;
}

typedef struct events {
    char text[512];
} events;

static void ev_add(events *e, const char *fmt, uint64_t id)
{
    char one[64];
    snprintf(one, sizeof one, fmt, (unsigned long long)id);
    size_t n = strlen(e->text);
    snprintf(e->text + n, sizeof e->text - n, "%s%s", n ? " " : "", one);
}
static void ev_trigger(void *ctx, uint64_t id) { ev_add(ctx, "t%llu", id); }
static void ev_done(void *ctx, uint64_t id) { ev_add(ctx, "d%llu", id); }
static void ev_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    ev_add(ctx, why == BS_ABORT_CANCELLED ? "a%llu:cancelled" : "a%llu:other", id);
}

/* For strategies that write no file (the tracker): memory files, never opened. */
static const bs_io *no_files(void)
{
    static bs_io io;
    static bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    return &io;
}

/* A handler of `strategy` over the gate, with memory files behind `io`. */
static bs_handler *open_on(const char *strategy, uint32_t channels, list_gate *g, bool priority, bool peek,
                           const bs_io *io, events *ev)
{
    bs_gate gate = {.ctx = g, .channels = channels, .next = lg_next};
    if (priority)
        gate.next_priority = lg_next_priority;
    if (peek)
        gate.peek = lg_peek;
    bs_listener l = {.ctx = ev, .trigger = ev_trigger, .abort = ev_abort, .done = ev_done};
    bs_handler_config cfg = {.strategy = strategy, .channels = channels, .quiet = true};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, io, &l), 0);
    return h;
}

/* ---- spill and tracker: is_empty --------------------------------------------------- */

/* A replay in progress is buffered data even when no spill file is being written. */
BS_TEST(core_strategies, spill_is_not_empty_while_it_replays)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate g;
    lg_load(&g, "0:b1 0:d 0:d 1:b1 1:d");
    events ev = {""};
    bs_handler *h = open_on("spill", 2, &g, false, false, &io, &ev);
    cr_assert(bs_handler_is_empty(h));
    bs_item it;
    cr_assert_eq(bs_handler_next(h, &it), 1); /* the first replayed 0:d, after t1 */
    cr_assert_str_eq(ev.text, "t1");
    cr_assert_eq(it.channel, 0);
    cr_assert_not(bs_handler_is_empty(h), "one replayed item is still to come");
    cr_assert_eq(bs_handler_next(h, &it), 1);
    cr_assert_eq(it.channel, 0);
    cr_assert_eq(bs_handler_next(h, &it), 1);
    cr_assert_eq(it.channel, 1);
    cr_assert(bs_handler_is_empty(h), "the replay is over");
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}

BS_TEST(core_strategies, the_tracker_never_holds_data)
{
    list_gate g;
    lg_load(&g, "0:b1 0:d 1:d");
    events ev = {""};
    bs_handler *h = open_on("tracker", 2, &g, false, false, no_files(), &ev);
    cr_assert(bs_handler_is_empty(h));
    bs_item it;
    cr_assert_eq(bs_handler_next(h, &it), 1);
    cr_assert(bs_handler_is_empty(h), "an open checkpoint holds nothing back");
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
}

/* ---- tracker bookkeeping ------------------------------------------------------------ */

/* Snapshot layout (tracker.c): 6 u64s, the open set, then per pending checkpoint its id,
 * aborted flag and set: the number of pending checkpoints is the 6th u64. */
static uint64_t tracker_pending(const bs_handler *h)
{
    bs_buf b = {0};
    cr_assert_eq(bs_handler_snapshot(h, 0, &b), 0);
    uint64_t v = 0;
    bs_cursor c = {b.p, b.len, 40};
    cr_assert(bs_cursor_get_u64(&c, &v));
    bs_buf_free(&b);
    return v;
}

/* A checkpoint cancelled on every channel is over: nothing stays pending. */
BS_TEST(core_strategies, a_checkpoint_cancelled_on_every_channel_is_no_longer_pending)
{
    list_gate g;
    lg_load(&g, "0:b1 1:x1 0:d 0:x2 1:x2 1:d");
    events ev = {""};
    bs_handler *h = open_on("tracker", 2, &g, false, false, no_files(), &ev);
    bs_item it;
    cr_assert_eq(bs_handler_next(h, &it), 1);
    cr_assert_str_eq(ev.text, "a1:cancelled");
    cr_assert_eq(tracker_pending(h), 0);
    cr_assert_eq(bs_handler_next(h, &it), 1);
    cr_assert_str_eq(ev.text, "a1:cancelled a2:cancelled");
    cr_assert_eq(tracker_pending(h), 0);
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
}

/* An eop on channel 63 of 128 closes channel 63 (bit 63 of the first word), not 127: the
 * barrier of every other channel then completes the checkpoint, and only then. */
BS_TEST(core_strategies, the_tracker_closes_the_channel_an_eop_came_on_past_the_first_word)
{
    static list_gate g;
    memset(&g, 0, sizeof g);
    g.more = true;
    events ev = {""};
    bs_gate gate = {.ctx = &g, .channels = 128, .next = lg_next};
    bs_listener l = {.ctx = &ev, .trigger = ev_trigger, .abort = ev_abort, .done = ev_done};
    bs_handler_config cfg = {.strategy = "tracker", .channels = 128};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, no_files(), &l), 0);
    bs_item it;
    g.items[0] = (bs_item){.kind = BS_EOP, .channel = 63};
    g.n = 1;
    cr_assert_eq(bs_handler_next(h, &it), 1);
    cr_assert_eq(it.kind, BS_EOP);
    for (uint32_t c = 0; c < 128; c++) {
        if (c == 63)
            continue;
        g.items[0] = (bs_item){.kind = BS_BARRIER, .channel = c, .id = 1};
        g.taken[0] = false;
        cr_assert_eq(bs_handler_next(h, &it), BS_EAGAIN);
        cr_assert_str_eq(ev.text, c == 127 ? "t1" : "", "after the barrier of channel %u: '%s'", c, ev.text);
    }
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
}

/* ---- unaligned: priority reads, peek, close ----------------------------------------- */

/* One poll consumes every marker the priority read yields, not just the first. */
BS_TEST(core_strategies, one_priority_poll_consumes_every_queued_marker)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate g;
    lg_load(&g, "0:d 0:b1 1:d 1:b1 0:d 0:b2 0:eop 1:eop");
    events ev = {""};
    bs_handler *h = open_on("unaligned", 2, &g, true, true, &io, &ev);
    cr_assert_eq(bs_handler_poll_priority(h), 0);
    cr_assert_eq(lg_markers_left(&g), 0, "%zu markers left", lg_markers_left(&g));
    cr_assert_str_eq(ev.text, "t1 d1 t2");
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}

/* A gate whose peek shows fewer data items than the barrier overtook is an input-gate
 * error that stops the handler. */
BS_TEST(core_strategies, a_peek_short_of_the_overtaken_count_is_a_gate_error)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate g;
    lg_load(&g, "0:d 0:d 0:b1 1:b1");
    g.peek_short = true;
    events ev = {""};
    bs_handler *h = open_on("unaligned", 2, &g, true, true, &io, &ev);
    cr_assert_eq(bs_handler_poll_priority(h), BS_EINVAL);
    cr_assert_str_eq(bs_handler_errmsg(h), "input gate: channel 0 shows 0 of the 2 data items its barrier 1 overtook");
    bs_item it;
    cr_assert_eq(bs_handler_next(h, &it), BS_EINVAL, "the error is sticky");
    bs_handler_close(h, NULL, 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}

/* Memory files whose unlink fails with EACCES while `deny` is set. */
typedef struct deny_io {
    bs_io inner;
    bool deny;
} deny_io;
static int d_open(void *c, uint64_t no, bs_file *f) { deny_io *d = c; return d->inner.open(d->inner.ctx, no, f); }
static long d_write(void *c, bs_file *f, const void *b, size_t n)
{
    deny_io *d = c;
    return d->inner.write(d->inner.ctx, f, b, n);
}
static long d_read(void *c, bs_file *f, uint64_t off, void *b, size_t n)
{
    deny_io *d = c;
    return d->inner.read(d->inner.ctx, f, off, b, n);
}
static int d_close(void *c, bs_file *f) { deny_io *d = c; return d->inner.close(d->inner.ctx, f); }
static int d_unlink(void *c, bs_file *f)
{
    deny_io *d = c;
    return d->deny ? -EACCES : d->inner.unlink(d->inner.ctx, f);
}

/* A channel-state file that cannot be removed makes close report the error. */
BS_TEST(core_strategies, unaligned_close_reports_a_channel_state_file_it_cannot_remove)
{
    bs_io mem_io;
    bs_io_mem mem;
    bs_io_mem_init(&mem_io, &mem);
    deny_io d = {mem_io, false};
    bs_io io = {&d, d_open, d_write, d_read, d_close, d_unlink};
    list_gate g;
    lg_load(&g, "0:d 0:b1 1:d");
    events ev = {""};
    bs_handler *h = open_on("unaligned", 2, &g, true, true, &io, &ev);
    cr_assert_eq(bs_handler_poll_priority(h), 0);
    cr_assert_str_eq(ev.text, "t1");
    cr_assert_eq(bs_io_mem_live(&mem), 1, "the overtaken 0:d is channel state, in a file");
    d.deny = true;
    char msg[200];
    cr_assert_eq(bs_handler_close(h, msg, sizeof msg), BS_EIO);
    char want[200];
    snprintf(want, sizeof want, "spill file 1: unlink: %s", strerror(EACCES));
    cr_assert_str_eq(msg, want);
    bs_io_mem_close(&mem);
}
