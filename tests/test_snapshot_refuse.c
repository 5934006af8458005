/*
 * test_snapshot_refuse.c: what bs_handler_restore accepts (barriersim.h: 0 for a snapshot
 * of the same strategy and configuration, BS_ESTATE for one that does not fit), strategy
 * by strategy, from states with something in them (a blocked channel, a spill file, a
 * pending checkpoint, a channel-state file): the snapshot itself restores to the same
 * bytes; every proper prefix, the snapshot with bytes after it, and one with its magic
 * changed are refused. Then the checks of the fields themselves: counts that only
 * overflow to fit, blocked bits past the channel count, owed data; what a canonical spill
 * snapshot must tell apart; the file numbers and files after a refused or failing restore.
 * Each snapshot is copied to an allocation of its exact size, so that a read past its end
 * is an AddressSanitizer error.
 */
#include "bs_test.h"
#include "alloc_fail.h"
#include "list_gate.h"
#include "../core/bs_strategy.h"
#include "../core/bs_spill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct state {
    const char *strategy;
    uint32_t channels;
    const char *input;
    bool priority, peek;
    int nexts; /* bs_handler_next calls after one priority poll (when priority) */
} state;

static const state states[] = {
    {"spill", 3, "0:b1 0:d 1:d", false, false, 1},          /* 0:d in spill file 1 */
    {"tracker", 3, "0:b1 0:d", false, false, 1},            /* 1 pending */
    {"block", 3, "0:b1 1:d", false, false, 1},              /* channel 0 blocked */
    {"unaligned", 3, "0:d 0:b1 1:d", true, true, 0},        /* channel-state file */
    {"unaligned", 3, "0:d 0:b1 1:d", true, false, 0},       /* 0:d owed */
    {"aligned-timeout", 3, "0:b1 1:d", false, false, 1},    /* aligned, channel 0 blocked */
};

static uint8_t *exact_copy(const uint8_t *p, size_t n, size_t extra)
{
    uint8_t *q = malloc(n + extra ? n + extra : 1);
    cr_assert_not_null(q);
    if (n)
        memcpy(q, p, n);
    memset(q + n, 0, extra);
    return q;
}

static bs_handler *state_make(const state *st, list_gate *g, const bs_io *io, lg_events *ev)
{
    lg_load(g, st->input);
    g->more = true;
    bs_handler *h = lg_open(st->strategy, st->channels, g, st->priority, st->peek, io, ev);
    if (st->priority)
        cr_assert_eq(bs_handler_poll_priority(h), 0);
    bs_item it;
    for (int i = 0; i < st->nexts; i++)
        cr_assert_eq(bs_handler_next(h, &it), 1, "%s: next %d", st->strategy, i);
    return h;
}

/* A handler in state st over in-memory files; fx_close closes both. */
typedef struct fixture {
    bs_io io;
    bs_io_mem mem;
    list_gate g;
    lg_events ev;
    bs_handler *h;
} fixture;

static bs_handler *fx_open(fixture *f, const state *st)
{
    bs_io_mem_init(&f->io, &f->mem);
    f->ev = (lg_events){""};
    f->h = state_make(st, &f->g, &f->io, &f->ev);
    return f->h;
}

static void fx_close(fixture *f)
{
    bs_handler_close(f->h, NULL, 0);
    bs_io_mem_close(&f->mem);
}

static int restore_exact(bs_handler *h, const uint8_t *p, size_t n, size_t extra)
{
    uint8_t *q = exact_copy(p, n, extra);
    int rc = bs_handler_restore(h, q, n + extra);
    free(q);
    return rc;
}

