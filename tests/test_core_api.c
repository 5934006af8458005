/*
 * test_core_api.c: the public contract of core/barriersim.h that the scenario, fuzz and
 * check suites never reach: configuration checks at open, the sticky error and its
 * message, close's message, the error and abort-reason names, snapshot buffers and
 * cursors at their bounds, and strategies without state capture. Each test pins one rule;
 * together they kill the mutants of handler.c, error.c and buf.c that `make mutate` found
 * surviving (docs/testing.md).
 */
#include "bs_test.h"

#include "../core/bs_strategy.h"

#include <stdint.h>
#include <string.h>

/* A gate over a fixed list of items on channel 0, then an error or the end. */
typedef struct list_gate {
    const bs_item *items;
    size_t len, pos;
    int end_rc;      /* what next() returns after the items: 0, BS_EAGAIN, BS_EIO, ... */
    unsigned calls;  /* next() calls */
} list_gate;

static int list_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    (void)blocked;
    list_gate *g = ctx;
    g->calls++;
    if (g->pos < g->len) {
        *out = g->items[g->pos++];
        return 1;
    }
    return g->end_rc;
}

static const uint8_t payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static bs_item data_item(uint32_t channel)
{
    return (bs_item){.kind = BS_DATA, .channel = channel, .len = sizeof payload, .data = payload};
}

static int open_with(bs_handler **h, const char *strategy, uint32_t channels, uint32_t page_size,
                     list_gate *lg, bs_io *io)
{
    bs_handler_config cfg = {.strategy = strategy, .channels = channels, .page_size = page_size};
    bs_gate gate = {.ctx = lg, .channels = channels, .next = list_next};
    return bs_handler_open(h, &cfg, &gate, io, NULL);
}

BS_TEST(core_api, open_checks_its_arguments_and_leaves_out_null)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate lg = {0};
    bs_gate gate = {.ctx = &lg, .channels = 1, .next = list_next};
    bs_handler_config cfg = {.strategy = "spill", .channels = 1};
    bs_handler *h = (bs_handler *)&lg; /* not NULL: open must clear it */
    cr_assert_eq(bs_handler_open(&h, NULL, &gate, &io, NULL), BS_EINVAL);
    cr_assert_null(h);
    h = (bs_handler *)&lg;
    cr_assert_eq(bs_handler_open(&h, &cfg, NULL, &io, NULL), BS_EINVAL);
    cr_assert_null(h);
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, NULL, NULL), BS_EINVAL);
    cfg.strategy = "no-such-strategy";
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, &io, NULL), BS_EINVAL);
    cr_assert_null(h);
    bs_io_mem_close(&mem);
}

BS_TEST(core_api, channels_run_from_1_to_the_maximum)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    for (size_t i = 0; bs_strategy_name(i); i++) {
        const char *s = bs_strategy_name(i);
        list_gate lg = {0};
        bs_handler *h;
        cr_assert_eq(open_with(&h, s, 0, 0, &lg, &io), BS_EINVAL, "%s: 0 channels", s);
        cr_assert_eq(open_with(&h, s, BS_CHANNELS_MAX + 1, 0, &lg, &io), BS_EINVAL, "%s", s);
        cr_assert_eq(open_with(&h, s, 1, 0, &lg, &io), 0, "%s: 1 channel", s);
        cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
        cr_assert_eq(open_with(&h, s, BS_CHANNELS_MAX, 0, &lg, &io), 0, "%s: the maximum", s);
        cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    }
    bs_io_mem_close(&mem);
}

BS_TEST(core_api, the_page_size_is_0_for_the_default_or_at_least_8)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate lg = {0};
    bs_handler *h;
    cr_assert_eq(open_with(&h, "spill", 2, 7, &lg, &io), BS_EINVAL);
    cr_assert_eq(open_with(&h, "spill", 2, 8, &lg, &io), 0);
    cr_assert_eq(bs_handler_cfg(h)->page_size, 8);
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    cr_assert_eq(open_with(&h, "spill", 2, 0, &lg, &io), 0);
    cr_assert_eq(bs_handler_cfg(h)->page_size, BS_PAGE_SIZE_DEFAULT);
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    bs_io_mem_close(&mem);
}

