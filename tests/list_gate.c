/*
 * list_gate.c: the list input gate of list_gate.h.
 */
#include "list_gate.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t pay[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* "0:d 0:b1 1:x2 1:eop": channel:kind, d data (8 bytes), bK barrier, xK cancel, eop */
void lg_load(list_gate *g, const char *text)
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

int lg_next(void *ctx, const uint64_t *blocked, bs_item *out)
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
int lg_next_priority(void *ctx, const uint64_t *blocked, bs_item *out)
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

int lg_peek(void *ctx, uint32_t channel, uint32_t i, bs_item *out)
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

size_t lg_markers_left(const list_gate *g)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        n += !g->taken[i] && (g->items[i].kind == BS_BARRIER || g->items[i].kind == BS_CANCEL);
    return n;
}

static void lg_ev_add(lg_events *e, const char *fmt, uint64_t id)
{
    char one[64];
    snprintf(one, sizeof one, fmt, (unsigned long long)id);
    size_t n = strlen(e->text);
    snprintf(e->text + n, sizeof e->text - n, "%s%s", n ? " " : "", one);
}
static void lg_ev_trigger(void *ctx, uint64_t id) { lg_ev_add(ctx, "t%llu", id); }
static void lg_ev_done(void *ctx, uint64_t id) { lg_ev_add(ctx, "d%llu", id); }
static void lg_ev_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    lg_ev_add(ctx, why == BS_ABORT_CANCELLED ? "a%llu:cancelled" : "a%llu:other", id);
}

/* For strategies that write no file (the tracker): memory files, never opened. */
bs_listener lg_listener(lg_events *ev)
{
    return (bs_listener){.ctx = ev, .trigger = lg_ev_trigger, .abort = lg_ev_abort, .done = lg_ev_done};
}

const bs_io *lg_no_files(void)
{
    static bs_io io;
    static bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    return &io;
}

/* A handler of `strategy` over the gate, with memory files behind `io`. */
bs_handler *lg_open(const char *strategy, uint32_t channels, list_gate *g, bool priority, bool peek,
                           const bs_io *io, lg_events *ev)
{
    bs_gate gate = {.ctx = g, .channels = channels, .next = lg_next};
    if (priority)
        gate.next_priority = lg_next_priority;
    if (peek)
        gate.peek = lg_peek;
    bs_listener l = lg_listener(ev);
    bs_handler_config cfg = {.strategy = strategy, .channels = channels, .quiet = true};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, io, &l), 0);
    return h;
}