BS_TEST(snapshot_refuse, every_strategy_refuses_prefixes_padding_and_another_magic)
{
    for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
        const state *st = &states[k];
        bs_io io;
        bs_io_mem mem;
        bs_io_mem_init(&io, &mem);
        list_gate g, g2;
        lg_events ev = {""}, ev2 = {""};
        bs_handler *h = state_make(st, &g, &io, &ev);
        bs_buf snap = {0}, again = {0};
        cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
        lg_load(&g2, "");
        g2.more = true;
        bs_handler *h2 = lg_open(st->strategy, st->channels, &g2, st->priority, st->peek, &io, &ev2);
        cr_assert_eq(restore_exact(h2, snap.p, snap.len, 0), 0, "%s (%zu): its own snapshot", st->strategy, k);
        cr_assert_eq(bs_handler_snapshot(h2, 0, &again), 0);
        cr_assert(again.len == snap.len && memcmp(again.p, snap.p, snap.len) == 0, "%s (%zu): restored, it differs",
                  st->strategy, k);
        for (size_t n = 0; n < snap.len; n++)
            cr_assert_eq(restore_exact(h2, snap.p, n, 0), BS_ESTATE, "%s (%zu): %zu of %zu bytes", st->strategy, k, n,
                         snap.len);
        cr_assert_eq(restore_exact(h2, snap.p, snap.len, 8), BS_ESTATE, "%s (%zu): 8 bytes more", st->strategy, k);
        cr_assert_eq(restore_exact(h2, snap.p, snap.len, 1), BS_ESTATE, "%s (%zu): 1 byte more", st->strategy, k);
        for (int byte = 0; byte < 8; byte++) {
            uint8_t *q = exact_copy(snap.p, snap.len, 0);
            q[byte] ^= 0x5a;
            cr_assert_eq(bs_handler_restore(h2, q, snap.len), BS_ESTATE, "%s (%zu): magic byte %d changed",
                         st->strategy, k, byte);
            free(q);
        }
        bs_buf_free(&snap);
        bs_buf_free(&again);
        bs_handler_close(h, NULL, 0);
        bs_handler_close(h2, NULL, 0);
        cr_assert_eq(bs_io_mem_live(&mem), 0, "%s (%zu): files left", st->strategy, k);
        bs_io_mem_close(&mem);
    }
}

static uint64_t get_u64_at(const uint8_t *p, size_t at);

static void put_u64_at(uint8_t *p, size_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* block's layout: magic, channels, cur, barriers, closed, end of input, blocked words. */
BS_TEST(snapshot_refuse, a_closed_count_that_fits_only_by_overflowing_is_refused)
{
    list_gate g;
    lg_events ev = {""};
    bs_handler *h = state_make(&states[2], &g, lg_no_files(), &ev);
    bs_buf snap = {0};
    cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
    uint8_t *q = exact_copy(snap.p, snap.len, 0);
    put_u64_at(q, 32, UINT64_MAX); /* closed: 1 barrier + (2^64 - 1) closed wraps to 0 */
    cr_assert_eq(bs_handler_restore(h, q, snap.len), BS_ESTATE);
    put_u64_at(q, 32, 4);
    cr_assert_eq(bs_handler_restore(h, q, snap.len), BS_ESTATE, "4 closed of 3 channels");
    put_u64_at(q, 32, 2);
    cr_assert_eq(bs_handler_restore(h, q, snap.len), BS_ESTATE, "1 blocked, 2 closed of 3: would have aligned");
    put_u64_at(q, 32, 1);
    cr_assert_eq(bs_handler_restore(h, q, snap.len), 0, "1 blocked, 1 closed of 3: fits");
    free(q);
    bs_buf_free(&snap);
    bs_handler_close(h, NULL, 0);
}

/* An alignment in progress leaves some channel neither blocked nor closed (it completes the
 * moment barriers + closed reach the channel count), so a snapshot with every channel
 * blocked, or blocked or closed, is refused; one channel short of it restores. Layouts:
 * block's (magic, channels, cur, barriers, closed, end of input, blocked) and spill's full
 * one (magic, flags, channels, cur, barriers, closed, end of input, next file, blocked).
 * The mutant 233c27ea37cfc1f2 (barriers > channels became >=) survived every suite. */
BS_TEST(snapshot_refuse, an_alignment_with_every_channel_blocked_or_closed_is_refused)
{
    static const struct { size_t spec, barriers, closed, blocked; } at[] = {
        {2, 24, 32, 48}, /* block */
        {0, 32, 40, 64}, /* spill */
    };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        const state *st = &states[at[i].spec];
        fixture f;
        bs_handler *h = fx_open(&f, st);
        bs_buf snap = {0};
        cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
        uint8_t *q = exact_copy(snap.p, snap.len, 0);
        cr_assert_eq(get_u64_at(q, at[i].barriers), 1, "%s: channel 0 blocked", st->strategy);
        cr_assert_eq(get_u64_at(q, at[i].blocked), 1, "%s: channel 0 blocked", st->strategy);
        static const struct { uint64_t barriers, closed, blocked; int rc; } cases[] = {
            {3, 0, 7, BS_ESTATE}, {2, 1, 3, BS_ESTATE}, {2, 0, 3, 0}, {1, 1, 1, 0},
        };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            put_u64_at(q, at[i].barriers, cases[k].barriers);
            put_u64_at(q, at[i].closed, cases[k].closed);
            put_u64_at(q, at[i].blocked, cases[k].blocked);
            cr_assert_eq(bs_handler_restore(h, q, snap.len), cases[k].rc, "%s: %llu blocked, %llu closed of 3",
                         st->strategy, (unsigned long long)cases[k].barriers, (unsigned long long)cases[k].closed);
        }
        free(q);
        bs_buf_free(&snap);
        fx_close(&f);
    }
}

