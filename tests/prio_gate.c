/*
 * prio_gate.c: the priority test gate and its harness (see prio_gate.h).
 */
#include "prio_gate.h"

#include "../sim/fault/io_fault.h"
#include "bs_test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pg_item {
    bs_kind kind;
    uint32_t channel;
    uint64_t id;
    uint64_t ts;                  /* barrier: the start it carries (type has STARTED) */
    uint32_t type;                /* barrier: BS_BARRIER_* flags */
    bool taken, announced;
} pg_item;

static void pg_tok(pg_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct pg_gate {
    pg_item items[PG_ITEMS_MAX];
    size_t len;
    uint64_t yielded, idle_ns, wake_ns;
    uint8_t payload[16];
    uint8_t peek_payload[16];     /* peek's own: next()'s payload stays valid */
    verify *v;
    pg_run *r;
} pg_gate;

static void pg_parse(pg_gate *g, const char *input)
{
    const char *p = input;
    while (*p) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        cr_assert_lt(g->len, PG_ITEMS_MAX);
        pg_item *it = &g->items[g->len++];
        char *end;
        it->channel = (uint32_t)strtoul(p, &end, 10);
        cr_assert_eq(*end, ':', "bad item at %s", p);
        p = end + 1;
        if (*p == 'd') {
            it->kind = BS_DATA;
            p++;
        } else if (strncmp(p, "eop", 3) == 0) {
            it->kind = BS_EOP;
            p += 3;
        } else {
            it->kind = *p == 'b' ? BS_BARRIER : BS_CANCEL;
            cr_assert(*p == 'b' || *p == 'x', "bad item at %s", p);
            it->id = strtoull(p + 1, &end, 10);
            p = end;
            if (*p == '@') {
                it->ts = strtoull(p + 1, &end, 10);
                it->type |= BS_BARRIER_STARTED;
                p = end;
            }
            if (*p == 'u') {
                it->type |= BS_BARRIER_UNALIGNED;
                p++;
            }
        }
    }
}

static bool pg_blocked(const uint64_t *blocked, uint32_t c) { return blocked && bs_chanset_has(blocked, c); }

static int pg_yield(pg_gate *g, size_t i, uint32_t overtaken, bs_item *out)
{
    pg_item *it = &g->items[i];
    it->taken = true;
    g->yielded++;
    memset(out, 0, sizeof *out);
    out->kind = it->kind;
    out->channel = it->channel;
    out->id = it->id;
    out->overtaken = overtaken;
    out->timestamp = it->ts;
    out->type = it->type;
    if (it->kind == BS_DATA) {
        out->len = sizeof g->payload;
        verify_payload_fill(g->payload, out->len, i);
        out->data = g->payload;
    }
    verify_item vi = {it->kind, it->channel, it->id, out->len, i, overtaken};
    return g->v && verify_yield(g->v, &vi) ? BS_ESTOPPED : 1;
}

static int pg_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    pg_gate *g = ctx;
    if (g->v && verify_gate(g->v))
        return BS_ESTOPPED;
    bool waiting = false;
    for (size_t i = 0; i < g->len; i++) {
        if (g->items[i].taken)
            continue;
        if (!pg_blocked(blocked, g->items[i].channel))
            return pg_yield(g, i, 0, out);
        waiting = true;
    }
    return waiting ? BS_EAGAIN : 0;
}

static int pg_next_priority(void *ctx, const uint64_t *blocked, bs_item *out)
{
    pg_gate *g = ctx;
    for (size_t i = 0; i < g->len; i++) {
        const pg_item *it = &g->items[i];
        if (it->taken || (it->kind != BS_BARRIER && it->kind != BS_CANCEL) || pg_blocked(blocked, it->channel))
            continue;
        uint32_t data = 0;
        bool older_marker = false;
        for (size_t j = 0; j < i; j++) {
            const pg_item *o = &g->items[j];
            if (o->taken || o->channel != it->channel)
                continue;
            if (o->kind == BS_DATA)
                data++;
            else
                older_marker = true;
        }
        if (older_marker)
            continue;
        if (g->v && verify_gate(g->v))
            return BS_ESTOPPED;
        return pg_yield(g, i, data, out);
    }
    return 0;
}

