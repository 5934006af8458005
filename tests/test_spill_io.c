/*
 * test_spill_io.c: the spiller and its sequences (core/spill/spiller.c) against an I/O
 * layer that misbehaves in the ways the seam allows (barriersim.h, "I/O interface"):
 * interrupted calls (-EINTR, retried at most BS_IO_EINTR_RETRIES times in a row), writes
 * that make no progress, reads asked past a file's end, and failures while a file is
 * recreated. Also the record header's channel bytes, the small read window of a small
 * sequence, and bs_spill_file_copy of a byte range. Everything runs on memory files
 * (core/io/mem.c) behind a wrapper that counts calls and injects the misbehaviour.
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../core/bs_spill.h"
#include "alloc_fail.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { Q_OPEN, Q_WRITE, Q_READ, Q_CLOSE, Q_UNLINK, Q_CALLS };

/* Memory files behind a wrapper: the first `fail_times[k]` calls of kind k return
 * -fail_err[k] (-1: every call); writes may first return 0 `write_zero` times. */
typedef struct quirk {
    bs_io mem_io, io;
    bs_io_mem mem;
    int fail_err[Q_CALLS];
    long fail_times[Q_CALLS];
    long write_zero;
    unsigned long calls[Q_CALLS];
    uint64_t read_end_max;      /* the largest off + n a read asked for */
    size_t read_max;            /* > 0: a read transfers at most this many bytes (short reads) */
    uint64_t last_open_no;
} quirk;

static bool quirk_fails(quirk *q, int k)
{
    q->calls[k]++;
    if (q->fail_times[k] == 0)
        return false;
    if (q->fail_times[k] > 0)
        q->fail_times[k]--;
    return true;
}

static int q_open(void *ctx, uint64_t no, bs_file *f)
{
    quirk *q = ctx;
    q->last_open_no = no;
    return quirk_fails(q, Q_OPEN) ? -q->fail_err[Q_OPEN] : q->mem_io.open(q->mem_io.ctx, no, f);
}

static long q_write(void *ctx, bs_file *f, const void *buf, size_t n)
{
    quirk *q = ctx;
    if (quirk_fails(q, Q_WRITE))
        return -q->fail_err[Q_WRITE];
    if (q->write_zero != 0) {
        if (q->write_zero > 0)
            q->write_zero--;
        return 0;
    }
    return q->mem_io.write(q->mem_io.ctx, f, buf, n);
}

static long q_read(void *ctx, bs_file *f, uint64_t off, void *buf, size_t n)
{
    quirk *q = ctx;
    if (off + n > q->read_end_max)
        q->read_end_max = off + n;
    if (q->read_max && n > q->read_max)
        n = q->read_max; /* asked for more: the check above already saw it */
    return quirk_fails(q, Q_READ) ? -q->fail_err[Q_READ] : q->mem_io.read(q->mem_io.ctx, f, off, buf, n);
}

static int q_close(void *ctx, bs_file *f)
{
    quirk *q = ctx;
    return quirk_fails(q, Q_CLOSE) ? -q->fail_err[Q_CLOSE] : q->mem_io.close(q->mem_io.ctx, f);
}

static int q_unlink(void *ctx, bs_file *f)
{
    quirk *q = ctx;
    return quirk_fails(q, Q_UNLINK) ? -q->fail_err[Q_UNLINK] : q->mem_io.unlink(q->mem_io.ctx, f);
}

static void quirk_init(quirk *q)
{
    memset(q, 0, sizeof *q);
    cr_assert_eq(bs_io_mem_init(&q->mem_io, &q->mem), 0);
    q->io = (bs_io){q, q_open, q_write, q_read, q_close, q_unlink};
}

static void quirk_set(quirk *q, int k, int err, long times)
{
    q->fail_err[k] = err;
    q->fail_times[k] = times;
}

static void quirk_reset_counts(quirk *q) { memset(q->calls, 0, sizeof q->calls); }

static const uint8_t payload[40] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

static bs_item data_on(uint32_t channel, uint32_t len)
{
    return (bs_item){.kind = BS_DATA, .channel = channel, .len = len, .data = payload};
}

/* Standard error as a string, to check the lines the core prints there. */
typedef struct err_capture {
    FILE *saved;
    char *text;
    size_t len;
} err_capture;

static void err_capture_begin(err_capture *c)
{
    fflush(stderr);
    c->saved = stderr;
    c->text = NULL;
    FILE *m = open_memstream(&c->text, &c->len);
    cr_assert_not_null(m);
    stderr = m;
}