/* The blocked set's last word has no bit past the channel count, whatever the count. */
BS_TEST(snapshot_refuse, blocked_bits_past_the_channel_count_are_refused_and_the_last_channel_is_not)
{
    static const uint32_t counts[] = {63, 64, 65, 126, 127, 128};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        uint32_t n = counts[i];
        list_gate g;
        lg_events ev = {""};
        char input[32];
        snprintf(input, sizeof input, "%u:b1 0:d", n - 1); /* the last channel blocked */
        lg_load(&g, input);
        g.more = true;
        bs_handler *h = lg_open("block", n, &g, false, false, lg_no_files(), &ev);
        bs_item it;
        cr_assert_eq(bs_handler_next(h, &it), 1);
        bs_buf snap = {0};
        cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
        cr_assert_eq(restore_exact(h, snap.p, snap.len, 0), 0, "%u channels, channel %u blocked", n, n - 1);
        if (n % 64) {
            uint8_t *q = exact_copy(snap.p, snap.len, 0);
            size_t last = snap.len - 8;
            uint64_t word = 0;
            for (int b = 0; b < 8; b++)
                word |= (uint64_t)q[last + (size_t)b] << (8 * b);
            cr_assert_eq(word, (uint64_t)1 << ((n - 1) % 64));
            put_u64_at(q, last, (uint64_t)1 << 63); /* one bit, as many as barriers: past n */
            cr_assert_eq(bs_handler_restore(h, q, snap.len), BS_ESTATE, "%u channels: bit 63 of the last word", n);
            free(q);
        }
        bs_buf_free(&snap);
        bs_handler_close(h, NULL, 0);
    }
}

/* Data a barrier overtook and the operator has not read yet (a gate without peek) is
 * owed: a snapshot with owed data restores. */
BS_TEST(snapshot_refuse, owed_data_restores)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate g, g2;
    lg_events ev = {""}, ev2 = {""};
    lg_load(&g, "0:d 0:d 0:d 0:b1 1:d 1:b1 2:d");
    bs_handler *h = lg_open("unaligned", 3, &g, true, false, &io, &ev);
    cr_assert_eq(bs_handler_poll_priority(h), 0);
    cr_assert_str_eq(ev.text, "t1");
    bs_buf snap = {0}, again = {0};
    cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
    lg_load(&g2, "");
    bs_handler *h2 = lg_open("unaligned", 3, &g2, true, false, &io, &ev2);
    cr_assert_eq(restore_exact(h2, snap.p, snap.len, 0), 0, "4 data items owed");
    cr_assert_eq(bs_handler_snapshot(h2, 0, &again), 0);
    cr_assert(again.len == snap.len && memcmp(again.p, snap.p, snap.len) == 0);
    bs_buf_free(&snap);
    bs_buf_free(&again);
    bs_handler_close(h, NULL, 0);
    bs_handler_close(h2, NULL, 0);
    bs_io_mem_close(&mem);
}

/* Two spill states alike but for the channel of the spilled record (the first byte of the
 * file being written) behave differently on replay: their canonical snapshots differ. */
