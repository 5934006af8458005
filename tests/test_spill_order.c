/*
 * test_spill_order.c: spill's canonical snapshot with BS_SNAP_MERGE_ORDERS (MERGING ARRIVAL
 * ORDERS, core/strategy/spill_snapshot.c). Spill files whose records differ only by swaps
 * of independent neighbours (different channels, and one is data, or both are the same
 * event, or they are bK and xK) give equal bytes; files whose events of different channels came in another
 * order do not; without the flag, or with a byte limit, arrival order is kept. Small files
 * and files past 64 records (the two ways the normal form is computed), and renamed
 * channels (the relabel hook) agree with the snapshot of the renamed input.
 */
#include "bs_test.h"

#include "../core/bs_strategy.h"
#include "../verify/verify.h"

#include <string.h>

typedef struct list_gate {
    const bs_item *items;
    size_t len, at;
    uint8_t payload[16];
} list_gate;

/* Data payloads carry channel << 32 | position on the channel, as the model checker's do,
 * so every interleaving of the same per-channel sequences holds the same records. */
static int list_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    (void)blocked;
    list_gate *g = ctx;
    if (g->at == g->len)
        return 0;
    *out = g->items[g->at++];
    if (out->kind == BS_DATA) {
        size_t pos = 0;
        for (size_t i = 0; i + 1 < g->at; i++)
            pos += g->items[i].channel == out->channel;
        verify_payload_fill(g->payload, sizeof g->payload, (uint64_t)out->channel << 32 | pos);
        out->data = g->payload;
        out->len = sizeof g->payload;
    }
    return 1;
}

#define D(c) {.kind = BS_DATA, .channel = (c)}
#define B(c, k) {.kind = BS_BARRIER, .channel = (c), .id = (k)}
#define E(c) {.kind = BS_EOP, .channel = (c)}
#define X(c, k) {.kind = BS_CANCEL, .channel = (c), .id = (k)}

/* Feeds `body` after b1 on channels 0 and 1 (which blocks them, so the body is spilled),
 * then one data item of channel 2, which is returned; writes the canonical snapshot with
 * `flags` of the handler waiting there. */
static void snapshot_after(const bs_item *body, size_t n, unsigned flags, uint64_t limit, bs_buf *out)
{
    bs_item items[256] = {B(0, 1), B(1, 1)};
    cr_assert_lt(n + 3, sizeof items / sizeof items[0]);
    memcpy(items + 2, body, n * sizeof *body);
    items[n + 2] = (bs_item){.kind = BS_DATA, .channel = 2};
    list_gate g = {items, n + 3, 0, {0}};
    bs_gate gate = {.ctx = &g, .channels = 3, .next = list_next};
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    bs_handler_config cfg = {.strategy = "spill", .channels = 3, .page_size = 4096, .max_buffered_bytes = limit};
    bs_listener lis = {0};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, &io, &lis), 0);
    bs_item it;
    cr_assert_eq(bs_handler_next(h, &it), 1);
    cr_assert(it.kind == BS_DATA && it.channel == 2, "the body was spilled, channel 2's item returned");
    out->len = 0;
    cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL | flags, out), 0);
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    bs_io_mem_close(&mem);
}

static bool same(const bs_buf *a, const bs_buf *b) { return a->len == b->len && memcmp(a->p, b->p, a->len) == 0; }

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

