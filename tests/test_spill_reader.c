/*
 * test_spill_reader.c: the spill reader's window (core/spill/reader.c) at its edges,
 * through a read function over bytes in memory that can fail from an offset on, shrink
 * the file, and count its calls. A small window (bs_spill_reader_size_hint: 64 bytes)
 * puts records across its end: a payload whose read fails there, a header that ends
 * exactly at the window's end, a record of exactly half the window (read in place), an
 * event longer than the window whose file shrinks between the probe and the read.
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../core/bs_spill.h"

#include <errno.h>
#include <string.h>

typedef struct src {
    uint8_t bytes[512];
    size_t len;
    uint64_t fail_from;     /* a read at or past this offset fails with EIO (0: never) */
    size_t calls, zero_calls;
    /* a shrinking file: reads of more than one byte see only its first `cut_at` bytes
     * (0: all), a one-byte read (the probe of a long event) still sees them all */
    uint64_t cut_at;
    size_t fail_call;       /* this call and the ones after it fail with EIO (0: never) */
} src;

static long src_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    src *s = ctx;
    s->calls++;
    if (n == 0)
        s->zero_calls++;
    if (s->fail_from && off + n > s->fail_from)
        return -EIO;
    if (s->fail_call && s->calls >= s->fail_call)
        return -EIO;
    size_t len = s->len;
    if (s->cut_at && n > 1)
        len = (size_t)s->cut_at;
    if (off >= len)
        return 0;
    if (n > len - off)
        n = len - (size_t)off;
    if (n > 13)
        n = 13; /* short reads: the reader must loop */
    memcpy(buf, s->bytes + off, n);
    return (long)n;
}

static void put_data(src *s, uint32_t channel, uint32_t len)
{
    uint8_t *h = s->bytes + s->len;
    cr_assert_leq(s->len + BS_SPILL_HEADER_BYTES + len, sizeof s->bytes);
    for (int i = 0; i < 4; i++) {
        h[i] = (uint8_t)(channel >> (8 * i));
        h[4 + i] = (uint8_t)(len >> (8 * i));
    }
    h[8] = BS_SPILL_KIND_DATA;
    for (uint32_t i = 0; i < len; i++)
        h[BS_SPILL_HEADER_BYTES + i] = (uint8_t)(s->len + BS_SPILL_HEADER_BYTES + i + 1);
    s->len += BS_SPILL_HEADER_BYTES + len;
}

/* A reader with a 64-byte window, as a sequence of a small file gets. */
static void small_reader(bs_spill_reader *r, src *s)
{
    cr_assert_eq(bs_spill_reader_init(r, src_read, s, 64, 4), 0);
    bs_spill_reader_size_hint(r, 64);
    cr_assert_eq(r->buf_cap, 64);
}

/* Checks the next record is data of `len` bytes on `channel` starting at file offset
 * `at` (the payload bytes say where they were). */
static void expect_data(bs_spill_reader *r, uint32_t channel, uint32_t len, uint64_t at)
{
    bs_item it;
    int rc = bs_spill_reader_next(r, &it);
    cr_assert_eq(rc, 1, "record at %llu: %d (%s)", (unsigned long long)at, rc, r->errmsg);
    cr_assert_eq(it.kind, BS_DATA);
    cr_assert_eq(it.channel, channel);
    cr_assert_eq(it.len, len);
    for (uint32_t i = 0; i < len; i++)
        cr_assert_eq(it.data[i], (uint8_t)(at + BS_SPILL_HEADER_BYTES + i + 1), "record at %llu, byte %u",
                     (unsigned long long)at, i);
}

/* A payload whose read fails after the window moved is an I/O error at its record. */
BS_TEST(spill_reader, a_payload_read_failing_past_the_window_is_an_io_error)
{
    static src s;
    memset(&s, 0, sizeof s);
    put_data(&s, 1, 40); /* [0, 49) */
    put_data(&s, 2, 20); /* [49, 78): its payload crosses the window's end at 64 */
    s.fail_from = 64;
    bs_spill_reader r;
    small_reader(&r, &s);
    expect_data(&r, 1, 40, 0);
    bs_item it;
    cr_assert_eq(bs_spill_reader_next(&r, &it), BS_EIO);
    cr_assert_eq(r.err_offset, 49);
    cr_assert_eq(r.err_errno, EIO);
    cr_assert_eq(r.offset, 49, "the reader stays at the failing record");
    bs_spill_reader_close(&r);
}

/* A header that ends exactly where the window ends, then a payload longer than half the
 * window: the payload is read whole, none of it from the window. */
BS_TEST(spill_reader, a_long_payload_right_after_the_window_is_read_whole)
{
    static src s;
    memset(&s, 0, sizeof s);
    put_data(&s, 1, 46); /* [0, 55) */
    put_data(&s, 3, 40); /* header [55, 64), payload [64, 104) */
    put_data(&s, 0, 5);
    bs_spill_reader r;
    small_reader(&r, &s);
    expect_data(&r, 1, 46, 0);
    expect_data(&r, 3, 40, 55);
    expect_data(&r, 0, 5, 104);
    bs_item it;
    cr_assert_eq(bs_spill_reader_next(&r, &it), 0);
    cr_assert_eq(s.zero_calls, 0, "%zu reads of 0 bytes", s.zero_calls);
    bs_spill_reader_close(&r);
}