BS_TEST(snapshot_refuse, canonical_spill_snapshots_tell_the_whole_file_apart)
{
    static const char *const inputs[] = {"0:b1 1:b1 0:d", "0:b1 1:b1 1:d"};
    bs_buf snap[2] = {{0}, {0}};
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    for (int i = 0; i < 2; i++) {
        list_gate g;
        lg_events ev = {""};
        lg_load(&g, inputs[i]);
        g.more = true;
        bs_handler *h = lg_open("spill", 3, &g, false, false, &io, &ev);
        bs_item it;
        cr_assert_eq(bs_handler_next(h, &it), BS_EAGAIN);
        cr_assert(!bs_handler_is_empty(h), "the data item is spilled");
        cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &snap[i]), 0);
        bs_handler_close(h, NULL, 0);
    }
    cr_assert_eq(snap[0].len, snap[1].len);
    cr_assert_neq(memcmp(snap[0].p, snap[1].p, snap[0].len), 0, "0:d and 1:d spilled, snapshots alike");
    bs_buf_free(&snap[0]);
    bs_buf_free(&snap[1]);
    bs_io_mem_close(&mem);
}

/* Memory files whose opens are logged. */
typedef struct open_log {
    bs_io inner;
    uint64_t last_no;
} open_log;
static int ol_open(void *c, uint64_t no, bs_file *f)
{
    open_log *o = c;
    o->last_no = no;
    return o->inner.open(o->inner.ctx, no, f);
}
static long ol_write(void *c, bs_file *f, const void *b, size_t n)
{
    open_log *o = c;
    return o->inner.write(o->inner.ctx, f, b, n);
}
static long ol_read(void *c, bs_file *f, uint64_t off, void *b, size_t n)
{
    open_log *o = c;
    return o->inner.read(o->inner.ctx, f, off, b, n);
}
static int ol_close(void *c, bs_file *f) { open_log *o = c; return o->inner.close(o->inner.ctx, f); }
static int ol_unlink(void *c, bs_file *f) { open_log *o = c; return o->inner.unlink(o->inner.ctx, f); }

/* Spill file numbers only grow within a handler: a refused restore does not lower the
 * next number to the snapshot's, nor does a later one that succeeds. */
BS_TEST(snapshot_refuse, a_refused_spill_restore_does_not_lower_the_next_file_number)
{
    bs_io mem_io;
    bs_io_mem mem;
    bs_io_mem_init(&mem_io, &mem);
    open_log ol = {mem_io, 0};
    bs_io io = {&ol, ol_open, ol_write, ol_read, ol_close, ol_unlink};
    list_gate g, g0;
    lg_events ev = {""}, ev0 = {""};
    lg_load(&g0, "");
    bs_handler *fresh = lg_open("spill", 2, &g0, false, false, &io, &ev0);
    bs_buf snap = {0};
    cr_assert_eq(bs_handler_snapshot(fresh, 0, &snap), 0); /* next file number 1 */
    bs_handler_close(fresh, NULL, 0);

    lg_load(&g, "0:b1 0:d 1:b1 0:b2 0:d 1:b2");
    g.more = true;
    bs_handler *h = lg_open("spill", 2, &g, false, false, &io, &ev);
    bs_item it;
    while (bs_handler_next(h, &it) == 1)
        ;
    cr_assert_str_eq(ev.text, "t1 t2");
    cr_assert_eq(ol.last_no, 2);
    cr_assert_eq(restore_exact(h, snap.p, snap.len, 8), BS_ESTATE);
    cr_assert_eq(restore_exact(h, snap.p, snap.len, 0), 0);
    lg_load(&g, "0:b3 0:d 1:b3");
    g.more = true;
    while (bs_handler_next(h, &it) == 1)
        ;
    cr_assert_str_eq(ev.text, "t1 t2 t3");
    cr_assert_eq(ol.last_no, 3, "file %llu reused", (unsigned long long)ol.last_no);
    bs_buf_free(&snap);
    bs_handler_close(h, NULL, 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}

/*
 * Three channels; file 1 is replayed after t1; during it b2 spills to file 2, and 1:b3
 * subsumes 2 so that file 2 is replayed first with file 1 interrupted (a nested replay:
 * test_spill_file.c's fault workload).
 */
static const char nested[] = "0:d 1:d 2:d 0:b1 0:d 0:b2 0:d 0:d 1:b1 1:d 1:b3 1:d 2:b1 2:d 0:b3 0:d 2:b3 0:eop 1:eop 2:eop";

/* Each allocation failing in turn while a spill state is restored, at every step of a
 * run with nested replays: the restore fails cleanly, leaving no file and no leak. */
BS_TEST(snapshot_refuse, every_allocation_failing_in_a_spill_restore_leaves_no_file)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate g;
    lg_events ev = {""};
    lg_load(&g, nested);
    bs_handler *h = lg_open("spill", 3, &g, false, false, &io, &ev);
    int rc;
    size_t steps = 0, failures = 0;
    do {
        bs_buf snap = {0};
        cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
        for (unsigned long n = 1;; n++) {
            bs_io io2;
            bs_io_mem mem2;
            bs_io_mem_init(&io2, &mem2);
            list_gate g2;
            lg_events ev2 = {""};
            lg_load(&g2, "");
            bs_handler *h2 = lg_open("spill", 3, &g2, false, false, &io2, &ev2);
            alloc_fail_arm(n);
            int r = bs_handler_restore(h2, snap.p, snap.len);
            alloc_fail_arm(0);
            bool fired = alloc_fail_fired();
            bs_handler_close(h2, NULL, 0);
            cr_assert_eq(bs_io_mem_live(&mem2), 0, "step %zu, allocation %lu failing: files left", steps, n);
            bs_io_mem_close(&mem2);
            if (!fired) {
                cr_assert_eq(r, 0, "step %zu: %d", steps, r);
                break;
            }
            cr_assert_neq(r, 0, "step %zu: allocation %lu failed unnoticed", steps, n);
            failures++;
        }
        bs_buf_free(&snap);
        bs_item it;
        rc = bs_handler_next(h, &it);
        steps++;
    } while (rc == 1);
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(ev.text, "t1 a2:other t3");
    cr_assert_gt(failures, steps);
    bs_handler_close(h, NULL, 0);
    bs_io_mem_close(&mem);
}

