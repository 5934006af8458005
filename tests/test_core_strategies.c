/*
 * test_core_strategies.c: the strategy table (core/strategies.c: guarantee names, option
 * lookup, descriptor checks) and strategy behaviours the scenario suites cannot see
 * from a trace: bs_handler_is_empty during a replay, what one bs_handler_poll_priority
 * call consumes, a channel-state file that cannot be removed at close, a gate that peeks
 * fewer overtaken items than it announced, the tracker's bookkeeping of a checkpoint
 * cancelled on every channel and of an eop on a channel of the second bitset word.
 * Input comes from tests/list_gate.c (a list of items with an optional priority read and
 * peek).
 */
#include "bs_test.h"
#include "list_gate.h"

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

/* The name: none at all, a NULL one or an empty one are problems (each on its own: the
 * mutants that joined these tests with && survived); an option's range may be a single
 * value (min = max), but not an empty one. */
BS_TEST(core_strategies, a_missing_or_empty_name_is_a_problem_and_a_one_value_range_is_not)
{
    static const char unnamed[] = "a strategy without a name";
    cr_assert_str_eq(bs_strategy_problem(NULL), unnamed);
    bs_strategy s = good_strategy();
    s.name = NULL;
    cr_assert_str_eq(bs_strategy_problem(&s), unnamed, "a NULL name");
    s.name = "";
    cr_assert_str_eq(bs_strategy_problem(&s), unnamed, "an empty name");
    bs_option one = good_opt;
    one.min = one.max = 5;
    one.def = 5;
    s = good_strategy();
    s.options = &one;
    cr_assert_null(bs_strategy_problem(&s), "min = max = default 5: %s", bs_strategy_problem(&s));
    one.max = 4;
    one.def = 0;
    cr_assert_str_eq(bs_strategy_problem(&s), "an option whose default or minimum is outside its range");
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
    lg_events ev = {""};
    bs_handler *h = lg_open("spill", 2, &g, false, false, &io, &ev);
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
    lg_events ev = {""};
    bs_handler *h = lg_open("tracker", 2, &g, false, false, lg_no_files(), &ev);
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
    lg_events ev = {""};
    bs_handler *h = lg_open("tracker", 2, &g, false, false, lg_no_files(), &ev);
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
    lg_events ev = {""};
    bs_gate gate = {.ctx = &g, .channels = 128, .next = lg_next};
    bs_listener l = lg_listener(&ev);
    bs_handler_config cfg = {.strategy = "tracker", .channels = 128};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, lg_no_files(), &l), 0);
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
    lg_events ev = {""};
    bs_handler *h = lg_open("unaligned", 2, &g, true, true, &io, &ev);
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
    lg_events ev = {""};
    bs_handler *h = lg_open("unaligned", 2, &g, true, true, &io, &ev);
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
    lg_events ev = {""};
    bs_handler *h = lg_open("unaligned", 2, &g, true, true, &io, &ev);
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