/* A gate error stops every strategy: the same error again, the gate not asked again, and
 * the message names the gate. Nothing after the error is read. */
BS_TEST(core_api, a_gate_error_is_sticky_and_named)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    for (size_t i = 0; bs_strategy_name(i); i++) {
        const char *s = bs_strategy_name(i);
        bs_item items[1] = {data_item(0)};
        list_gate lg = {.items = items, .len = 1, .end_rc = BS_EIO};
        bs_handler *h;
        cr_assert_eq(open_with(&h, s, 1, 0, &lg, &io), 0);
        cr_assert_str_eq(bs_handler_errmsg(h), "");
        bs_item out;
        cr_assert_eq(bs_handler_next(h, &out), 1, "%s", s);
        cr_assert_eq(bs_handler_next(h, &out), BS_EIO, "%s", s);
        unsigned calls = lg.calls;
        cr_assert_str_eq(bs_handler_errmsg(h), "input gate: I/O error", "%s: %s", s, bs_handler_errmsg(h));
        lg.end_rc = 0; /* the gate would now end the input: the handler must not ask */
        cr_assert_eq(bs_handler_next(h, &out), BS_EIO, "%s: not sticky", s);
        cr_assert_eq(bs_handler_poll_priority(h), BS_EIO, "%s", s);
        cr_assert_eq(lg.calls, calls, "%s: the gate was read after the error", s);
        cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    }
    bs_io_mem_close(&mem);
}

/* BS_EAGAIN is no error: the handler is not stopped and reads on when input comes. */
BS_TEST(core_api, nothing_available_now_does_not_stop_the_handler)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    for (size_t i = 0; bs_strategy_name(i); i++) {
        const char *s = bs_strategy_name(i);
        bs_item items[2] = {data_item(0), data_item(0)};
        list_gate lg = {.items = items, .len = 1, .end_rc = BS_EAGAIN};
        bs_handler *h;
        cr_assert_eq(open_with(&h, s, 1, 0, &lg, &io), 0);
        bs_item out;
        cr_assert_eq(bs_handler_next(h, &out), 1, "%s", s);
        cr_assert_eq(bs_handler_next(h, &out), BS_EAGAIN, "%s", s);
        cr_assert_str_eq(bs_handler_errmsg(h), "", "%s: %s", s, bs_handler_errmsg(h));
        cr_assert_eq(bs_handler_poll_priority(h), 0, "%s", s);
        lg.len = 2;
        lg.end_rc = 0;
        cr_assert_eq(bs_handler_next(h, &out), 1, "%s: stopped by EAGAIN", s);
        cr_assert_eq(out.kind, BS_DATA);
        cr_assert_eq(bs_handler_next(h, &out), 0, "%s", s);
        cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    }
    bs_io_mem_close(&mem);
}

BS_TEST(core_api, close_accepts_null_and_reports_nothing_when_clean)
{
    cr_assert_eq(bs_handler_close(NULL, NULL, 0), 0);
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate lg = {0};
    bs_handler *h;
    cr_assert_eq(open_with(&h, "spill", 1, 0, &lg, &io), 0);
    char msg[64] = "untouched";
    cr_assert_eq(bs_handler_close(h, msg, sizeof msg), 0);
    cr_assert_str_eq(msg, "untouched");
    bs_io_mem_close(&mem);
}