static void no_payload(void *ctx, uint8_t *data, uint32_t len, const uint32_t *perm)
{
    (void)ctx, (void)data, (void)len, (void)perm;
}

/* A strategy's channel renaming (bs_strategy.relabel, used by `check`'s symmetry
 * reduction) reads a canonical snapshot as restore does: the whole snapshot under the
 * identity renaming gives 0, and every proper prefix is BS_ESTATE, never a renamed state
 * read from bytes that are not there (a mutant that took a blocked set cut short for a
 * whole one survived every suite). */
BS_TEST(snapshot_refuse, relabel_refuses_every_prefix_of_a_canonical_snapshot)
{
    static const uint32_t identity[3] = {0, 1, 2};
    for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
        const state *st = &states[k];
        const bs_strategy *s = bs_strategy_find(st->strategy);
        cr_assert_not_null(s);
        if (!s->relabel)
            continue;
        fixture f;
        bs_handler *h = fx_open(&f, st);
        bs_buf snap = {0}, out = {0};
        cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &snap), 0);
        cr_assert_eq(s->relabel(snap.p, snap.len, st->channels, identity, no_payload, NULL, &out), 0,
                     "%s (%zu): its own snapshot", st->strategy, k);
        for (size_t n = 0; n < snap.len; n++) {
            uint8_t *q = exact_copy(snap.p, n, 0);
            out.len = 0;
            cr_assert_eq(s->relabel(q, n, st->channels, identity, no_payload, NULL, &out), BS_ESTATE,
                         "%s (%zu): %zu of %zu bytes", st->strategy, k, n, snap.len);
            free(q);
        }
        bs_buf_free(&snap);
        bs_buf_free(&out);
        fx_close(&f);
    }
}

static uint64_t get_u64_at(const uint8_t *p, size_t at)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[at + (size_t)i] << (8 * i);
    return v;
}

/* spill's renaming of a corrupt snapshot: a blocked bit past the channel count is no channel:
 * renaming reads no perm entry for it (perm is exactly `channels` long, so AddressSanitizer
 * sees a read past it) and refuses the snapshot, as restoring it does (the shared
 * bs_chanset_relabel; the mutant 7cf10974515c2910 survived every suite). */
