/*
 * test_snapshot.c: a handler's whole state, spill data included, can be captured and
 * restored. Over every bundled scenario: a run that is snapshotted, closed and restored
 * into a fresh handler after every step gives the same tokens as an uninterrupted run;
 * two handlers in the same state give the same canonical bytes; a bad snapshot is refused.
 */
#include "bs_test.h"

#include "../core/bs_strategy.h"
#include "../sim/run/gate_script.h"
#include "../sim/scenario/scenario.h"
#include "../verify/verify.h"

#include <glob.h>
#include <stdio.h>
#include <string.h>

typedef struct tokens {
    char text[65536];
    size_t len;
} tokens;

static void tok(tokens *t, const char *s)
{
    size_t n = strlen(s);
    cr_assert_lt(t->len + n + 2, sizeof t->text, "trace too long for the test");
    if (t->len)
        t->text[t->len++] = ' ';
    memcpy(t->text + t->len, s, n + 1);
    t->len += n;
}

static void on_trigger(void *ctx, uint64_t id)
{
    char b[32];
    snprintf(b, sizeof b, "t%llu", (unsigned long long)id);
    tok(ctx, b);
}

static void on_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    char b[48];
    snprintf(b, sizeof b, "a%llu:%s", (unsigned long long)id, bs_abort_reason_name(why));
    tok(ctx, b);
}

static bs_handler *open_handler(const scenario *sc, bs_gate *gate, bs_io *io, tokens *t)
{
    bs_handler_config cfg = {.strategy = sc->strategy, .channels = sc->channels, .page_size = sc->page_size,
                             .max_buffered_bytes = sc->max_buffered_bytes};
    bs_listener lis = {.ctx = t, .trigger = on_trigger, .abort = on_abort};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, gate, io, &lis), 0);
    return h;
}

/* One step: appends the returned item's number or "end"; false at the end or an error. */
static bool step(bs_handler *h, tokens *t)
{
    bs_item it;
    int rc = bs_handler_next(h, &it);
    char b[32];
    uint64_t index = 0;
    if (rc == 1 && it.kind == BS_DATA)
        cr_assert(verify_payload_parse(it.data, it.len, &index));
    if (rc == 1)
        snprintf(b, sizeof b, "%s%llu", it.kind == BS_EOP ? "eop" : "", (unsigned long long)index);
    tok(t, rc == 1 ? b : rc == 0 ? "end" : "error");
    return rc == 1;
}

static void run_plain(const scenario *sc, tokens *t)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    gate_script gs;
    bs_gate gate;
    cr_assert_eq(gate_script_init(&gate, &gs, sc->items, sc->items_len, sc->channels, sc->page_size, NULL), 0);
    bs_handler *h = open_handler(sc, &gate, &io, t);
    while (step(h, t))
        ;
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    gate_script_close(&gs);
    bs_io_mem_close(&mem);
}

static void run_hopping(const scenario *sc, tokens *t)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    gate_script gs;
    bs_gate gate;
    cr_assert_eq(gate_script_init(&gate, &gs, sc->items, sc->items_len, sc->channels, sc->page_size, NULL), 0);
    bs_handler *h = open_handler(sc, &gate, &io, t);
    for (bool more = true; more;) {
        more = step(h, t);
        bs_buf snap = {0}, canon1 = {0}, canon2 = {0};
        cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
        cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &canon1), 0);
        cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
        cr_assert_eq(bs_io_mem_live(&mem), 0, "closing left spill files");
        h = open_handler(sc, &gate, &io, t);
        cr_assert_eq(bs_handler_restore(h, snap.p, snap.len), 0, "%s", bs_handler_errmsg(h));
        cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &canon2), 0);
        cr_assert(canon1.len == canon2.len && memcmp(canon1.p, canon2.p, canon1.len) == 0,
                  "the restored state differs from the captured one");
        bs_buf_free(&snap);
        bs_buf_free(&canon1);
        bs_buf_free(&canon2);
    }
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    gate_script_close(&gs);
    bs_io_mem_close(&mem);
}

BS_TEST(snapshot, restoring_after_every_step_changes_nothing)
{
    glob_t g;
    cr_assert_eq(glob("scenarios/handler/*.yaml", 0, NULL, &g), 0);
    size_t checked = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        scenario sc;
        char err[512];
        cr_assert_eq(scenario_load(g.gl_pathv[i], &sc, err, sizeof err), 0, "%s", err);
        const bs_strategy *ops = bs_strategy_find(sc.strategy);
        if (sc.faults_len == 0 && ops && ops->snapshot) { /* strategies that can be captured */
            static tokens a, b;
            a.len = b.len = 0;
            a.text[0] = b.text[0] = '\0';
            run_plain(&sc, &a);
            run_hopping(&sc, &b);
            cr_assert_str_eq(b.text, a.text, "%s: restored run differs", g.gl_pathv[i]);
            checked++;
        }
        scenario_free(&sc);
    }
    globfree(&g);
    cr_assert_gt(checked, 20);
}

BS_TEST(snapshot, a_snapshot_that_does_not_fit_is_refused)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    bs_gate gate = {.ctx = NULL, .channels = 2, .next = NULL};
    static const char *const strategies[] = {"spill", "tracker"};
    for (size_t k = 0; k < 2; k++) {
        bs_handler_config cfg = {.strategy = strategies[k], .channels = 2}, cfg3 = cfg;
        cfg3.channels = 3;
        bs_handler *h, *h3;
        cr_assert_eq(bs_handler_open(&h, &cfg, &gate, &io, NULL), 0);
        cr_assert_eq(bs_handler_open(&h3, &cfg3, &gate, &io, NULL), 0);
        bs_buf snap = {0};
        cr_assert_eq(bs_handler_snapshot(h3, 0, &snap), 0);
        cr_assert_eq(bs_handler_restore(h, snap.p, snap.len), BS_ESTATE, "%s: 3 channels into 2", strategies[k]);
        cr_assert_eq(bs_handler_restore(h, snap.p, snap.len / 2), BS_ESTATE, "%s: truncated", strategies[k]);
        uint8_t junk[64] = {1, 2, 3};
        cr_assert_eq(bs_handler_restore(h, junk, sizeof junk), BS_ESTATE, "%s: junk", strategies[k]);
        bs_buf_free(&snap);
        cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
        cr_assert_eq(bs_handler_close(h3, NULL, 0), 0);
    }
    bs_io_mem_close(&mem);
}