static void err_capture_end(err_capture *c)
{
    fclose(stderr);
    stderr = c->saved;
}

/* ---- interrupted calls -------------------------------------------------------------- */

/* Each I/O call interrupted BS_IO_EINTR_RETRIES - 1 times in a row still succeeds; one
 * interrupted every time is tried exactly BS_IO_EINTR_RETRIES times, then is an error. */
BS_TEST(spill_io, an_interrupted_open_or_write_is_tried_exactly_the_retry_bound)
{
    static const int kinds[] = {Q_OPEN, Q_WRITE};
    for (size_t i = 0; i < 2; i++) {
        int k = kinds[i];
        quirk q;
        quirk_init(&q);
        bs_spiller sp;
        cr_assert_eq(bs_spiller_init(&sp, &q.io, 64, 4), 0);
        sp.quiet = true;
        bs_item it = data_on(1, 20);
        quirk_set(&q, k, EINTR, BS_IO_EINTR_RETRIES - 1);
        cr_assert_eq(bs_spiller_add(&sp, &it), 0, "kind %d: interrupted %d times", k, BS_IO_EINTR_RETRIES - 1);
        cr_assert_eq(q.calls[k], BS_IO_EINTR_RETRIES, "kind %d: %lu calls", k, q.calls[k]);
        cr_assert_eq(bs_spiller_discard(&sp, NULL, 0), 0);
        quirk_reset_counts(&q);
        quirk_set(&q, k, EINTR, -1);
        cr_assert_eq(bs_spiller_add(&sp, &it), BS_EIO, "kind %d: interrupted forever", k);
        cr_assert_eq(q.calls[k], BS_IO_EINTR_RETRIES, "kind %d: %lu calls", k, q.calls[k]);
        char want[64];
        snprintf(want, sizeof want, "spill file 2: %s: %s", k == Q_OPEN ? "open" : "write", strerror(EINTR));
        cr_assert_str_eq(sp.errmsg, want);
        quirk_set(&q, k, 0, 0);
        cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
        cr_assert_eq(bs_io_mem_live(&q.mem), 0);
        bs_io_mem_close(&q.mem);
    }
}

/* A spilled file with two records, rolled over into a sequence. */
static bs_spill_seq *two_records(quirk *q, bs_spiller *sp)
{
    cr_assert_eq(bs_spiller_init(sp, &q->io, 64, 4), 0);
    sp->quiet = true;
    bs_item a = data_on(1, 20), b = data_on(3, 7);
    cr_assert_eq(bs_spiller_add(sp, &a), 0);
    cr_assert_eq(bs_spiller_add(sp, &b), 0);
    bs_spill_seq *seq;
    cr_assert_eq(bs_spiller_roll_over(sp, &seq), 0);
    cr_assert_not_null(seq);
    return seq;
}

BS_TEST(spill_io, an_interrupted_read_or_unlink_is_tried_exactly_the_retry_bound)
{
    quirk q;
    quirk_init(&q);
    bs_spiller sp;
    bs_spill_seq *seq = two_records(&q, &sp);
    bs_item out;
    char msg[200];
    quirk_set(&q, Q_READ, EINTR, BS_IO_EINTR_RETRIES - 1);
    cr_assert_eq(bs_spill_seq_next(seq, &out, msg, sizeof msg), 1);
    cr_assert_eq(out.channel, 1);
    cr_assert_eq(out.len, 20);
    cr_assert_eq(memcmp(out.data, payload, 20), 0);
    cr_assert_eq(q.calls[Q_READ], BS_IO_EINTR_RETRIES);
    cr_assert_eq(bs_spill_seq_delete(seq, NULL, 0), 0);
    seq = NULL;

    quirk_reset_counts(&q);
    bs_item a = data_on(2, 5);
    cr_assert_eq(bs_spiller_add(&sp, &a), 0);
    cr_assert_eq(bs_spiller_roll_over(&sp, &seq), 0);
    quirk_set(&q, Q_READ, EINTR, -1);
    cr_assert_eq(bs_spill_seq_next(seq, &out, msg, sizeof msg), BS_EIO);
    cr_assert_eq(q.calls[Q_READ], BS_IO_EINTR_RETRIES, "%lu reads", q.calls[Q_READ]);
    quirk_set(&q, Q_READ, 0, 0);
    quirk_set(&q, Q_UNLINK, EINTR, BS_IO_EINTR_RETRIES - 1);
    cr_assert_eq(bs_spill_seq_delete(seq, msg, sizeof msg), 0, "unlink interrupted %d times", BS_IO_EINTR_RETRIES - 1);
    cr_assert_eq(q.calls[Q_UNLINK], BS_IO_EINTR_RETRIES);
    cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&q.mem), 0);
    bs_io_mem_close(&q.mem);
}