BS_TEST(core_api, every_error_code_and_abort_reason_has_its_name)
{
    cr_assert_str_eq(bs_strerror(BS_OK), "ok");
    cr_assert_str_eq(bs_strerror(BS_EIO), "I/O error");
    cr_assert_str_eq(bs_strerror(BS_ECORRUPT), "corrupt spill file");
    cr_assert_str_eq(bs_strerror(BS_ENOMEM), "out of memory");
    cr_assert_str_eq(bs_strerror(BS_EINVAL), "invalid argument");
    cr_assert_str_eq(bs_strerror(BS_EAGAIN), "nothing available now");
    cr_assert_str_eq(bs_strerror(BS_ESTATE), "snapshot does not fit this handler");
    cr_assert_str_eq(bs_strerror(BS_ESTOPPED), "stopped by the caller");
    cr_assert_str_eq(bs_strerror(-1000), "unknown error");
    cr_assert_str_eq(bs_abort_reason_name(BS_ABORT_SUBSUMED), "subsumed");
    cr_assert_str_eq(bs_abort_reason_name(BS_ABORT_CANCELLED), "cancelled");
    cr_assert_str_eq(bs_abort_reason_name(BS_ABORT_EOP), "eop");
    cr_assert_str_eq(bs_abort_reason_name(BS_ABORT_LIMIT), "limit");
    cr_assert_str_eq(bs_abort_reason_name(BS_ABORT_TIMEOUT), "timeout");
    cr_assert_str_eq(bs_abort_reason_name((bs_abort_reason)99), "unknown");
}

BS_TEST(core_api, buffers_grow_and_keep_every_byte)
{
    bs_buf b = {0};
    /* bytes and u64s interleaved past several doublings of the capacity */
    for (uint64_t i = 0; i < 300; i++) {
        uint8_t byte = (uint8_t)i;
        cr_assert_eq(bs_buf_put(&b, &byte, 1), 0);
        cr_assert_eq(bs_buf_put_u64(&b, i * 0x0101010101010101ull), 0);
        cr_assert_eq(bs_buf_put(&b, NULL, 0), 0);
    }
    cr_assert_eq(b.len, 300 * 9);
    cr_assert_geq(b.cap, b.len);
    bs_cursor c = {b.p, b.len, 0};
    for (uint64_t i = 0; i < 300; i++) {
        uint8_t byte;
        uint64_t v;
        cr_assert(bs_cursor_get(&c, &byte, 1));
        cr_assert_eq(byte, (uint8_t)i);
        cr_assert(bs_cursor_get_u64(&c, &v));
        cr_assert_eq(v, i * 0x0101010101010101ull);
        cr_assert(bs_cursor_get(&c, NULL, 0));
    }
    cr_assert_eq(c.pos, c.len);
    bs_buf_free(&b);
    cr_assert_null(b.p);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
}

BS_TEST(core_api, a_u64_is_little_endian_and_a_put_that_cannot_fit_is_refused)
{
    bs_buf b = {0};
    cr_assert_eq(bs_buf_put_u64(&b, 0x0807060504030201ull), 0);
    cr_assert_eq(b.len, 8);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(b.p[i], i + 1);
    cr_assert_eq(bs_buf_put(&b, b.p, SIZE_MAX / 2), BS_ENOMEM);
    cr_assert_eq(b.len, 8, "a refused put changed the buffer");
    bs_buf_free(&b);
}

BS_TEST(core_api, a_cursor_fails_past_the_end_and_does_not_move)
{
    const uint8_t bytes[12] = {1, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9};
    bs_cursor c = {bytes, sizeof bytes, 0};
    uint64_t v = 0;
    uint8_t four[4], five[5];
    cr_assert(bs_cursor_get_u64(&c, &v));
    cr_assert_eq(v, 1);
    cr_assert_not(bs_cursor_get_u64(&c, &v), "only 4 bytes remain");
    cr_assert_eq(c.pos, 8);
    cr_assert_not(bs_cursor_get(&c, five, 5));
    cr_assert_eq(c.pos, 8);
    cr_assert(bs_cursor_get(&c, four, 4), "exactly the bytes that remain");
    cr_assert_eq(c.pos, 12);
    cr_assert_eq(four[0], 9);
    cr_assert_not(bs_cursor_get(&c, four, 1));
    cr_assert(bs_cursor_get(&c, four, 0));
    bs_cursor e = {bytes, 7, 0};
    cr_assert_not(bs_cursor_get_u64(&e, &v), "7 bytes are no u64");
    cr_assert_eq(e.pos, 0);
}