BS_TEST(snapshot_refuse, spill_relabel_refuses_a_channel_past_the_count)
{
    const state *st = &states[0]; /* spill, 3 channels, 0:d in a spill file */
    fixture f;
    bs_handler *h = fx_open(&f, st);
    const bs_strategy *s = bs_strategy_find("spill");
    bs_buf snap = {0}, out = {0};
    cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &snap), 0);
    uint32_t *perm = malloc(3 * sizeof *perm);
    cr_assert_not_null(perm);
    perm[0] = 0, perm[1] = 1, perm[2] = 2;
    uint8_t *q = exact_copy(snap.p, snap.len, 0);
    uint64_t blocked = get_u64_at(q, 64);
    put_u64_at(q, 64, blocked | 1u << 5); /* channel 5 of 3 */
    cr_assert_eq(s->relabel(q, snap.len, 3, perm, no_payload, NULL, &out), BS_ESTATE,
                 "a bit past the channel count was taken for a channel");
    put_u64_at(q, 64, blocked);
    bs_buf_free(&out);
    cr_assert_eq(s->relabel(q, snap.len, 3, perm, no_payload, NULL, &out), 0);
    cr_assert_eq(get_u64_at(out.p, 64), blocked);
    free(q);
    free(perm);
    bs_buf_free(&snap);
    bs_buf_free(&out);
    fx_close(&f);
}

/* spill's renaming of a corrupt snapshot: a spill record's channel is all four bytes of its
 * header's first field, so a record naming channel 1 + 2^24 of 3 is refused as restoring it
 * is (the mutant 6590e23b5a540cf3 read byte 2 where byte 3 belongs and took it for channel 1).
 * Layout (spill_snapshot.c): 8 head words, the blocked set, then the written file's section:
 * its count, then per file (no, size, offset, n) and n bytes of whole records. */
BS_TEST(snapshot_refuse, spill_relabel_reads_a_record_channel_whole)
{
    const state *st = &states[0]; /* spill, 3 channels, 0:d in a spill file */
    fixture f;
    bs_handler *h = fx_open(&f, st);
    const bs_strategy *s = bs_strategy_find("spill");
    bs_buf snap = {0}, out = {0};
    cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &snap), 0);
    uint32_t perm[3] = {0, 1, 2};
    size_t section = 64 + 8 * bs_chanset_words(3);
    cr_assert_eq(get_u64_at(snap.p, section), 1, "one written spill file");
    size_t records = section + 8 + 32, n = (size_t)get_u64_at(snap.p, section + 8 + 24);
    cr_assert_geq(n, BS_SPILL_HEADER_BYTES);
    cr_assert_leq(records + n, snap.len);
    cr_assert_eq(get_u64_at(snap.p, records) & 0xffffffffu, 0, "the record is 0:d");
    uint8_t *q = exact_copy(snap.p, snap.len, 0);
    q[records] = 1, q[records + 3] = 1; /* channel 1 + 2^24 */
    cr_assert_eq(s->relabel(q, snap.len, 3, perm, no_payload, NULL, &out), BS_ESTATE,
                 "channel 2^24 + 1 of 3 was renamed");
    q[records + 3] = 0; /* channel 1: a channel, renamed */
    bs_buf_free(&out);
    perm[1] = 2, perm[2] = 1;
    cr_assert_eq(s->relabel(q, snap.len, 3, perm, no_payload, NULL, &out), 0);
    cr_assert_eq(get_u64_at(out.p, records) & 0xffffffffu, 2);
    free(q);
    bs_buf_free(&snap);
    bs_buf_free(&out);
    fx_close(&f);
}

/* Channel sets span words: renaming a state of 70 channels by the reversal k -> 69 - k
 * moves channel 64 (the first of the second word) and 66 into the first word and back, and
 * renaming twice gives the snapshot itself (the reversal is its own inverse), for every
 * strategy with a relabel hook (the mutant 61283e61298f87db started the second word's
 * channels at 65 and survived every suite: the checker explores at most 16 channels). */