/* A payload of exactly half the window is brought into the window and returned in place;
 * one byte more and it is copied into the page. */
BS_TEST(spill_reader, half_a_window_is_read_in_place_more_goes_to_the_page)
{
    static src s;
    memset(&s, 0, sizeof s);
    put_data(&s, 1, 30); /* [0, 39) */
    put_data(&s, 2, 32); /* header [39, 48), payload [48, 80): past the window's end */
    put_data(&s, 3, 33); /* header [80, 89), payload [89, 122) */
    put_data(&s, 0, 30); /* [122, 161): ends past the window */
    bs_spill_reader r;
    small_reader(&r, &s);
    expect_data(&r, 1, 30, 0);
    bs_item it;
    cr_assert_eq(bs_spill_reader_next(&r, &it), 1);
    cr_assert_eq(it.len, 32);
    cr_assert(it.data >= r.buf && it.data + it.len <= r.buf + r.buf_cap, "32 bytes of a 64-byte window: in place");
    for (uint32_t i = 0; i < 32; i++)
        cr_assert_eq(it.data[i], (uint8_t)(48 + i + 1));
    cr_assert_eq(bs_spill_reader_next(&r, &it), 1);
    cr_assert_eq(it.len, 33);
    cr_assert(it.data == r.page, "33 bytes: in the page");
    for (uint32_t i = 0; i < 33; i++)
        cr_assert_eq(it.data[i], (uint8_t)(89 + i + 1));
    expect_data(&r, 0, 30, 122);
    cr_assert_eq(bs_spill_reader_next(&r, &it), 0);
    cr_assert_eq(s.zero_calls, 0, "%zu reads of 0 bytes", s.zero_calls);
    bs_spill_reader_close(&r);
}

/* Every record, whatever the window and the short reads: the reader never asks for 0
 * bytes (a wasted call per record). */
BS_TEST(spill_reader, no_read_asks_for_zero_bytes)
{
    static src s;
    memset(&s, 0, sizeof s);
    static const uint32_t lens[] = {0, 1, 31, 32, 33, 64, 7, 0, 55, 2};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        put_data(&s, (uint32_t)i % 4, lens[i]);
    for (int hinted = 0; hinted < 2; hinted++) {
        s.calls = s.zero_calls = 0;
        bs_spill_reader r;
        cr_assert_eq(bs_spill_reader_init(&r, src_read, &s, 64, 4), 0);
        if (hinted)
            bs_spill_reader_size_hint(&r, 64);
        uint64_t at = 0;
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            expect_data(&r, (uint32_t)i % 4, lens[i], at);
            at += BS_SPILL_HEADER_BYTES + lens[i];
        }
        bs_item it;
        cr_assert_eq(bs_spill_reader_next(&r, &it), 0);
        cr_assert_gt(s.calls, 0);
        cr_assert_eq(s.zero_calls, 0, "window %zu: %zu of %zu reads asked for 0 bytes", r.buf_cap, s.zero_calls,
                     s.calls);
        bs_spill_reader_close(&r);
    }
}

/* An event longer than the window: its last byte is probed, then its tag read. A file
 * that shrinks in between (spill dump of a file another process truncates) is a trailing
 * incomplete event, never a tag made of bytes the reader did not read; a read failing
 * there is an I/O error. */
BS_TEST(spill_reader, a_long_event_whose_file_shrinks_after_the_probe_is_incomplete)
{
    static src s;
    memset(&s, 0, sizeof s);
    uint8_t *h = s.bytes;
    h[0] = 1;            /* channel 1: little-endian, read big-endian it would be a tag */
    h[4] = 100;          /* 100 bytes: longer than the 64-byte window */
    h[8] = BS_SPILL_KIND_EVENT;
    h[BS_SPILL_HEADER_BYTES + 3] = BS_SPILL_TAG_BARRIER;
    s.len = BS_SPILL_HEADER_BYTES + 100;
    s.cut_at = BS_SPILL_HEADER_BYTES;
    /* calls: the header (9 bytes), the rest of the window (none: 0), the probe of byte
     * 108 (there), the tag (none, or failing) */
    for (int fail = 0; fail < 2; fail++) {
        s.calls = 0;
        s.fail_call = fail ? 4 : 0;
        bs_spill_reader r;
        small_reader(&r, &s);
        bs_item it;
        int rc = bs_spill_reader_next(&r, &it);
        cr_assert_eq(s.calls, 4);
        if (fail) {
            cr_assert_eq(rc, BS_EIO, "%d: %s", rc, r.errmsg);
            cr_assert_eq(r.err_errno, EIO);
        } else {
            cr_assert_eq(rc, BS_ECORRUPT, "%d: %s", rc, r.errmsg);
            cr_assert_str_eq(r.errmsg, "trailing incomplete event");
        }
        cr_assert_eq(r.err_offset, 0);
        bs_spill_reader_close(&r);
    }
}
