/*
 * test_core_alloc.c: every allocation failure of the core surfaces as an error and leaks
 * nothing (tests/alloc_fail.h). For each strategy and each n, the nth allocation from
 * bs_handler_open on fails; open then returns BS_ENOMEM with no handler, or the run ends
 * with an error (the handler stopped, as after any error), or the failure never happened
 * and the run gives the items of the unfailed run. Close always releases everything: the
 * leak check of BS_TEST runs after all of them, under ASan.
 */
#include "bs_test.h"

#include "../core/bs_strategy.h"
#include "../sim/fault/io_fault.h"
#include "alloc_fail.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AF_ITEMS_MAX 32

typedef struct af_gate {
    bs_item items[AF_ITEMS_MAX];
    bool taken[AF_ITEMS_MAX];
    size_t len;
    uint64_t yielded;
    uint8_t payload[8];
} af_gate;

/* Items in arrival order: "0:d 0:b1 1:eop" (data of 8 bytes). */
static void af_parse(af_gate *g, const char *input)
{
    memset(g, 0, sizeof *g);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", input);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        cr_assert_lt(g->len, AF_ITEMS_MAX);
        bs_item *it = &g->items[g->len++];
        it->channel = (uint32_t)(t[0] - '0');
        const char *k = t + 2;
        if (k[0] == 'd') {
            it->kind = BS_DATA;
            it->len = sizeof g->payload;
            it->data = g->payload;
        } else if (k[0] == 'b' || k[0] == 'x') {
            it->kind = k[0] == 'b' ? BS_BARRIER : BS_CANCEL;
            it->id = (uint64_t)(k[1] - '0');
        } else {
            it->kind = BS_EOP;
        }
    }
}

/* The first untaken item of a channel that is not blocked (FIFO per channel). */
static int af_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    af_gate *g = ctx;
    bool waiting = false;
    for (size_t i = 0; i < g->len; i++) {
        if (g->taken[i])
            continue;
        if (blocked && bs_chanset_has(blocked, g->items[i].channel)) {
            waiting = true;
            continue;
        }
        g->taken[i] = true;
        g->yielded++;
        *out = g->items[i];
        return 1;
    }
    return waiting ? BS_EAGAIN : 0;
}

static uint64_t af_now(void *ctx) { return ((af_gate *)ctx)->yielded * 1000u; }
static void af_wake_at(void *ctx, uint64_t at_ns) { (void)ctx; (void)at_ns; }

/* Spills, replays, channel state and a timeout for every strategy (2 channels). */
#define AF_INPUT "0:d 0:b1 0:d 0:d 1:d 1:d 1:d 1:b1 0:b2 0:d 1:d 1:x3 1:b2 0:eop 1:eop"

/* One run: 1 when it ended (the items returned in *items), or the error. */
static int af_run(const char *strategy, unsigned long fail_nth, int *items)
{
    af_gate *g = __real_calloc(1, sizeof *g); /* the test's own memory never fails */
    cr_assert_not_null(g);
    af_parse(g, AF_INPUT);
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    bs_gate gate = {.ctx = g, .channels = 2, .next = af_next, .now_ns = af_now, .wake_at = af_wake_at};
    bs_handler_config cfg = {.strategy = strategy, .channels = 2, .page_size = 64,
                             .alignment_timeout_ns = 1500, .quiet = true};
    bs_handler *h = NULL;
    *items = 0;
    alloc_fail_arm(fail_nth);
    int rc = bs_handler_open(&h, &cfg, &gate, &io, NULL);
    if (rc) {
        alloc_fail_arm(0);
        cr_assert_eq(rc, BS_ENOMEM, "%s, allocation %lu: open: %s", strategy, fail_nth, bs_strerror(rc));
        cr_assert_null(h);
    } else {
        bs_item it;
        for (int calls = 0; calls < 4 * AF_ITEMS_MAX; calls++) {
            rc = bs_handler_next(h, &it);
            if (rc != 1)
                break;
            (*items)++;
        }
        alloc_fail_arm(0);
        cr_assert_leq(rc, 0, "%s, allocation %lu: the run did not end", strategy, fail_nth);
        if (rc < 0) /* stopped: the same error again */
            cr_assert_eq(bs_handler_next(h, &it), rc);
        bs_handler_close(h, NULL, 0);
        rc = rc == 0 ? 1 : rc;
    }
    cr_assert_eq(bs_io_mem_live(&mem), 0, "%s, allocation %lu: a spill file was left", strategy, fail_nth);
    bs_io_mem_close(&mem);
    free(g);
    return rc;
}

BS_TEST(core_alloc, every_allocation_failure_is_an_error_and_leaks_nothing)
{
    for (size_t s = 0; bs_strategy_name(s); s++) {
        const char *name = bs_strategy_name(s);
        int items_ok;
        cr_assert_eq(af_run(name, 0, &items_ok), 1, "%s: the unfailed run", name);
        cr_assert_eq(items_ok, 10, "%s: %d items", name, items_ok); /* 8 data, 2 eops */
        unsigned long n = 1;
        for (; n < 10000; n++) {
            int items;
            int rc = af_run(name, n, &items);
            if (!alloc_fail_fired()) { /* past the last allocation: the run as unfailed */
                cr_assert_eq(rc, 1, "%s, allocation %lu", name, n);
                cr_assert_eq(items, items_ok);
                break;
            }
            cr_assert(rc == 1 || rc < 0, "%s, allocation %lu", name, n);
        }
        cr_assert_gt(n, 2, "%s: fewer allocations than expected", name);
    }
}

/* Removing a spill file is tried 3 times: two failed unlinks still leave no file behind
 * (the error is reported, and the handler stops). */
BS_TEST(core_cleanup, a_spill_file_whose_unlink_fails_twice_is_still_removed)
{
    af_gate *g = calloc(1, sizeof *g);
    cr_assert_not_null(g);
    af_parse(g, AF_INPUT);
    bs_io mem_io, io;
    bs_io_mem mem;
    io_fault faults;
    bs_io_mem_init(&mem_io, &mem);
    io_fault_init(&io, &faults, &mem_io);
    cr_assert_eq(io_fault_add(&faults, IO_UNLINK, 1, EBUSY, 0), 0);
    cr_assert_eq(io_fault_add(&faults, IO_UNLINK, 2, EBUSY, 0), 0);
    bs_gate gate = {.ctx = g, .channels = 2, .next = af_next};
    bs_handler_config cfg = {.strategy = "spill", .channels = 2, .page_size = 64, .quiet = true};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, &io, NULL), 0);
    bs_item it;
    int rc, calls = 0;
    while ((rc = bs_handler_next(h, &it)) == 1 && calls++ < 4 * AF_ITEMS_MAX)
        ;
    bs_handler_close(h, NULL, 0);
    cr_assert_geq(faults.calls[IO_UNLINK], 3, "the faults were not reached");
    cr_assert_eq(faults.live_files, 0, "a file whose unlink failed twice was left");
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
    free(g);
}