/* ---- writes that make no progress ------------------------------------------------- */

/* A write of 0 bytes is no error by itself: up to 16 in a row are retried; the 17th is
 * "write: Input/output error". */
BS_TEST(spill_io, a_write_that_makes_no_progress_is_retried_then_an_error)
{
    quirk q;
    quirk_init(&q);
    bs_spiller sp;
    cr_assert_eq(bs_spiller_init(&sp, &q.io, 64, 4), 0);
    sp.quiet = true;
    bs_item it = data_on(0, 12);
    q.write_zero = 16;
    cr_assert_eq(bs_spiller_add(&sp, &it), 0);
    cr_assert_eq(q.calls[Q_WRITE], 17);
    cr_assert_eq(sp.bytes, BS_SPILL_HEADER_BYTES + 12);
    quirk_reset_counts(&q);
    q.write_zero = -1;
    cr_assert_eq(bs_spiller_add(&sp, &it), BS_EIO);
    cr_assert_eq(q.calls[Q_WRITE], 17);
    char want[64];
    snprintf(want, sizeof want, "spill file 1: write: %s", strerror(EIO));
    cr_assert_str_eq(sp.errmsg, want);
    cr_assert_eq(sp.bytes, BS_SPILL_HEADER_BYTES + 12, "the failed record is not counted");
    q.write_zero = 0;
    cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&q.mem), 0);
    bs_io_mem_close(&q.mem);
}

/* ---- the record header ------------------------------------------------------------- */

/* The header's channel is 4 little-endian bytes; a spiller told of no channel count
 * (channels 0, as spill dump's tests use it) takes any channel. */
BS_TEST(spill_io, the_header_keeps_all_four_channel_bytes)
{
    quirk q;
    quirk_init(&q);
    bs_spiller sp;
    cr_assert_eq(bs_spiller_init(&sp, &q.io, 64, 0), 0);
    static const uint32_t channels[] = {0x01020304u, 0x00ff0000u, 0x7f000001u};
    for (size_t i = 0; i < 3; i++) {
        bs_item it = data_on(channels[i], 3);
        cr_assert_eq(bs_spiller_add(&sp, &it), 0);
    }
    uint8_t raw[3 * (BS_SPILL_HEADER_BYTES + 3)];
    cr_assert_eq(q.mem_io.read(q.mem_io.ctx, &sp.file, 0, raw, sizeof raw), (long)sizeof raw);
    for (size_t i = 0; i < 3; i++) {
        const uint8_t *h = raw + i * (BS_SPILL_HEADER_BYTES + 3);
        uint32_t c = channels[i];
        cr_assert(h[0] == (c & 0xff) && h[1] == (c >> 8 & 0xff) && h[2] == (c >> 16 & 0xff) && h[3] == c >> 24,
                  "record %zu: %02x %02x %02x %02x", i, h[0], h[1], h[2], h[3]);
    }
    cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
    bs_io_mem_close(&q.mem);
}

/* ---- reading a sequence back -------------------------------------------------------- */

/* A sequence asks its file only for the bytes written to it, and a small file gets a
 * small read window (the smallest power of two from 64 up that holds it). */
