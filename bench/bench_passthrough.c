/*
 * bench_passthrough.c: what a handler costs when no barrier ever comes.
 *
 * The gate yields data items of one page (32 KiB) round-robin over 4 channels, each a
 * pointer into a pool of pre-filled pages (16 MiB). The operator copies each returned payload into its own buffer. The baseline
 * moves the same bytes from the same pages with the same copy, with no handler between.
 * Both sides sum the first and last word of every copied payload; the sum and the item
 * count are checked against what the pool holds after each round. A round moves at
 * least 256 MiB, grown until the baseline takes about 100 ms (except with --quick).
 */
#include "bench.h"

#include "../core/barriersim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PT_CHANNELS 4u
#define PT_PAGE_BYTES 32768u
#define PT_ROUND_BYTES (256u << 20)
#define PT_POOL_BYTES (16u << 20)
#define PT_ROUND_BYTES_QUICK (128u << 20)
#define PT_POOL_BYTES_QUICK (4u << 20)
#define PT_ROUND_NS_MIN 100000000.0 /* grow rounds to about this (not with --quick) */
#define PT_ROUND_ITEMS_MAX (1u << 21) /* 64 GiB */
#define PT_TARGET_RATIO 0.5

typedef struct pt_shared {
    uint8_t *pool;       /* pool_pages pages, page i starting with i as a little-endian u64 */
    uint64_t pool_pages;
    uint64_t items;      /* data items per round */
    uint8_t *dst;        /* the operator's buffer, one page */
    uint64_t expect_sum; /* what the touches of one round add up to */
    bs_io io;            /* never used: nothing is spilled without barriers */
    bs_io_posix io_posix;
} pt_shared;

typedef struct pt_side {
    pt_shared *sh;
    const char *strategy; /* NULL: the baseline */
} pt_side;

typedef struct pt_gate {
    const pt_shared *sh;
    uint64_t next;
} pt_gate;

static const uint8_t *pt_page(const pt_shared *sh, uint64_t i)
{
    return sh->pool + (i % sh->pool_pages) * PT_PAGE_BYTES;
}

static int pt_gate_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    pt_gate *g = ctx;
    (void)blocked; /* no barrier, so nothing is ever blocked */
    if (g->next == g->sh->items)
        return 0;
    *out = (bs_item){.kind = BS_DATA, .channel = (uint32_t)(g->next % PT_CHANNELS),
                     .len = PT_PAGE_BYTES, .data = pt_page(g->sh, g->next)};
    g->next++;
    return 1;
}

static int pt_check(const pt_shared *sh, const char *who, uint64_t items, uint64_t sum)
{
    if (items == sh->items && sum == sh->expect_sum)
        return 0;
    fprintf(stderr, "bench: passthrough/%s: got %llu items (sum %llx), want %llu (sum %llx)\n",
            who, (unsigned long long)items, (unsigned long long)sum,
            (unsigned long long)sh->items, (unsigned long long)sh->expect_sum);
    return -1;
}

static int pt_baseline_round(void *ctx)
{
    const pt_shared *sh = ((pt_side *)ctx)->sh;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < sh->items; i++)
        sum += bench_copy_touch(sh->dst, pt_page(sh, i), PT_PAGE_BYTES);
    return pt_check(sh, "memcpy", sh->items, sum);
}

static int pt_subject_round(void *ctx)
{
    const pt_side *side = ctx;
    const pt_shared *sh = side->sh;
    pt_gate g = {sh, 0};
    bs_gate gate = {.ctx = &g, .channels = PT_CHANNELS, .next = pt_gate_next};
    bs_handler_config cfg = {.strategy = side->strategy, .channels = PT_CHANNELS,
                             .page_size = PT_PAGE_BYTES};
    bs_handler *h;
    int rc = bs_handler_open(&h, &cfg, &gate, &sh->io, NULL);
    if (rc) {
        fprintf(stderr, "bench: passthrough/%s: open: %s\n", side->strategy, bs_strerror(rc));
        return -1;
    }
    uint64_t sum = 0, items = 0;
    bs_item it;
    while ((rc = bs_handler_next(h, &it)) == 1 && items <= sh->items) {
        sum += bench_copy_touch(sh->dst, it.data, it.len);
        items++;
    }
    if (rc < 0)
        fprintf(stderr, "bench: passthrough/%s: next: %s\n", side->strategy,
                bs_handler_errmsg(h));
    char msg[256];
    if (bs_handler_close(h, msg, sizeof msg)) {
        fprintf(stderr, "bench: passthrough/%s: close: %s\n", side->strategy, msg);
        rc = -1;
    }
    return rc < 0 ? -1 : pt_check(sh, side->strategy, items, sum);
}