/* A strategy registered from outside without state capture: snapshot and restore refuse. */
static int bare_open(bs_handler *h) { bs_handler_set_state(h, NULL); return 0; }
static int bare_next(bs_handler *h, bs_item *out)
{
    return bs_handler_gate_next(h, NULL, out);
}
static int bare_close(bs_handler *h) { (void)h; return 0; }
static bool bare_is_empty(const bs_handler *h) { (void)h; return true; }

BS_TEST(core_api, a_strategy_without_state_capture_refuses_snapshot_and_restore)
{
    static const bs_strategy bare = {.name = "bare", .open = bare_open, .next = bare_next,
                                     .close = bare_close, .is_empty = bare_is_empty};
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate lg = {0};
    bs_gate gate = {.ctx = &lg, .channels = 1, .next = list_next};
    bs_handler_config cfg = {.ops = &bare, .channels = 1};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, &io, NULL), 0);
    bs_buf b = {0};
    cr_assert_eq(bs_handler_snapshot(h, 0, &b), BS_EINVAL);
    cr_assert_eq(b.len, 0);
    uint8_t junk[8] = {0};
    cr_assert_eq(bs_handler_restore(h, junk, sizeof junk), BS_EINVAL);
    bs_item out;
    cr_assert_eq(bs_handler_next(h, &out), 0);
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    bs_io_mem_close(&mem);
}

/* Restoring a snapshot restarts a stopped handler: the error and its message are gone. */
BS_TEST(core_api, a_restore_clears_the_sticky_error)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    for (size_t i = 0; bs_strategy_name(i); i++) {
        const char *s = bs_strategy_name(i);
        bs_item items[2] = {data_item(0), data_item(0)};
        list_gate lg = {.items = items, .len = 0, .end_rc = BS_EIO};
        bs_handler *h;
        cr_assert_eq(open_with(&h, s, 1, 0, &lg, &io), 0);
        bs_buf snap = {0};
        int rc = bs_handler_snapshot(h, 0, &snap);
        if (rc == BS_EINVAL) { /* no state capture */
            cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
            continue;
        }
        cr_assert_eq(rc, 0, "%s", s);
        bs_item out;
        cr_assert_eq(bs_handler_next(h, &out), BS_EIO, "%s", s);
        cr_assert_eq(bs_handler_restore(h, snap.p, snap.len), 0, "%s: %s", s, bs_handler_errmsg(h));
        cr_assert_str_eq(bs_handler_errmsg(h), "", "%s", s);
        lg.len = 2;
        lg.end_rc = 0;
        cr_assert_eq(bs_handler_next(h, &out), 1, "%s: still stopped after restore", s);
        bs_buf_free(&snap);
        cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    }
    bs_io_mem_close(&mem);
}

/* A gate whose next() fills only the fields its contract names: `overtaken` is left as the
 * caller's item had it. The handler clears it for items next() yields (only a priority
 * read overtakes), so stale garbage never becomes overtaken data. */
static int sparse_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    (void)blocked;
    list_gate *g = ctx;
    if (g->pos >= g->len)
        return 0;
    const bs_item *it = &g->items[g->pos++];
    out->kind = it->kind;
    out->channel = it->channel;
    out->id = it->id;
    out->len = it->len;
    out->data = it->data;
    return 1;
}

BS_TEST(core_api, an_item_from_next_overtakes_nothing_whatever_the_caller_held)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    bs_item items[] = {{.kind = BS_BARRIER, .channel = 0, .id = 1}, {.kind = BS_BARRIER, .channel = 1, .id = 1},
                       data_item(0), {.kind = BS_EOP, .channel = 0}, {.kind = BS_EOP, .channel = 1}};
    list_gate lg = {.items = items, .len = 5};
    bs_gate gate = {.ctx = &lg, .channels = 2, .next = sparse_next};
    bs_handler_config cfg = {.strategy = "unaligned", .channels = 2};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, &io, NULL), 0);
    bs_item out = {.overtaken = 7};
    int n = 0, rc;
    while ((rc = bs_handler_next(h, &out)) == 1) {
        n++;
        out.overtaken = 7;
    }
    cr_assert_eq(rc, 0, "%s", bs_handler_errmsg(h));
    cr_assert_eq(n, 3); /* the data item and two eops */
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}
