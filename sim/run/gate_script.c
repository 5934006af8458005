/*
 * gate_script.c: the scripted input gate (see gate_script.h).
 */
#include "gate_script.h"

#include <stdlib.h>
#include <string.h>

static void fill_item(gate_script *g, size_t i, bs_item *out)
{
    const sc_item *s = &g->items[i];
    memset(out, 0, sizeof *out);
    out->kind = s->kind;
    out->channel = s->channel;
    out->id = s->id;
    if (s->kind == BS_BARRIER)
        out->timestamp = i;
    if (s->kind == BS_DATA) {
        out->len = s->len;
        verify_payload_fill(g->payload, s->len, i);
        out->data = g->payload;
    }
}

/* The next item to yield: the first untaken one on an unblocked channel (or a `wait`). */
static size_t pick(const gate_script *g, const uint64_t *blocked, bool *waiting)
{
    *waiting = false;
    for (size_t i = g->first_untaken; i < g->items_len; i++) {
        if (g->taken[i])
            continue;
        if (g->items[i].wait || !blocked || !bs_chanset_has(blocked, g->items[i].channel))
            return i;
        *waiting = true;
    }
    return g->items_len;
}

static void take(gate_script *g, size_t i)
{
    g->taken[i] = true;
    while (g->first_untaken < g->items_len && g->taken[g->first_untaken])
        g->first_untaken++;
}

static int gate_script_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    gate_script *g = ctx;
    bool waiting;
    size_t i = pick(g, blocked, &waiting);
    if (g->checker && verify_gate(g->checker))
        return BS_ESTOPPED;
    if (i == g->items_len)
        return waiting ? BS_EAGAIN : 0;
    take(g, i);
    if (g->items[i].wait) { /* nothing arrives now: the runner lets time pass */
        g->waited = true;
        return BS_EAGAIN;
    }
    g->yielded++;
    fill_item(g, i, out);
    const sc_item *s = &g->items[i];
    verify_item vi = {s->kind, s->channel, s->id, s->len, i, 0};
    if (g->checker && verify_yield(g->checker, &vi))
        return BS_ESTOPPED;
    return 1;
}

static uint64_t gate_script_now(void *ctx)
{
    const gate_script *g = ctx;
    return g->yielded * GATE_SCRIPT_NS_PER_ITEM + g->idle_ns;
}

static void gate_script_wake_at(void *ctx, uint64_t at_ns)
{
    gate_script *g = ctx;
    g->wake_ns = at_ns;
}

bool gate_script_wake(gate_script *g)
{
    uint64_t now = gate_script_now(g), at = g->wake_ns;
    bool waited = g->waited;
    g->waited = false;
    g->wake_ns = 0;
    if (at <= now)
        return waited; /* after a `wait` the handler is called again even with no wake-up */
    g->idle_ns += at - now;
    return true;
}

int gate_script_init(bs_gate *gate, gate_script *g, const sc_item *items, size_t items_len,
                     uint32_t channels, uint32_t page_size, verify *checker)
{
    memset(g, 0, sizeof *g);
    g->items = items;
    g->items_len = items_len;
    g->page_size = page_size;
    g->checker = checker;
    g->taken = calloc(items_len + 1, sizeof *g->taken);
    g->payload = malloc(page_size);
    if (!g->taken || !g->payload) {
        gate_script_close(g);
        return BS_ENOMEM;
    }
    *gate = (bs_gate){.ctx = g, .channels = channels, .next = gate_script_next,
                      .now_ns = gate_script_now, .wake_at = gate_script_wake_at};
    return 0;
}

void gate_script_close(gate_script *g)
{
    free(g->taken);
    free(g->payload);
    g->taken = NULL;
    g->payload = NULL;
}