static void pt_expect(pt_shared *sh)
{
    sh->expect_sum = 0;
    for (uint64_t i = 0; i < sh->items; i++) {
        const uint8_t *page = pt_page(sh, i);
        sh->expect_sum += bench_get_le64(page) + bench_get_le64(page + PT_PAGE_BYTES - 8);
    }
}

/* Grows the round until the baseline takes about PT_ROUND_NS_MIN (the copies may run
 * from a cache at tens of GB/s, so a fixed size would make rounds of a few ms). */
static int pt_calibrate(pt_shared *sh)
{
    pt_side base = {sh, NULL};
    for (int attempt = 0; attempt < 4; attempt++) {
        uint64_t t0 = bench_clock_ns();
        if (pt_baseline_round(&base))
            return -1;
        double ns = (double)(bench_clock_ns() - t0);
        if (ns >= PT_ROUND_NS_MIN || sh->items >= PT_ROUND_ITEMS_MAX)
            return 0;
        double grow = ns > 0 ? 1.2 * PT_ROUND_NS_MIN / ns : 16;
        uint64_t items = (uint64_t)((double)sh->items * (grow < 16 ? grow : 16));
        items = items < PT_ROUND_ITEMS_MAX ? items : PT_ROUND_ITEMS_MAX;
        sh->items = (items + PT_CHANNELS - 1) / PT_CHANNELS * PT_CHANNELS;
        pt_expect(sh);
    }
    return 0;
}

/* Fills the pool and works out the sum a round must produce. */
static int pt_setup(pt_shared *sh, const bench_opts *o)
{
    uint64_t pool_bytes = o->quick ? PT_POOL_BYTES_QUICK : PT_POOL_BYTES;
    sh->pool_pages = pool_bytes / PT_PAGE_BYTES;
    sh->items = (o->quick ? PT_ROUND_BYTES_QUICK : PT_ROUND_BYTES) / PT_PAGE_BYTES;
    sh->pool = malloc(pool_bytes);
    sh->dst = malloc(PT_PAGE_BYTES);
    if (!sh->pool || !sh->dst || bs_io_posix_init(&sh->io, &sh->io_posix, NULL)) {
        fprintf(stderr, "bench: passthrough: setup failed\n");
        return -1;
    }
    for (uint64_t p = 0; p < sh->pool_pages; p++) {
        uint8_t *page = sh->pool + p * PT_PAGE_BYTES;
        for (uint32_t j = 0; j < PT_PAGE_BYTES; j++)
            page[j] = (uint8_t)(j * 31u + p);
        bench_put_le64(page, p);
        bench_put_le64(page + PT_PAGE_BYTES - 8, ~p * 0x9e3779b97f4a7c15u);
    }
    pt_expect(sh);
    return o->quick ? 0 : pt_calibrate(sh);
}

/* Runs memcpy, spill and tracker interleaved and reports both handlers against memcpy. */
static int pt_measure(pt_shared *sh, const bench_opts *o)
{
    pt_side ctx[] = {{sh, NULL}, {sh, "spill"}, {sh, "tracker"}};
    bench_side sides[] = {
        {"memcpy", pt_baseline_round, &ctx[0]},
        {"spill handler+memcpy", pt_subject_round, &ctx[1]},
        {"tracker handler+memcpy", pt_subject_round, &ctx[2]},
    };
    static const char *const names[] = {NULL, "passthrough/spill", "passthrough/tracker"};
    bench_stats st[3];
    if (bench_measure(o, sides, 3, st))
        return -1;
    for (size_t i = 1; i < 3; i++) {
        bench_result r = {.name = names[i], .baseline = sides[0].label,
                          .subject = sides[i].label, .bytes = sh->items * PT_PAGE_BYTES,
                          .items = sh->items, .rate_div = 1e9, .rate_unit = "GB/s",
                          .target_ratio_min = PT_TARGET_RATIO, .base = st[0], .subj = st[i]};
        bench_report(&r);
    }
    return 0;
}

static int pt_run(const bench_opts *o)
{
    pt_shared sh = {0};
    int rc = pt_setup(&sh, o);
    if (rc == 0)
        rc = pt_measure(&sh, o);
    free(sh.pool);
    free(sh.dst);
    return rc;
}

const bench_def bench_passthrough = {
    .name = "passthrough",
    .summary = "handler with no barriers (spill; tracker as an extra line) vs memcpy",
    .run = pt_run,
};