BS_TEST(snapshot_refuse, relabel_renames_channels_of_the_second_word_and_back)
{
    static const state wide[] = {
        {"spill", 70, "64:b1 64:d 66:d", false, false, 1},     /* 64:d in a spill file */
        {"tracker", 70, "64:b1 64:d", false, false, 1},        /* 1 pending */
        {"block", 70, "64:b1 66:d", false, false, 1},          /* channel 64 blocked */
        {"unaligned", 70, "64:d 64:b1 66:d", true, true, 0},   /* channel-state file */
        {"aligned-timeout", 70, "64:b1 66:d", false, false, 1}, /* channel 64 blocked */
    };
    uint32_t perm[70];
    for (uint32_t k = 0; k < 70; k++)
        perm[k] = 69 - k;
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++) {
        const state *st = &wide[k];
        const bs_strategy *s = bs_strategy_find(st->strategy);
        cr_assert(s && s->relabel, "%s", st->strategy);
        fixture f;
        bs_handler *h = fx_open(&f, st);
        bs_buf snap = {0}, once = {0}, twice = {0};
        cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &snap), 0);
        cr_assert_eq(s->relabel(snap.p, snap.len, 70, perm, no_payload, NULL, &once), 0, "%s", st->strategy);
        cr_assert_eq(once.len, snap.len, "%s", st->strategy);
        cr_assert(memcmp(once.p, snap.p, snap.len) != 0, "%s: channels 64 and 66 were not renamed", st->strategy);
        cr_assert_eq(s->relabel(once.p, once.len, 70, perm, no_payload, NULL, &twice), 0, "%s", st->strategy);
        cr_assert_eq(twice.len, snap.len, "%s", st->strategy);
        cr_assert(memcmp(twice.p, snap.p, snap.len) == 0, "%s: renamed twice is not itself", st->strategy);
        bs_buf_free(&snap);
        bs_buf_free(&once);
        bs_buf_free(&twice);
        fx_close(&f);
    }
}

/* aligned-timeout's layout: magic, the alignment's start, forced, the announced checkpoint,
 * its start, its forced flag, ... Both flags restore as 0 or 1 and refuse 2 (a forced
 * alignment comes from a barrier converted upstream, which the model checker never yields:
 * no search restored one, and the mutants that refused forced = 1 or took
 * announced-forced = 2 survived). A checkpoint that started clears the announcement (0). */
BS_TEST(snapshot_refuse, aligned_timeout_flags_restore_as_0_or_1_and_an_adopted_announcement_is_0)
{
    const state *st = &states[5]; /* aligned-timeout: aligned, channel 0 blocked */
    fixture f;
    bs_handler *h = fx_open(&f, st);
    bs_buf snap = {0};
    cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
    cr_assert_eq(get_u64_at(snap.p, 24), 0, "b1 started: no announced checkpoint left");
    uint8_t *q = exact_copy(snap.p, snap.len, 0);
    static const size_t at[] = {16, 40}; /* forced, announced forced */
    for (size_t i = 0; i < 2; i++) {
        for (uint64_t flag = 0; flag <= 2; flag++) {
            put_u64_at(q, at[i], flag);
            cr_assert_eq(bs_handler_restore(h, q, snap.len), flag <= 1 ? 0 : BS_ESTATE, "word %zu = %llu", at[i],
                         (unsigned long long)flag);
        }
        put_u64_at(q, at[i], 0);
    }
    free(q);
    bs_buf_free(&snap);
    fx_close(&f);
}

/* unaligned's next file number survives a restore when no file is open: a checkpoint whose
 * channel state went to file 1 is done (the file deleted), so the snapshot says "no file,
 * next number 2", and a fresh handler restored from it snapshots the same bytes (the mutant
 * that read the next number from the has-a-file word survived every suite). */
BS_TEST(snapshot_refuse, unaligned_restores_its_next_file_number_without_an_open_file)
{
    const state st = {"unaligned", 3, "0:d 0:b1 1:b1 2:b1 1:d 2:d", true, true, 3};
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate g, g2;
    lg_events ev = {""}, ev2 = {""};
    bs_handler *h = state_make(&st, &g, &io, &ev);
    cr_assert(strstr(ev.text, "d1"), "the checkpoint is done: %s", ev.text);
    cr_assert_eq(bs_io_mem_live(&mem), 0, "its channel-state file deleted");
    bs_buf snap = {0}, again = {0};
    cr_assert_eq(bs_handler_snapshot(h, 0, &snap), 0);
    lg_load(&g2, "");
    g2.more = true;
    bs_handler *h2 = lg_open("unaligned", 3, &g2, true, true, &io, &ev2);
    cr_assert_eq(bs_handler_restore(h2, snap.p, snap.len), 0);
    cr_assert_eq(bs_handler_snapshot(h2, 0, &again), 0);
    cr_assert(again.len == snap.len && memcmp(again.p, snap.p, snap.len) == 0, "restored, it snapshots otherwise");
    bs_buf_free(&snap);
    bs_buf_free(&again);
    bs_handler_close(h, NULL, 0);
    bs_handler_close(h2, NULL, 0);
    bs_io_mem_close(&mem);
}