BS_TEST(spill_io, a_sequence_reads_only_its_bytes_through_a_window_its_size)
{
    quirk q;
    quirk_init(&q);
    bs_spiller sp;
    bs_spill_seq *seq = two_records(&q, &sp);
    uint64_t size = 2 * BS_SPILL_HEADER_BYTES + 20 + 7;
    cr_assert_eq(seq->size_bytes, size);
    cr_assert_eq(seq->reader.buf_cap, 64);
    bs_item out;
    char msg[200];
    cr_assert_eq(bs_spill_seq_next(seq, &out, msg, sizeof msg), 1);
    cr_assert_eq(bs_spill_seq_next(seq, &out, msg, sizeof msg), 1);
    cr_assert_eq(out.channel, 3);
    cr_assert_eq(out.len, 7);
    cr_assert_eq(bs_spill_seq_next(seq, &out, msg, sizeof msg), 0);
    cr_assert_eq(q.read_end_max, size, "a read asked up to %llu of %llu bytes", (unsigned long long)q.read_end_max,
                 (unsigned long long)size);
    cr_assert_eq(bs_spill_seq_delete(seq, NULL, 0), 0);

    /* 100 records of 40 bytes: 4900 bytes, a window of 8192; short reads of 5 bytes, so
     * that reads start past the file's start */
    q.read_max = 5;
    for (int i = 0; i < 100; i++) {
        bs_item it = data_on(2, 40);
        cr_assert_eq(bs_spiller_add(&sp, &it), 0);
    }
    cr_assert_eq(bs_spiller_roll_over(&sp, &seq), 0);
    cr_assert_eq(seq->reader.buf_cap, 8192);
    q.read_end_max = 0;
    int n = 0;
    while (bs_spill_seq_next(seq, &out, msg, sizeof msg) == 1)
        n++;
    cr_assert_eq(n, 100);
    cr_assert_eq(q.read_end_max, 100 * (BS_SPILL_HEADER_BYTES + 40));
    cr_assert_eq(bs_spill_seq_delete(seq, NULL, 0), 0);
    cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
    bs_io_mem_close(&q.mem);
}

/* ---- bs_spill_file_copy ------------------------------------------------------------ */

static void write_pattern(quirk *q, bs_file *f, size_t n)
{
    uint8_t *p = malloc(n);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 13 + i / 251);
    cr_assert_eq(q->mem_io.write(q->mem_io.ctx, f, p, n), (long)n);
    free(p);
}

/* Copies exactly [from, to) of a longer file, in chunks, retrying interrupted reads. */
BS_TEST(spill_io, a_copy_takes_exactly_its_range_of_a_longer_file)
{
    quirk q;
    quirk_init(&q);
    bs_file f = {0};
    cr_assert_eq(q.io.open(q.io.ctx, 1, &f), 0);
    write_pattern(&q, &f, 20000);
    static const uint64_t ranges[][2] = {{5000, 6000}, {0, 20000}, {100, 9000}, {8191, 8193}, {19999, 20000}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        uint64_t from = ranges[i][0], to = ranges[i][1];
        bs_buf out = {0};
        quirk_set(&q, Q_READ, EINTR, 3);
        cr_assert_eq(bs_spill_file_copy(&q.io, &f, from, to, &out), 0, "[%llu, %llu)", (unsigned long long)from,
                     (unsigned long long)to);
        cr_assert_eq(out.len, to - from, "[%llu, %llu): %zu bytes", (unsigned long long)from, (unsigned long long)to,
                     out.len);
        for (uint64_t k = from; k < to; k++)
            cr_assert_eq(out.p[k - from], (uint8_t)(k * 13 + k / 251), "byte %llu", (unsigned long long)k);
        bs_buf_free(&out);
    }
    quirk_set(&q, Q_READ, EINTR, -1);
    bs_buf out = {0};
    err_capture ec;
    err_capture_begin(&ec);
    int rc = bs_spill_file_copy(&q.io, &f, 0, 10, &out);
    err_capture_end(&ec);
    free(ec.text);
    cr_assert_eq(rc, BS_EIO, "interrupted forever");
    bs_buf_free(&out);
    bs_io_mem_close(&q.mem);
}

/* A file shorter than the range is an I/O error, said on standard error. */
BS_TEST(spill_io, a_copy_past_the_end_of_the_file_is_an_io_error_said_on_stderr)
{
    quirk q;
    quirk_init(&q);
    bs_file f = {0};
    f.no = 4;
    cr_assert_eq(q.io.open(q.io.ctx, 4, &f), 0);
    f.no = 4;
    write_pattern(&q, &f, 100);
    bs_buf out = {0};
    err_capture ec;
    err_capture_begin(&ec);
    int rc = bs_spill_file_copy(&q.io, &f, 50, 150, &out);
    err_capture_end(&ec);
    cr_assert_eq(rc, BS_EIO);
    char want[128];
    snprintf(want, sizeof want, "barriersim: spill file 4 (mem:4): read: %s\n", strerror(EIO));
    cr_assert_str_eq(ec.text, want);
    free(ec.text);
    bs_buf_free(&out);
    bs_io_mem_close(&q.mem);
}

/* ---- recreating files (restore) ----------------------------------------------------- */