static int pg_peek(void *ctx, uint32_t channel, uint32_t i, bs_item *out)
{
    pg_gate *g = ctx;
    uint32_t seen = 0;
    for (size_t j = 0; j < g->len; j++) {
        const pg_item *it = &g->items[j];
        if (it->taken || it->channel != channel)
            continue;
        if (it->kind != BS_DATA)
            return 0;
        if (seen++ < i)
            continue;
        memset(out, 0, sizeof *out);
        out->kind = BS_DATA;
        out->channel = channel;
        out->len = sizeof g->peek_payload;
        verify_payload_fill(g->peek_payload, out->len, j);
        out->data = g->peek_payload;
        return 1;
    }
    return 0;
}

/* Announcements (EventAnnouncement): every queued barrier once, in input order. */
static int pg_announcement(void *ctx, bs_item *out)
{
    pg_gate *g = ctx;
    for (size_t i = 0; i < g->len; i++) {
        pg_item *it = &g->items[i];
        if (it->taken || it->announced || it->kind != BS_BARRIER)
            continue;
        it->announced = true;
        memset(out, 0, sizeof *out);
        out->kind = BS_BARRIER;
        out->channel = it->channel;
        out->id = it->id;
        out->timestamp = it->ts;
        out->type = it->type;
        pg_tok(g->r, "n%llu:%u", (unsigned long long)it->id, it->channel);
        return 1;
    }
    return 0;
}

/* convertToPriorityEvent: b<id> when it is the channel's first queued marker. */
static int pg_convert(void *ctx, uint32_t channel, uint64_t id, bs_item *out)
{
    pg_gate *g = ctx;
    uint32_t data = 0;
    for (size_t i = 0; i < g->len; i++) {
        const pg_item *it = &g->items[i];
        if (it->taken || it->channel != channel)
            continue;
        if (it->kind == BS_DATA) {
            data++;
            continue;
        }
        if (it->kind != BS_BARRIER || it->id != id)
            return 0;
        if (g->v && verify_gate(g->v))
            return BS_ESTOPPED;
        pg_tok(g->r, "v%llu:%u+%u", (unsigned long long)id, channel, data);
        return pg_yield(g, i, data, out);
    }
    return 0;
}

static uint64_t pg_now(void *ctx)
{
    const pg_gate *g = ctx;
    return g->yielded * 1000u + g->idle_ns;
}

static void pg_wake_at(void *ctx, uint64_t at_ns)
{
    pg_gate *g = ctx;
    g->wake_ns = at_ns;
    if (g->r->trace_wakes)
        pg_tok(g->r, "w%llu@%llu", (unsigned long long)at_ns, (unsigned long long)pg_now(g));
}

/* ---- listener -------------------------------------------------------------------- */

static void pg_tok(pg_run *r, const char *fmt, ...)
{
    char t[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    size_t n = strlen(r->trace);
    snprintf(r->trace + n, sizeof r->trace - n, "%s%s", n ? " " : "", t);
}

static void on_begin(void *ctx, uint64_t id) { pg_gate *g = ctx; if (g->v) verify_begin(g->v, id); }
static void on_unaligned(void *ctx, uint64_t id) { pg_gate *g = ctx; if (g->v) verify_unaligned(g->v, id); }
static void on_trigger(void *ctx, uint64_t id)
{
    pg_gate *g = ctx;
    pg_tok(g->r, "t%llu", (unsigned long long)id);
    if (g->v)
        verify_trigger(g->v, id);
}
static void on_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    pg_gate *g = ctx;
    pg_tok(g->r, "a%llu:%s", (unsigned long long)id, bs_abort_reason_name(why));
    if (g->v)
        verify_abort(g->v, id, why);
}
static void on_state(void *ctx, uint64_t id, const bs_item *data)
{
    pg_gate *g = ctx;
    uint64_t label = 0;
    verify_payload_parse(data->data, data->len, &label);
    pg_tok(g->r, "c%llu:%llu", (unsigned long long)id, (unsigned long long)label);
    if (g->v)
        verify_channel_state(g->v, id, data);
}
static void on_done(void *ctx, uint64_t id)
{
    pg_gate *g = ctx;
    pg_tok(g->r, "d%llu", (unsigned long long)id);
    if (g->v)
        verify_done(g->v, id);
}