/* spill's renaming walks records by their 4-byte length: a spilled item of 300 bytes (its
 * length's second byte not 0) is renamed and renamed back to itself (the mutant that shifted
 * that byte by 7 survived every suite: the model checker's items are 16 bytes). */
BS_TEST(snapshot_refuse, spill_relabel_walks_a_record_longer_than_255_bytes)
{
    static uint8_t big[300];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    list_gate g;
    lg_events ev = {""};
    lg_load(&g, "0:b1 0:d 0:d 1:d");
    g.more = true;
    g.items[1].len = g.items[2].len = sizeof big;
    g.items[1].data = g.items[2].data = big;
    bs_handler *h = lg_open("spill", 3, &g, false, false, &io, &ev);
    bs_item it;
    cr_assert_eq(bs_handler_next(h, &it), 1);
    cr_assert_eq(it.channel, 1, "channel 0's two items went to the spill file");
    bs_buf snap = {0}, once = {0}, twice = {0};
    cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &snap), 0);
    const bs_strategy *s = bs_strategy_find("spill");
    uint32_t perm[3] = {2, 0, 1}, inv[3] = {1, 2, 0};
    cr_assert_eq(s->relabel(snap.p, snap.len, 3, perm, no_payload, NULL, &once), 0);
    cr_assert_eq(s->relabel(once.p, once.len, 3, inv, no_payload, NULL, &twice), 0);
    cr_assert(twice.len == snap.len && memcmp(twice.p, snap.p, snap.len) == 0);
    bs_buf_free(&snap);
    bs_buf_free(&once);
    bs_buf_free(&twice);
    bs_handler_close(h, NULL, 0);
    bs_io_mem_close(&mem);
}

/* A relabel hook renames a snapshot of exactly `channels` channels: told 4 for a snapshot
 * of 3, every strategy refuses it (the tracker's mutant that joined the channel-count and
 * pending-count tests with && survived). */
BS_TEST(snapshot_refuse, relabel_refuses_a_snapshot_of_another_channel_count)
{
    static const uint32_t identity[4] = {0, 1, 2, 3};
    for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
        const state *st = &states[k];
        const bs_strategy *s = bs_strategy_find(st->strategy);
        fixture f;
        bs_handler *h = fx_open(&f, st);
        bs_buf snap = {0}, out = {0};
        cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &snap), 0);
        cr_assert_eq(s->relabel(snap.p, snap.len, 4, identity, no_payload, NULL, &out), BS_ESTATE, "%s (%zu)",
                     st->strategy, k);
        bs_buf_free(&snap);
        bs_buf_free(&out);
        fx_close(&f);
    }
}

/* A canonical spill snapshot's file records carry file number 0 (numbers are not part of
 * a state): one that says 1 is refused, even when it holds no record bytes and is the
 * last thing in the snapshot (the mutant that accepted it there survived every suite). */
BS_TEST(snapshot_refuse, spill_relabel_refuses_a_file_number_in_a_canonical_snapshot)
{
    const state *st = &states[0]; /* for the magic */
    fixture f;
    bs_handler *h = fx_open(&f, st);
    bs_buf snap = {0}, out = {0}, made = {0};
    cr_assert_eq(bs_handler_snapshot(h, BS_SNAP_CANONICAL, &snap), 0);
    /* head (magic, flags, channels, cur, barriers, closed, end, next file), blocked, then
     * no written file, no replay, a stack of one empty file numbered `no` */
    for (uint64_t no = 0; no <= 1; no++) {
        made.len = out.len = 0;
        const uint64_t w[] = {get_u64_at(snap.p, 0), get_u64_at(snap.p, 8), 3, 0, 0, 0, 0, 0, 0,
                              0, 0, 1, no, 0, 0, 0};
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
            cr_assert_eq(bs_buf_put_u64(&made, w[i]), 0);
        uint32_t perm[3] = {0, 1, 2};
        cr_assert_eq(bs_strategy_find("spill")->relabel(made.p, made.len, 3, perm, no_payload, NULL, &out),
                     no ? BS_ESTATE : 0, "file number %llu", (unsigned long long)no);
    }
    bs_buf_free(&snap);
    bs_buf_free(&out);
    bs_buf_free(&made);
    fx_close(&f);
}