BS_TEST(spill_order, interleavings_of_one_class_have_one_canonical_snapshot)
{
    /* channel 0: d d b2; channel 1: d d d b2 (b2 and b2 are the same event) */
    static const bs_item v1[] = {D(0), D(1), D(0), D(1), B(0, 2), D(1), B(1, 2)};
    static const bs_item v2[] = {D(1), D(1), D(0), D(1), D(0), B(1, 2), B(0, 2)};
    /* channel 1 ends instead: b2 of channel 0 and eop of channel 1 do not commute (an eop
     * during an alignment aborts it), so their order tells the files apart */
    static const bs_item w1[] = {D(0), D(1), B(0, 2), D(1), E(1)};
    static const bs_item w2[] = {D(0), D(1), D(1), E(1), B(0, 2)};
    /* b2 of channel 0 and x2 of channel 1 commute too */
    static const bs_item x1[] = {D(0), B(0, 2), D(1), X(1, 2), D(0)};
    static const bs_item x2[] = {D(1), X(1, 2), D(0), B(0, 2), D(0)};
    bs_buf a = {0}, b = {0};
    snapshot_after(x1, LEN(x1), BS_SNAP_MERGE_ORDERS, 0, &a);
    snapshot_after(x2, LEN(x2), BS_SNAP_MERGE_ORDERS, 0, &b);
    cr_assert(same(&a, &b), "b2 and x2 of two channels: one class");
    snapshot_after(v1, LEN(v1), BS_SNAP_MERGE_ORDERS, 0, &a);
    snapshot_after(v2, LEN(v2), BS_SNAP_MERGE_ORDERS, 0, &b);
    cr_assert(same(&a, &b), "one class, one snapshot");
    snapshot_after(v1, LEN(v1), 0, 0, &a);
    snapshot_after(v2, LEN(v2), 0, 0, &b);
    cr_assert(!same(&a, &b), "without the flag the arrival order is kept");
    snapshot_after(v1, LEN(v1), BS_SNAP_MERGE_ORDERS, 1u << 20, &a);
    snapshot_after(v2, LEN(v2), BS_SNAP_MERGE_ORDERS, 1u << 20, &b);
    cr_assert(!same(&a, &b), "with a byte limit the arrival order is kept (the argument counts no limit)");
    snapshot_after(w1, LEN(w1), BS_SNAP_MERGE_ORDERS, 0, &a);
    snapshot_after(w2, LEN(w2), BS_SNAP_MERGE_ORDERS, 0, &b);
    cr_assert(!same(&a, &b), "events of different channels in another order: another class");
    bs_buf_free(&a);
    bs_buf_free(&b);
}

BS_TEST(spill_order, files_past_64_records_are_put_in_the_same_normal_form)
{
    /* each channel: 44 data then b2; alternating, or all of channel 1's data first */
    bs_item alternating[90], grouped[90];
    for (size_t i = 0; i < 88; i++) {
        alternating[i] = (bs_item){.kind = BS_DATA, .channel = (uint32_t)(i % 2)};
        grouped[i] = (bs_item){.kind = BS_DATA, .channel = i < 44 ? 1u : 0u};
    }
    alternating[88] = grouped[89] = (bs_item){.kind = BS_BARRIER, .channel = 0, .id = 2};
    alternating[89] = grouped[88] = (bs_item){.kind = BS_BARRIER, .channel = 1, .id = 2};
    bs_buf a = {0}, b = {0}, small = {0};
    snapshot_after(alternating, 90, BS_SNAP_MERGE_ORDERS, 0, &a);
    snapshot_after(grouped, 90, BS_SNAP_MERGE_ORDERS, 0, &b);
    cr_assert(same(&a, &b), "90 records, one class, one snapshot");
    snapshot_after(alternating, 20, BS_SNAP_MERGE_ORDERS, 0, &small);
    cr_assert_lt(small.len, a.len);
    bs_buf_free(&a);
    bs_buf_free(&b);
    bs_buf_free(&small);
}

static void relabel_payload(void *ctx, uint8_t *data, uint32_t len, const uint32_t *perm)
{
    (void)ctx;
    uint64_t label;
    if (verify_payload_parse(data, len, &label))
        verify_payload_fill(data, len, (uint64_t)perm[label >> 32] << 32 | (label & 0xffffffffu));
}

/* Renaming channels 0 and 1 of the normal form gives the normal form of the renamed input
 * (the tie between the two channels' first records is broken the other way round). */
BS_TEST(spill_order, relabel_gives_the_normal_form_of_the_renamed_input)
{
    static const bs_item v[] = {D(1), D(0), D(0), B(1, 2), D(1), B(0, 2), D(0)};
    static const bs_item swapped[] = {D(0), D(1), D(1), B(0, 2), D(0), B(1, 2), D(1)};
    bs_buf a = {0}, b = {0}, renamed = {0};
    snapshot_after(v, LEN(v), BS_SNAP_MERGE_ORDERS, 0, &a);
    snapshot_after(swapped, LEN(swapped), BS_SNAP_MERGE_ORDERS, 0, &b);
    const bs_strategy *s = bs_strategy_find("spill");
    static const uint32_t perm[] = {1, 0, 2};
    cr_assert_eq(s->relabel(a.p, a.len, 3, perm, relabel_payload, NULL, &renamed), 0);
    cr_assert(same(&renamed, &b), "relabel of the normal form = normal form of the renamed input");
    bs_buf_free(&a);
    bs_buf_free(&b);
    bs_buf_free(&renamed);
}