/* Drives the handler to its end, an error, a violation or a deadlock. */
static void pg_drive(pg_gate *g, bs_handler *h, pg_run *r)
{
    for (size_t calls = 0; calls < 4 * PG_ITEMS_MAX; calls++) {
        bs_item it;
        int rc = bs_handler_next(h, &it);
        if (g->v && verify_failed(g->v))
            return;
        if (rc == 1) {
            uint64_t label = 0;
            if (g->v && verify_returned(g->v, &it, &label))
                return;
            if (!g->v && it.kind == BS_DATA)
                verify_payload_parse(it.data, it.len, &label);
            pg_tok(r, "%llu", (unsigned long long)label);
        } else if (rc == 0) {
            pg_tok(r, "end");
            if (g->v)
                verify_end(g->v);
            return;
        } else if (rc == BS_EAGAIN && g->wake_ns > pg_now(g)) {
            g->idle_ns += g->wake_ns - pg_now(g);
            g->wake_ns = 0;
        } else {
            snprintf(r->error, sizeof r->error, "%s", rc == BS_EAGAIN ? "deadlock" : bs_handler_errmsg(h));
            return;
        }
    }
    cr_assert_fail("the handler did not end");
}

void pg_run_input(pg_run *r, const char *input)
{
    static pg_gate g;
    memset(&g, 0, sizeof g);
    g.r = r;
    r->trace[0] = r->violation[0] = r->error[0] = '\0';
    pg_parse(&g, input);
    verify_config vc = {r->channels, VERIFY_EXACTLY_ONCE, true};
    if (r->check)
        cr_assert_eq(verify_open(&g.v, &vc), 0);
    bs_io mem_io, io;
    bs_io_mem mem;
    io_fault faults;
    bs_io_mem_init(&mem_io, &mem);
    io_fault_init(&io, &faults, &mem_io);
    if (r->fail_write_nth > 0)
        cr_assert_eq(io_fault_add(&faults, IO_WRITE, (uint64_t)r->fail_write_nth, ENOSPC, 0), 0);
    bs_gate gate = {.ctx = &g, .channels = r->channels, .next = pg_next,
                    .next_priority = r->priority ? pg_next_priority : NULL,
                    .now_ns = r->no_clock ? NULL : pg_now, .wake_at = pg_wake_at,
                    .peek = r->peek ? pg_peek : NULL,
                    .next_announcement = r->announce ? pg_announcement : NULL,
                    .convert = r->announce ? pg_convert : NULL};
    bs_listener lis = {.ctx = &g, .begin = on_begin, .unaligned = on_unaligned, .trigger = on_trigger,
                       .abort = on_abort, .channel_state = on_state, .done = on_done};
    bs_handler_config cfg = {.strategy = r->strategy, .ops = r->ops, .channels = r->channels,
                             .alignment_timeout_ns = r->timeout_ns, .max_buffered_bytes = r->max_buffered_bytes,
                             .quiet = true};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, &io, &lis), 0);
    if (r->poll_first) {
        pg_tok(r, "poll");
        cr_assert_eq(bs_handler_poll_priority(h), 0);
    }
    pg_drive(&g, h, r);
    bs_handler_close(h, NULL, 0);
    r->live_files = faults.live_files;
    r->files_created = faults.files_created;
    if (g.v && !verify_failed(g.v))
        verify_cleanup(g.v, r->live_files);
    if (g.v && verify_failed(g.v))
        snprintf(r->violation, sizeof r->violation, "%s", verify_message(g.v));
    verify_close(g.v);
    bs_io_mem_close(&mem);
}