/* A sequence whose file cannot be written again leaves no file behind. */
BS_TEST(spill_io, a_sequence_that_cannot_be_recreated_leaves_no_file)
{
    quirk q;
    quirk_init(&q);
    bs_spiller sp;
    cr_assert_eq(bs_spiller_init(&sp, &q.io, 64, 4), 0);
    sp.quiet = true;
    static const uint8_t bytes[BS_SPILL_HEADER_BYTES + 3] = {1, 0, 0, 0, 3, 0, 0, 0, BS_SPILL_KIND_DATA, 7, 8, 9};
    bs_spill_seq dummy, *seq = &dummy; /* set to NULL on failure */
    quirk_set(&q, Q_WRITE, ENOSPC, 1);
    cr_assert_eq(bs_spill_seq_restore(&sp, 5, bytes, sizeof bytes, 0, &seq), BS_EIO);
    cr_assert_null(seq);
    cr_assert_eq(q.calls[Q_OPEN], 1);
    cr_assert_eq(bs_io_mem_live(&q.mem), 0, "the half-made file was left behind");
    cr_assert(!sp.file_open);
    /* and one that can is read from its offset */
    cr_assert_eq(bs_spill_seq_restore(&sp, 6, bytes, sizeof bytes, 0, &seq), 0);
    bs_item out;
    char msg[200];
    cr_assert_eq(bs_spill_seq_next(seq, &out, msg, sizeof msg), 1, "%s", msg);
    cr_assert_eq(out.channel, 1);
    cr_assert_eq(out.len, 3);
    cr_assert_eq(out.data[2], 9);
    cr_assert_eq(bs_spill_seq_delete(seq, NULL, 0), 0);
    cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&q.mem), 0);
    bs_io_mem_close(&q.mem);
}

/* Every allocation of a roll-over failing is BS_ENOMEM with nothing leaked (the sequence
 * half made is freed; the mutant that dropped that free survived every suite: leaks are
 * seen by the ASan run) and the file still the spiller's, which close deletes. */
BS_TEST(spill_io, every_allocation_failing_in_a_roll_over_leaks_nothing)
{
    bool done = false;
    for (unsigned long n = 1; n < 64 && !done; n++) {
        quirk q;
        quirk_init(&q);
        bs_spiller sp;
        cr_assert_eq(bs_spiller_init(&sp, &q.io, 64, 4), 0);
        sp.quiet = true;
        bs_item a = data_on(1, 20);
        cr_assert_eq(bs_spiller_add(&sp, &a), 0);
        bs_spill_seq *seq = NULL;
        alloc_fail_arm(n);
        int rc = bs_spiller_roll_over(&sp, &seq);
        alloc_fail_arm(0);
        done = !alloc_fail_fired();
        if (done) {
            cr_assert_eq(rc, 0);
            cr_assert_eq(bs_spill_seq_delete(seq, NULL, 0), 0);
        } else {
            cr_assert_eq(rc, BS_ENOMEM, "allocation %lu", n);
            cr_assert_null(seq);
            cr_assert(sp.file_open, "allocation %lu: the file is still the spiller's", n);
        }
        cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
        cr_assert_eq(bs_io_mem_live(&q.mem), 0, "allocation %lu left a file", n);
        bs_io_mem_close(&q.mem);
    }
    cr_assert(done, "a roll-over that makes more than 63 allocations");
}

/* A restored file takes its number, and the next file a higher one: restoring file 5 to a
 * fresh spiller leaves 6 to come; restoring a lower number keeps the higher next number. */
BS_TEST(spill_io, a_restored_file_number_is_never_given_again)
{
    quirk q;
    quirk_init(&q);
    bs_spiller sp;
    cr_assert_eq(bs_spiller_init(&sp, &q.io, 64, 4), 0);
    sp.quiet = true;
    static const uint8_t bytes[BS_SPILL_HEADER_BYTES + 3] = {1, 0, 0, 0, 3, 0, 0, 0, BS_SPILL_KIND_DATA, 7, 8, 9};
    cr_assert_eq(bs_spiller_restore_file(&sp, 5, bytes, sizeof bytes), 0);
    cr_assert_eq(sp.next_file_no, 6);
    bs_spill_seq *seq = NULL;
    cr_assert_eq(bs_spiller_roll_over(&sp, &seq), 0);
    cr_assert_eq(bs_spill_seq_delete(seq, NULL, 0), 0);
    cr_assert_eq(bs_spiller_restore_file(&sp, 3, bytes, sizeof bytes), 0);
    cr_assert_eq(sp.next_file_no, 6, "a lower number restored");
    cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
    cr_assert_eq(bs_io_mem_live(&q.mem), 0);
    bs_io_mem_close(&q.mem);
}
