/*
 * bench_cost.c: each strategy's cost per item on the no-barrier path, as a ratio to spill.
 *
 * The pass-through benchmark moves 32 KiB pages, so its figure is mostly memcpy. Here
 * the items are small (128 bytes, round-robin over 4 channels, no barrier ever), the
 * operator only reads each payload's first and last words, and what is left is the
 * handler's own bookkeeping per item: the call, the gate pull, the checks of its table.
 * The baseline is `spill`, measured in the same run, interleaved; every other strategy of
 * the core's table is a subject. The cost ratio (subject ns per item / spill ns per item)
 * is printed under the table; 1.0 means the same cost as spill.
 */
#include "bench.h"

#include "../core/barriersim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CO_CHANNELS 4u
#define CO_ITEM_BYTES 128u
#define CO_POOL_ITEMS 4096u
#define CO_ROUND_ITEMS (4u << 20)
#define CO_ROUND_ITEMS_QUICK (1u << 18)
#define CO_STRATEGIES_MAX 16u

typedef struct co_shared {
    uint8_t *pool;        /* CO_POOL_ITEMS payloads, item i starting with i (LE u64) */
    uint64_t items;       /* per round */
    uint64_t expect_sum;
    bs_io io;             /* never used: nothing is spilled without barriers */
    bs_io_posix io_posix;
} co_shared;

typedef struct co_side {
    co_shared *sh;
    const char *strategy;
} co_side;

typedef struct co_gate {
    const co_shared *sh;
    uint64_t next;
} co_gate;

static const uint8_t *co_item(const co_shared *sh, uint64_t i)
{
    return sh->pool + (i % CO_POOL_ITEMS) * CO_ITEM_BYTES;
}

static int co_gate_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    co_gate *g = ctx;
    (void)blocked; /* no barrier, so nothing is ever blocked */
    if (g->next == g->sh->items)
        return 0;
    *out = (bs_item){.kind = BS_DATA, .channel = (uint32_t)(g->next % CO_CHANNELS),
                     .len = CO_ITEM_BYTES, .data = co_item(g->sh, g->next)};
    g->next++;
    return 1;
}

static int co_round(void *ctx)
{
    const co_side *side = ctx;
    const co_shared *sh = side->sh;
    co_gate g = {sh, 0};
    bs_gate gate = {.ctx = &g, .channels = CO_CHANNELS, .next = co_gate_next};
    bs_handler_config cfg = {.strategy = side->strategy, .channels = CO_CHANNELS};
    bs_handler *h;
    if (bs_handler_open(&h, &cfg, &gate, &sh->io, NULL)) {
        fprintf(stderr, "bench: cost/%s: open failed\n", side->strategy);
        return -1;
    }
    uint64_t sum = 0, items = 0;
    bs_item it;
    int rc;
    while ((rc = bs_handler_next(h, &it)) == 1 && items <= sh->items) {
        sum += bench_get_le64(it.data) + bench_get_le64(it.data + it.len - 8);
        items++;
    }
    char msg[256];
    if (rc < 0 || bs_handler_close(h, msg, sizeof msg)) {
        fprintf(stderr, "bench: cost/%s: the handler failed\n", side->strategy);
        return -1;
    }
    if (items != sh->items || sum != sh->expect_sum) {
        fprintf(stderr, "bench: cost/%s: got %llu items, want %llu\n", side->strategy,
                (unsigned long long)items, (unsigned long long)sh->items);
        return -1;
    }
    return 0;
}

static int co_setup(co_shared *sh, const bench_opts *o)
{
    sh->items = o->quick ? CO_ROUND_ITEMS_QUICK : CO_ROUND_ITEMS;
    sh->pool = malloc((size_t)CO_POOL_ITEMS * CO_ITEM_BYTES);
    if (!sh->pool || bs_io_posix_init(&sh->io, &sh->io_posix, NULL))
        return -1;
    for (uint64_t i = 0; i < CO_POOL_ITEMS; i++) {
        uint8_t *p = sh->pool + i * CO_ITEM_BYTES;
        memset(p, (int)(i & 0xff), CO_ITEM_BYTES);
        bench_put_le64(p, i);
        bench_put_le64(p + CO_ITEM_BYTES - 8, ~i * 0x9e3779b97f4a7c15u);
    }
    for (uint64_t i = 0; i < sh->items; i++) {
        const uint8_t *p = co_item(sh, i);
        sh->expect_sum += bench_get_le64(p) + bench_get_le64(p + CO_ITEM_BYTES - 8);
    }
    return 0;
}

/* spill first (the baseline), then every other strategy of the core's table. */
static size_t co_sides(co_shared *sh, co_side *ctx, bench_side *sides)
{
    size_t n = 0;
    ctx[n] = (co_side){sh, "spill"};
    sides[n] = (bench_side){"spill", co_round, &ctx[n]};
    n++;
    for (size_t i = 0; bs_strategy_name(i) && n < CO_STRATEGIES_MAX; i++) {
        const char *name = bs_strategy_name(i);
        if (strcmp(name, "spill") == 0)
            continue;
        ctx[n] = (co_side){sh, name};
        sides[n] = (bench_side){name, co_round, &ctx[n]};
        n++;
    }
    return n;
}

static int co_run(const bench_opts *o)
{
    static co_shared sh;
    static co_side ctx[CO_STRATEGIES_MAX];
    static bench_side sides[CO_STRATEGIES_MAX];
    static bench_stats st[CO_STRATEGIES_MAX];
    static char names[CO_STRATEGIES_MAX][48];
    memset(&sh, 0, sizeof sh);
    int rc = co_setup(&sh, o);
    size_t n = rc ? 0 : co_sides(&sh, ctx, sides);
    if (rc == 0 && bench_measure(o, sides, n, st))
        rc = -1;
    for (size_t i = 1; rc == 0 && i < n; i++) {
        snprintf(names[i], sizeof names[i], "cost/%s", sides[i].label);
        bench_result r = {.name = names[i], .baseline = "spill", .subject = sides[i].label,
                          .bytes = sh.items * CO_ITEM_BYTES, .items = sh.items,
                          .rate_div = 1e9, .rate_unit = "GB/s", .cost_per_item = true,
                          .base = st[0], .subj = st[i]};
        bench_report(&r);
    }
    free(sh.pool);
    return rc;
}

const bench_def bench_cost = {
    "cost",
    "each strategy's cost per item with no barrier (128-byte items), as a ratio to spill",
    co_run,
};
