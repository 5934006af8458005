/*
 * test_spill_file.c: the spill file (DESIGN.md section 4) and the spill strategy's use of it
 * (section 2.1), one Criterion test per rule.
 *
 * Pinned here: records round-trip through the spiller and the reader on the in-memory and
 * the POSIX I/O; the reader's every error, with its exact message, its record's start offset
 * and DESIGN's order of checks; a file written while an older one is read; empty
 * roll-overs; every I/O call of a spilling workload failing in turn (SQLite test_malloc
 * style) with the error surfacing and no file left; short transfers retried; and the few
 * strategy rules that are easiest to pin with a scripted gate. The scenario suite covers
 * the rest of the strategy's behaviour.
 */
#include "../core/bs_spill.h"
#include "../sim/fault/io_fault.h"

#include "alloc_fail.h"
#include "bs_test.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- A seeded PRNG (splitmix64) ------------------------------------------------------ */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *state, uint64_t n) { return rng_next(state) % n; }

/* ---- A fresh temporary directory per test, removed by the test's fini ---------------- */
static char tmp_dir[256];

static void tmp_dir_make(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/bs-spill-test-XXXXXX", base && *base ? base : "/tmp");
    cr_assert_not_null(mkdtemp(tmp_dir), "mkdtemp: %s", strerror(errno));
}

/* Entries in the temporary directory, "." and ".." aside. */
static size_t tmp_dir_entries(void)
{
    DIR *d = opendir(tmp_dir);
    cr_assert_not_null(d, "opendir %s: %s", tmp_dir, strerror(errno));
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void tmp_dir_remove(void)
{
    if (!tmp_dir[0])
        return;
    DIR *d = opendir(tmp_dir);
    if (d) {
        char path[512];
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(tmp_dir);
    tmp_dir[0] = '\0';
}

/* ---- Random items ------------------------------------------------------------------- */
#define RT_CHANNELS BS_CHANNELS_MAX

/* Draws one item from `state`; a data payload is written to `payload` (page bytes).
 * Kinds, channels, sizes and ids lean on the edges: channel 0 and 65534, data of 0, 1,
 * page - 1 and exactly page bytes, ids and timestamps over the full 64 bits. */
static bs_item rt_item(uint64_t *state, uint32_t page, uint8_t *payload)
{
    bs_item it = {0};
    uint64_t pick = rng_below(state, 10);
    switch (rng_below(state, 4)) {
    case 0: it.channel = 0; break;
    case 1: it.channel = RT_CHANNELS - 1; break;
    default: it.channel = (uint32_t)rng_below(state, RT_CHANNELS); break;
    }
    if (pick < 6) {
        it.kind = BS_DATA;
        switch (rng_below(state, 8)) {
        case 0: it.len = 0; break;
        case 1: it.len = page; break;
        case 2: it.len = page - 1; break;
        case 3: it.len = 1; break;
        case 4:
        case 5: it.len = (uint32_t)rng_below(state, page < 64 ? (uint64_t)page + 1 : 64); break;
        default: it.len = (uint32_t)rng_below(state, (uint64_t)page + 1); break;
        }
        for (uint32_t i = 0; i < it.len; i += 8) {
            uint64_t w = rng_next(state);
            memcpy(payload + i, &w, it.len - i < 8 ? it.len - i : 8);
        }
        it.data = payload;
    } else if (pick < 8) {
        it.kind = BS_BARRIER;
        it.id = rng_below(state, 4) == 0 ? UINT64_MAX : rng_next(state);
        it.timestamp = rng_next(state);
        it.type = (uint32_t)rng_next(state);
    } else if (pick < 9) {
        it.kind = BS_CANCEL;
        it.id = rng_next(state);
    } else {
        it.kind = BS_EOP;
    }
    return it;
}

/* Every field the reader fills must equal the written item's (unused fields are zero). */
static void rt_assert_same(const bs_item *got, const bs_item *want, size_t at)
{
    cr_assert_eq(got->kind, want->kind, "record %zu: kind %d, want %d", at, got->kind, want->kind);
    cr_assert_eq(got->channel, want->channel, "record %zu: channel", at);
    cr_assert_eq(got->id, want->id, "record %zu: id", at);
    cr_assert_eq(got->timestamp, want->timestamp, "record %zu: timestamp", at);
    cr_assert_eq(got->type, want->type, "record %zu: type", at);
    cr_assert_eq(got->len, want->len, "record %zu: len %u, want %u", at, got->len, want->len);
    if (want->len)
        cr_assert(memcmp(got->data, want->data, want->len) == 0, "record %zu: payload differs", at);
}

/* Reads `n` records of a sequence and compares them with items drawn from `state`. */
static void rt_read_expect(bs_spill_seq *seq, uint64_t *state, uint32_t page, uint8_t *want_buf,
                           size_t n)
{
    char msg[256] = "";
    for (size_t i = 0; i < n; i++) {
        bs_item want = rt_item(state, page, want_buf), got;
        int rc = bs_spill_seq_next(seq, &got, msg, sizeof msg);
        cr_assert_eq(rc, 1, "record %zu of spill file %llu: rc %d (%s)", i,
                     (unsigned long long)seq->file.no, rc, msg);
        rt_assert_same(&got, &want, i);
    }
}

static uint64_t rt_write(bs_spiller *sp, uint64_t *state, uint32_t page, uint8_t *buf, size_t n)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        bs_item it = rt_item(state, page, buf);
        bytes += bs_spill_record_bytes(&it);
        cr_assert_eq(bs_spiller_add(sp, &it), 0, "add: %s", sp->errmsg);
    }
    return bytes;
}

/* Writes batches of random records (some empty), rolls each over and reads it back whole. */
static void round_trip(const bs_io *io, uint32_t page, uint64_t seed, size_t records_total)
{
    bs_spiller sp;
    cr_assert_eq(bs_spiller_init(&sp, io, page, RT_CHANNELS), 0);
    uint8_t *buf = malloc(page), *want = malloc(page);
    cr_assert(buf && want);
    uint64_t rng = seed, file_no = 1;
    size_t done = 0, empty_rolls = 0;
    char msg[256] = "";
    for (int round = 0; done < records_total; round++) {
        cr_assert_lt(round, 100000);
        size_t n = rng_below(&rng, 8) == 0 ? 0 : (size_t)rng_below(&rng, 300) + 1;
        uint64_t batch = rng_next(&rng), wstate = batch, rstate = batch;
        uint64_t bytes = rt_write(&sp, &wstate, page, buf, n);
        cr_assert_eq(sp.bytes, bytes);
        cr_assert_eq(sp.records, n);
        bs_spill_seq *seq;
        cr_assert_eq(bs_spiller_roll_over(&sp, &seq), 0);
        if (n == 0) {
            cr_assert_null(seq, "an empty roll-over yields no sequence");
            empty_rolls++;
            continue;
        }
        cr_assert_not_null(seq);
        cr_assert_eq(seq->file.no, file_no++, "files are numbered 1, 2, ... skipping empty rolls");
        cr_assert_eq(seq->size_bytes, bytes);
        rt_read_expect(seq, &rstate, page, want, n);
        bs_item end;
        cr_assert_eq(bs_spill_seq_next(seq, &end, msg, sizeof msg), 0, "clean end: %s", msg);
        cr_assert_eq(bs_spill_seq_delete(seq, msg, sizeof msg), 0, "%s", msg);
        done += n;
    }
    cr_assert_gt(empty_rolls, 0, "the seed should draw some empty roll-overs");
    cr_assert_eq(bs_spiller_close(&sp, msg, sizeof msg), 0, "%s", msg);
    free(buf);
    free(want);
}

BS_TEST(spill_file, records_round_trip_through_memory_io)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    round_trip(&io, BS_PAGE_SIZE_DEFAULT, 0x5eed0001u, 4000);
    cr_assert_eq(bs_io_mem_live(&mem), 0, "every file read back is removed");
    bs_io_mem_close(&mem);
}

BS_TEST(spill_file, records_round_trip_with_a_tiny_page_size)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    round_trip(&io, 8, 0x5eed0002u, 4000);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}

/* Pages larger than half the read-ahead window: a record is then read into the page, its
 * first bytes copied from the window where the record began (at an offset inside it). */
BS_TEST(spill_file, records_round_trip_with_pages_larger_than_the_window)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    round_trip(&io, 3 * BS_SPILL_READ_BUF_BYTES / 2, 0x5eed0004u, 1500);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}

BS_TEST(spill_file, records_round_trip_through_posix_io, .init = tmp_dir_make, .fini = tmp_dir_remove)
{
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, tmp_dir), 0);
    round_trip(&io, BS_PAGE_SIZE_DEFAULT, 0x5eed0003u, 3000);
    cr_assert_eq(tmp_dir_entries(), 0, "every file read back is removed");
}

/* ---- Writing while reading ----------------------------------------------------------- */
/* Rolls over A, reads half of it, writes and rolls over B, then reads A and B in turns
 * while a third file C is being written; finally reads C. Files never disturb each other. */
static void write_while_reading(const bs_io *io)
{
    const uint32_t page = 4096;
    bs_spiller sp;
    cr_assert_eq(bs_spiller_init(&sp, io, page, RT_CHANNELS), 0);
    uint8_t *buf = malloc(page), *want = malloc(page);
    cr_assert(buf && want);
    uint64_t wa = 11, ra = 11, wb = 22, rb = 22, wc = 33, rc_state = 33;
    char msg[256] = "";
    bs_spill_seq *a, *b, *c;

    rt_write(&sp, &wa, page, buf, 400);
    cr_assert_eq(bs_spiller_roll_over(&sp, &a), 0);
    rt_read_expect(a, &ra, page, want, 200);
    rt_write(&sp, &wb, page, buf, 300);
    cr_assert_eq(bs_spiller_roll_over(&sp, &b), 0);
    cr_assert(a && b && a->file.no == 1 && b->file.no == 2);
    size_t left_a = 200, left_b = 300, c_written = 0;
    while (left_a || left_b) {
        if (left_a) {
            rt_read_expect(a, &ra, page, want, 1);
            left_a--;
        }
        if (left_b) {
            rt_read_expect(b, &rb, page, want, 1);
            left_b--;
        }
        rt_write(&sp, &wc, page, buf, 1);
        c_written++;
    }
    bs_item end;
    cr_assert_eq(bs_spill_seq_next(a, &end, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(bs_spill_seq_next(b, &end, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(bs_spiller_roll_over(&sp, &c), 0);
    cr_assert(c && c->file.no == 3);
    rt_read_expect(c, &rc_state, page, want, c_written);
    cr_assert_eq(bs_spill_seq_next(c, &end, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(bs_spill_seq_delete(a, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(bs_spill_seq_delete(b, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(bs_spill_seq_delete(c, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(bs_spiller_close(&sp, msg, sizeof msg), 0, "%s", msg);
    free(buf);
    free(want);
}

BS_TEST(spill_file, a_new_file_is_written_while_an_older_one_is_read, .init = tmp_dir_make,
     .fini = tmp_dir_remove)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    write_while_reading(&io);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);

    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, tmp_dir), 0);
    write_while_reading(&io);
    cr_assert_eq(tmp_dir_entries(), 0);
}

/* ---- Empty roll-overs --------------------------------------------------------------- */
BS_TEST(spill_file, an_empty_roll_over_yields_nothing_and_creates_no_file)
{
    bs_io mem_io, io;
    bs_io_mem mem;
    io_fault f;
    bs_io_mem_init(&mem_io, &mem);
    io_fault_init(&io, &f, &mem_io);
    bs_spiller sp;
    cr_assert_eq(bs_spiller_init(&sp, &io, 0, 4), 0);
    bs_spill_seq dummy, *seq = &dummy; /* must be overwritten */
    cr_assert_eq(bs_spiller_roll_over(&sp, &seq), 0);
    cr_assert_null(seq);
    cr_assert_eq(f.calls_total, 0, "no I/O at all");
    cr_assert_eq(f.files_created, 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);

    bs_item eop = {.kind = BS_EOP, .channel = 3};
    cr_assert_eq(bs_spiller_add(&sp, &eop), 0);
    bs_spill_seq *one, *none, *two;
    cr_assert_eq(bs_spiller_roll_over(&sp, &one), 0);
    cr_assert_eq(bs_spiller_roll_over(&sp, &none), 0);
    cr_assert(one && !none);
    cr_assert_eq(f.files_created, 1, "the second roll-over created nothing");
    cr_assert_eq(bs_spiller_add(&sp, &eop), 0);
    cr_assert_eq(bs_spiller_roll_over(&sp, &two), 0);
    cr_assert(two && one->file.no == 1 && two->file.no == 2, "empty roll-overs use no number");
    cr_assert_eq(bs_io_mem_live(&mem), 2);
    cr_assert_eq(bs_spill_seq_delete(one, NULL, 0), 0);
    cr_assert_eq(bs_spill_seq_delete(two, NULL, 0), 0);
    cr_assert_eq(bs_spiller_close(&sp, NULL, 0), 0);
    cr_assert_eq(f.live_files, 0);
    cr_assert_eq(bs_io_mem_live(&mem), 0);
    bs_io_mem_close(&mem);
}

/* ---- The reader over crafted bytes -------------------------------------------------- */
typedef struct raw {
    uint8_t *p;
    size_t len, cap;
} raw;

static void raw_put(raw *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        cr_assert_not_null(b->p);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void raw_fill(raw *b, uint8_t byte, size_t n)
{
    for (size_t i = 0; i < n; i++)
        raw_put(b, &byte, 1);
}

/* A header as written, little-endian, with any values. */
static void raw_header(raw *b, int32_t channel, int32_t len, uint8_t kind)
{
    uint8_t h[9];
    uint32_t c = (uint32_t)channel, l = (uint32_t)len;
    for (int i = 0; i < 4; i++) {
        h[i] = (uint8_t)(c >> (8 * i));
        h[4 + i] = (uint8_t)(l >> (8 * i));
    }
    h[8] = kind;
    raw_put(b, h, sizeof h);
}

static void raw_be32(raw *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    raw_put(b, x, 4);
}

static void raw_item(raw *b, const bs_item *it)
{
    uint8_t stage[BS_SPILL_HEADER_BYTES + 256];
    cr_assert_leq(bs_spill_record_bytes(it), sizeof stage);
    raw_put(b, stage, bs_spill_encode(it, stage));
}

static const uint8_t raw_payload[256] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

/* Five good records (data, barrier, cancel, eop, empty data): 171 bytes. */
#define GOOD_RECORDS 5
#define GOOD_BYTES (109u + 33u + 21u + 13u + 9u)
static void raw_good(raw *b)
{
    bs_item items[GOOD_RECORDS] = {
        {.kind = BS_DATA, .channel = 1, .len = 100, .data = raw_payload},
        {.kind = BS_BARRIER, .channel = 0, .id = 7, .timestamp = 1234, .type = 2},
        {.kind = BS_CANCEL, .channel = 2, .id = 8},
        {.kind = BS_EOP, .channel = 1},
        {.kind = BS_DATA, .channel = 0, .len = 0, .data = raw_payload},
    };
    size_t before = b->len;
    for (int i = 0; i < GOOD_RECORDS; i++)
        raw_item(b, &items[i]);
    cr_assert_eq(b->len - before, GOOD_BYTES);
}

/* A read function over a memory buffer that can cap each read and counts what it did. */
typedef struct mem_src {
    const uint8_t *p;
    size_t len;
    size_t chunk_max;   /* 0: no cap */
    int fail_errno;     /* nonzero: every read fails with it */
    size_t calls;
    size_t bytes_returned;
    size_t ask_max;     /* the largest n asked for */
} mem_src;

static long mem_src_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    mem_src *s = ctx;
    s->calls++;
    if (n > s->ask_max)
        s->ask_max = n;
    if (s->fail_errno)
        return -s->fail_errno;
    if (off >= s->len)
        return 0;
    if (n > s->len - off)
        n = (size_t)(s->len - off);
    if (s->chunk_max && n > s->chunk_max)
        n = s->chunk_max;
    memcpy(buf, s->p + off, n);
    s->bytes_returned += n;
    return (long)n;
}

static const size_t read_chunks[] = {0, 1, 3, 4096};

/* Reads `b` to its end with every chunk cap: `good` records, then the corrupt error `msg`
 * at `offset`; a second call gives the same error (the reader stays at the record). */
static void expect_corrupt(const raw *b, uint32_t page, uint32_t channels, size_t good,
                           const char *msg, uint64_t offset)
{
    for (size_t c = 0; c < sizeof read_chunks / sizeof read_chunks[0]; c++) {
        mem_src src = {.p = b->p, .len = b->len, .chunk_max = read_chunks[c]};
        bs_spill_reader r;
        cr_assert_eq(bs_spill_reader_init(&r, mem_src_read, &src, page, channels), 0);
        bs_item it;
        for (size_t i = 0; i < good; i++)
            cr_assert_eq(bs_spill_reader_next(&r, &it), 1, "good record %zu (chunk %zu): %s", i,
                         read_chunks[c], r.errmsg);
        for (int again = 0; again < 2; again++) {
            int rc = bs_spill_reader_next(&r, &it);
            cr_assert_eq(rc, BS_ECORRUPT, "chunk %zu, call %d: rc %d", read_chunks[c], again, rc);
            cr_assert_str_eq(r.errmsg, msg, "chunk %zu, call %d", read_chunks[c], again);
            cr_assert_eq(r.err_offset, offset, "chunk %zu: offset %llu, want %llu", read_chunks[c],
                         (unsigned long long)r.err_offset, (unsigned long long)offset);
            cr_assert_eq(r.offset, offset, "the reader stays at the failing record");
        }
        bs_spill_reader_close(&r);
    }
}

static void raw_free(raw *b) { free(b->p); }

BS_TEST(spill_file, one_to_eight_trailing_bytes_are_an_incomplete_buffer_or_event)
{
    for (size_t k = 1; k <= 8; k++) {
        raw b = {0};
        raw_good(&b);
        raw_fill(&b, 0xff, k);
        expect_corrupt(&b, 0, 0, GOOD_RECORDS, "trailing incomplete buffer or event", GOOD_BYTES);
        raw_free(&b);
        raw alone = {0};
        raw_fill(&alone, 0, k);
        expect_corrupt(&alone, 0, 0, 0, "trailing incomplete buffer or event", 0);
        raw_free(&alone);
    }
}

BS_TEST(spill_file, an_unknown_record_kind_is_reported)
{
    const uint8_t kinds[] = {2, 7, 128, 255};
    for (size_t i = 0; i < sizeof kinds; i++) {
        raw b = {0};
        raw_good(&b);
        raw_header(&b, 0, 4, kinds[i]);
        raw_be32(&b, 0);
        char msg[64];
        snprintf(msg, sizeof msg, "unknown record kind %u", kinds[i]);
        expect_corrupt(&b, 0, 0, GOOD_RECORDS, msg, GOOD_BYTES);
        raw_free(&b);
    }
}

BS_TEST(spill_file, a_negative_length_is_reported)
{
    const int32_t lens[] = {-1, -24, INT32_MIN};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (uint8_t kind = 0; kind <= 1; kind++) {
            raw b = {0};
            raw_good(&b);
            raw_header(&b, 0, lens[i], kind);
            char msg[64];
            snprintf(msg, sizeof msg, "negative length %d", lens[i]);
            expect_corrupt(&b, 0, 0, GOOD_RECORDS, msg, GOOD_BYTES);
            raw_free(&b);
        }
    }
}

BS_TEST(spill_file, a_data_record_longer_than_the_page_size_is_reported)
{
    raw b = {0};
    bs_item exact = {.kind = BS_DATA, .channel = 0, .len = 64, .data = raw_payload};
    raw_item(&b, &exact);
    raw_header(&b, 0, 65, 0);
    raw_fill(&b, 0xab, 65);
    expect_corrupt(&b, 64, 0, 1, "spilled buffer (65 bytes) is larger than page size (64 bytes)",
                   73);
    raw_free(&b);

    raw d = {0};
    raw_header(&d, 0, (int32_t)BS_PAGE_SIZE_DEFAULT + 1, 0);
    raw_fill(&d, 0, BS_PAGE_SIZE_DEFAULT + 1);
    expect_corrupt(&d, 0, 0, 0, "spilled buffer (32769 bytes) is larger than page size (32768 bytes)",
                   0);
    raw_free(&d);
}

BS_TEST(spill_file, a_short_data_payload_is_an_incomplete_buffer)
{
    const uint32_t lens[] = {1, 100, 32768};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        raw b = {0};
        raw_good(&b);
        raw_header(&b, 0, (int32_t)lens[i], 0);
        raw_fill(&b, 0x5a, lens[i] - 1);
        expect_corrupt(&b, 0, 0, GOOD_RECORDS, "trailing incomplete buffer", GOOD_BYTES);
        raw_free(&b);
    }
}

BS_TEST(spill_file, a_short_event_payload_is_an_incomplete_event)
{
    const struct {
        uint32_t tag, len, present;
    } cases[] = {{0, 4, 0}, {0, 4, 3}, {1, 24, 4}, {1, 24, 23}, {4, 12, 11}, {4, 12, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        raw b = {0}, ev = {0};
        raw_good(&b);
        raw_header(&b, 0, (int32_t)cases[i].len, 1);
        raw_be32(&ev, cases[i].tag);
        raw_fill(&ev, 0x11, 24);
        raw_put(&b, ev.p, cases[i].present);
        expect_corrupt(&b, 0, 0, GOOD_RECORDS, "trailing incomplete event", GOOD_BYTES);
        raw_free(&b);
        raw_free(&ev);
    }
}

BS_TEST(spill_file, an_unknown_event_tag_is_reported)
{
    const uint32_t tags[] = {2, 3, 5, 0x01000000u, UINT32_MAX};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        raw b = {0};
        raw_good(&b);
        raw_header(&b, 0, 24, 1);
        raw_be32(&b, tags[i]);
        raw_fill(&b, 0, 20);
        char msg[64];
        snprintf(msg, sizeof msg, "unknown event tag %u", tags[i]);
        expect_corrupt(&b, 0, 0, GOOD_RECORDS, msg, GOOD_BYTES);
        raw_free(&b);
    }
}

BS_TEST(spill_file, an_event_length_must_match_its_tag)
{
    const struct {
        uint32_t tag, len;
    } cases[] = {{0, 5}, {0, 24}, {1, 4}, {1, 12}, {1, 25}, {4, 4}, {4, 13}, {4, 24}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        raw b = {0};
        raw_good(&b);
        raw_header(&b, 0, (int32_t)cases[i].len, 1);
        raw_be32(&b, cases[i].tag);
        raw_fill(&b, 0, cases[i].len - 4);
        char msg[64];
        snprintf(msg, sizeof msg, "event length %u does not match tag %u", cases[i].len,
                 cases[i].tag);
        expect_corrupt(&b, 0, 0, GOOD_RECORDS, msg, GOOD_BYTES);
        raw_free(&b);
    }
}

/* Not in DESIGN's list (no tag to match): the core's own wording, pinned so it stays put. */
BS_TEST(spill_file, an_event_shorter_than_a_tag_is_reported)
{
    for (int32_t len = 0; len < 4; len++) {
        raw b = {0};
        raw_good(&b);
        raw_header(&b, 0, len, 1);
        raw_fill(&b, 0, (size_t)len);
        char msg[80];
        snprintf(msg, sizeof msg, "event length %d is shorter than an event tag (4 bytes)", len);
        expect_corrupt(&b, 0, 0, GOOD_RECORDS, msg, GOOD_BYTES);
        raw_free(&b);
    }
}

BS_TEST(spill_file, a_huge_event_length_is_an_incomplete_event_without_reading_it)
{
    raw b = {0};
    raw_good(&b);
    raw_header(&b, 0, INT32_MAX, 1);
    raw_be32(&b, BS_SPILL_TAG_BARRIER);
    raw_fill(&b, 0x22, 20);
    expect_corrupt(&b, 0, 0, GOOD_RECORDS, "trailing incomplete event", GOOD_BYTES);

    mem_src src = {.p = b.p, .len = b.len};
    bs_spill_reader r;
    cr_assert_eq(bs_spill_reader_init(&r, mem_src_read, &src, 0, 0), 0);
    bs_item it;
    int rc;
    while ((rc = bs_spill_reader_next(&r, &it)) == 1)
        ;
    cr_assert_eq(rc, BS_ECORRUPT);
    cr_assert_leq(src.calls, 6, "%zu read calls", src.calls);
    cr_assert_leq(src.ask_max, BS_SPILL_READ_BUF_BYTES, "asked for %zu bytes at once", src.ask_max);
    cr_assert_leq(src.bytes_returned, 2 * b.len);
    bs_spill_reader_close(&r);
    raw_free(&b);
}

/* The other branch of the huge-length probe: every byte is there, so the length is wrong. */
BS_TEST(spill_file, a_huge_event_that_is_all_there_does_not_match_its_tag)
{
    raw b = {0};
    raw_good(&b);
    raw_header(&b, 3, 100000, 1);
    raw_be32(&b, BS_SPILL_TAG_CANCEL);
    raw_fill(&b, 0x33, 100000 - 4);
    expect_corrupt(&b, 0, 0, GOOD_RECORDS, "event length 100000 does not match tag 4", GOOD_BYTES);
    raw_free(&b);
}

BS_TEST(spill_file, checks_run_in_design_order)
{
    raw b = {0};
    /* 1..8 trailing bytes before everything: eight bytes of a header with a negative length. */
    raw_header(&b, 0, -1, 9);
    b.len = 8;
    expect_corrupt(&b, 0, 0, 0, "trailing incomplete buffer or event", 0);
    b.len = 0;
    /* The kind before the length sign. */
    raw_header(&b, 0, -1, 9);
    expect_corrupt(&b, 0, 0, 0, "unknown record kind 9", 0);
    b.len = 0;
    /* The kind before a short payload. */
    raw_header(&b, 0, 50, 3);
    expect_corrupt(&b, 0, 0, 0, "unknown record kind 3", 0);
    b.len = 0;
    /* The length sign before the page size (as unsigned, -1 is larger than any page). */
    raw_header(&b, 0, -1, 0);
    expect_corrupt(&b, 64, 0, 0, "negative length -1", 0);
    b.len = 0;
    /* The page size before a short payload. */
    raw_header(&b, 0, 65, 0);
    raw_fill(&b, 0, 10);
    expect_corrupt(&b, 64, 0, 0, "spilled buffer (65 bytes) is larger than page size (64 bytes)", 0);
    b.len = 0;
    /* A short event payload before an unknown tag. */
    raw_header(&b, 0, 24, 1);
    raw_be32(&b, 2);
    raw_fill(&b, 0, 10);
    expect_corrupt(&b, 0, 0, 0, "trailing incomplete event", 0);
    b.len = 0;
    /* A short event payload before a length that does not match. */
    raw_header(&b, 0, 30, 1);
    raw_be32(&b, BS_SPILL_TAG_BARRIER);
    expect_corrupt(&b, 0, 0, 0, "trailing incomplete event", 0);
    b.len = 0;
    /* An unknown tag before the length check. */
    raw_header(&b, 0, 99, 1);
    raw_be32(&b, 2);
    raw_fill(&b, 0, 95);
    expect_corrupt(&b, 0, 0, 0, "unknown event tag 2", 0);
    b.len = 0;
    /* The channel (a check of the core's, not DESIGN's) comes after all of DESIGN's. */
    raw_header(&b, 5, 30, 0);
    raw_fill(&b, 0, 29);
    expect_corrupt(&b, 0, 2, 0, "trailing incomplete buffer", 0);
    b.len = 0;
    raw_header(&b, 5, 12, 1);
    raw_be32(&b, BS_SPILL_TAG_BARRIER);
    raw_fill(&b, 0, 8);
    expect_corrupt(&b, 0, 2, 0, "event length 12 does not match tag 1", 0);
    raw_free(&b);
}

BS_TEST(spill_file, a_channel_outside_the_gate_is_corrupt)
{
    raw b = {0};
    bs_item ok = {.kind = BS_DATA, .channel = 1, .len = 3, .data = raw_payload};
    bs_item out = {.kind = BS_EOP, .channel = 2};
    raw_item(&b, &ok);
    raw_item(&b, &out);
    expect_corrupt(&b, 0, 2, 1, "channel 2 out of range (2 channels)", 12);
    b.len = 0;
    raw_header(&b, -1, 4, 1);
    raw_be32(&b, BS_SPILL_TAG_EOP);
    expect_corrupt(&b, 0, 0, 0, "channel -1 out of range (65535 channels)", 0);
    /* without a channel count (spill dump), the most channels a handler can have */
    b.len = 0;
    raw_header(&b, 70000, 4, 1);
    raw_be32(&b, BS_SPILL_TAG_EOP);
    expect_corrupt(&b, 0, 0, 0, "channel 70000 out of range (65535 channels)", 0);
    raw_free(&b);
}

/* The read-ahead window is allocated at the first read: its failure is an I/O error
 * (ENOMEM) at the record's offset, never a clean end of the file. */
BS_TEST(spill_file, a_failed_window_allocation_is_an_error_not_the_end)
{
    raw b = {0};
    raw_good(&b);
    mem_src src = {.p = b.p, .len = b.len};
    bs_spill_reader r;
    bs_item it;
    cr_assert_eq(bs_spill_reader_init(&r, mem_src_read, &src, 0, 0), 0);
    alloc_fail_arm(1);
    int rc = bs_spill_reader_next(&r, &it);
    bool fired = alloc_fail_fired();
    alloc_fail_arm(0);
    cr_assert(fired, "the window is the reader's first allocation");
    cr_assert_eq(rc, BS_EIO);
    cr_assert_eq(r.err_errno, ENOMEM);
    cr_assert_eq(r.err_offset, 0);
    bs_spill_reader_close(&r);
    raw_free(&b);
}

BS_TEST(spill_file, a_clean_end_after_good_records_returns_zero)
{
    raw b = {0};
    mem_src empty = {0};
    bs_spill_reader r;
    bs_item it;
    cr_assert_eq(bs_spill_reader_init(&r, mem_src_read, &empty, 0, 0), 0);
    cr_assert_eq(bs_spill_reader_next(&r, &it), 0, "an empty file is a clean end");
    bs_spill_reader_close(&r);

    raw_good(&b);
    raw_good(&b);
    mem_src src = {.p = b.p, .len = b.len};
    cr_assert_eq(bs_spill_reader_init(&r, mem_src_read, &src, 0, 0), 0);
    for (int i = 0; i < 2 * GOOD_RECORDS; i++)
        cr_assert_eq(bs_spill_reader_next(&r, &it), 1);
    cr_assert_eq(bs_spill_reader_next(&r, &it), 0);
    cr_assert_eq(bs_spill_reader_next(&r, &it), 0, "and stays one");
    cr_assert_eq(r.offset, b.len);
    bs_spill_reader_close(&r);
    raw_free(&b);
}

BS_TEST(spill_file, a_failing_read_is_an_io_error_not_corruption)
{
    raw b = {0};
    raw_good(&b);
    mem_src src = {.p = b.p, .len = b.len, .fail_errno = EIO};
    bs_spill_reader r;
    bs_item it;
    cr_assert_eq(bs_spill_reader_init(&r, mem_src_read, &src, 0, 0), 0);
    cr_assert_eq(bs_spill_reader_next(&r, &it), BS_EIO);
    cr_assert_eq(r.err_errno, EIO);
    cr_assert_eq(r.err_offset, 0);
    bs_spill_reader_close(&r);
    raw_free(&b);
}

/* A long random file (well past the read-ahead window) read whole, then again with reads
 * capped at 1 and 7 bytes: the same records, field by field. */
BS_TEST(spill_file, short_reads_parse_the_same_records)
{
    const uint32_t page = BS_PAGE_SIZE_DEFAULT;
    uint8_t *buf = malloc(page), *want = malloc(page);
    cr_assert(buf && want);
    raw b = {0};
    uint64_t w = 0xc0ffee, n = 0;
    while (b.len < 3 * BS_SPILL_READ_BUF_BYTES) {
        bs_item it = rt_item(&w, page, buf);
        uint8_t *stage = malloc(bs_spill_record_bytes(&it));
        cr_assert_not_null(stage);
        raw_put(&b, stage, bs_spill_encode(&it, stage));
        free(stage);
        n++;
    }
    const size_t chunks[] = {0, 1, 7};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        mem_src src = {.p = b.p, .len = b.len, .chunk_max = chunks[c]};
        bs_spill_reader r;
        cr_assert_eq(bs_spill_reader_init(&r, mem_src_read, &src, page, RT_CHANNELS), 0);
        uint64_t st = 0xc0ffee;
        for (uint64_t i = 0; i < n; i++) {
            bs_item exp = rt_item(&st, page, want), got;
            cr_assert_eq(bs_spill_reader_next(&r, &got), 1, "chunk %zu record %llu: %s", chunks[c],
                         (unsigned long long)i, r.errmsg);
            rt_assert_same(&got, &exp, (size_t)i);
        }
        bs_item end;
        cr_assert_eq(bs_spill_reader_next(&r, &end), 0);
        bs_spill_reader_close(&r);
    }
    raw_free(&b);
    free(buf);
    free(want);
}

/* ---- A scripted gate and a recording listener for the spill strategy ----------------- */
#define SCRIPT_ITEMS_MAX 64
#define SCRIPT_DATA_MAX 1024
#define SCRIPT_DATA_DEFAULT 100
#define TRACE_MAX 1024

static uint8_t script_payload[SCRIPT_ITEMS_MAX][SCRIPT_DATA_MAX];

typedef struct script {
    bs_item items[SCRIPT_ITEMS_MAX];
    bool taken[SCRIPT_ITEMS_MAX];
    size_t len;
} script;

static void script_pattern(uint8_t *p, size_t index, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        p[i] = i < 8 ? (uint8_t)((uint64_t)index >> (8 * i)) : (uint8_t)(index * 31 + i);
}

/* Parses DESIGN section 3's item notation: "0:d 1:d/491 2:b1 0:x2 1:eop". */
static void script_load(script *s, const char *text)
{
    memset(s, 0, sizeof *s);
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        cr_assert_lt(s->len, SCRIPT_ITEMS_MAX);
        bs_item *it = &s->items[s->len];
        char *end;
        it->channel = (uint32_t)strtoul(p, &end, 10);
        cr_assert_eq(*end, ':', "script: %s", p);
        p = end + 1;
        if (strncmp(p, "eop", 3) == 0) {
            it->kind = BS_EOP;
            p += 3;
        } else if (*p == 'd') {
            it->kind = BS_DATA;
            it->len = SCRIPT_DATA_DEFAULT;
            p++;
            if (*p == '/') {
                it->len = (uint32_t)strtoul(p + 1, &end, 10);
                p = end;
            }
            cr_assert(it->len >= 8 && it->len <= SCRIPT_DATA_MAX);
            script_pattern(script_payload[s->len], s->len, it->len);
            it->data = script_payload[s->len];
        } else {
            cr_assert(*p == 'b' || *p == 'x', "script: %s", p);
            it->kind = *p == 'b' ? BS_BARRIER : BS_CANCEL;
            it->id = strtoull(p + 1, &end, 10);
            it->timestamp = it->id * 1000;
            p = end;
        }
        s->len++;
    }
}

/* The first item not yet taken of a channel that is not blocked (FIFO per channel). */
static int script_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    script *s = ctx;
    bool left = false;
    for (size_t i = 0; i < s->len; i++) {
        if (s->taken[i])
            continue;
        if (blocked && bs_chanset_has(blocked, s->items[i].channel)) {
            left = true;
            continue;
        }
        s->taken[i] = true;
        *out = s->items[i];
        return 1;
    }
    return left ? BS_EAGAIN : 0;
}

/* Which input item a returned item is: data by its payload, eop by its channel. */
static size_t script_identify(const script *s, const bs_item *it)
{
    if (it->kind == BS_DATA) {
        cr_assert_geq(it->len, 8);
        uint64_t index = 0;
        for (int i = 0; i < 8; i++)
            index |= (uint64_t)it->data[i] << (8 * i);
        cr_assert_lt(index, s->len);
        cr_assert_eq(it->len, s->items[index].len, "item %llu: length", (unsigned long long)index);
        cr_assert(memcmp(it->data, s->items[index].data, it->len) == 0, "item %llu: payload",
                  (unsigned long long)index);
        return (size_t)index;
    }
    for (size_t i = 0; i < s->len; i++)
        if (s->items[i].kind == BS_EOP && s->items[i].channel == it->channel)
            return i;
    cr_assert_fail("an eop on channel %u that was never sent", it->channel);
    return 0;
}

typedef struct trace {
    char text[TRACE_MAX];
    size_t len;
} trace;

static void trace_add(trace *t, const char *tok)
{
    int n = snprintf(t->text + t->len, sizeof t->text - t->len, "%s%s", t->len ? " " : "", tok);
    cr_assert(n > 0 && (size_t)n < sizeof t->text - t->len, "trace overflows");
    t->len += (size_t)n;
}

static void on_trigger(void *ctx, uint64_t id)
{
    char tok[32];
    snprintf(tok, sizeof tok, "t%llu", (unsigned long long)id);
    trace_add(ctx, tok);
}

static void on_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    char tok[48];
    snprintf(tok, sizeof tok, "a%llu:%s", (unsigned long long)id, bs_abort_reason_name(why));
    trace_add(ctx, tok);
}

/* One run of a script through a spill handler. */
typedef struct run {
    int next_rc;              /* 0 (the end), a negative error, or 1 when stopped early */
    char next_msg[256];
    int close_rc;
    char close_msg[256];
    trace tr;
} run;

/* Runs `text` until the end, an error, or `stop_after` returned items; then closes. */
static void run_script(const char *text, const bs_handler_config *cfg, const bs_io *io,
                       size_t stop_after, run *out)
{
    static script s;
    script_load(&s, text);
    memset(out, 0, sizeof *out);
    bs_gate gate = {.ctx = &s, .channels = cfg->channels, .next = script_next};
    bs_listener listener = {.ctx = &out->tr, .trigger = on_trigger, .abort = on_abort};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, cfg, &gate, io, &listener), 0);
    size_t returned = 0;
    for (int turn = 0;; turn++) {
        cr_assert_lt(turn, 10 * SCRIPT_ITEMS_MAX, "the handler does not end");
        if (returned == stop_after) {
            out->next_rc = 1;
            break;
        }
        bs_item it;
        int rc = bs_handler_next(h, &it);
        if (rc < 0) {
            out->next_rc = rc;
            snprintf(out->next_msg, sizeof out->next_msg, "%s", bs_handler_errmsg(h));
            cr_assert_eq(bs_handler_next(h, &it), rc, "an error is sticky");
            break;
        }
        if (rc == 0) {
            trace_add(&out->tr, "end");
            break;
        }
        char tok[32];
        snprintf(tok, sizeof tok, "%zu", script_identify(&s, &it));
        trace_add(&out->tr, tok);
        returned++;
    }
    out->close_rc = bs_handler_close(h, out->close_msg, sizeof out->close_msg);
}

/* A spill-strategy config of `channels` channels with the defaults otherwise. */
static bs_handler_config spill_cfg(uint32_t channels, uint64_t max_buffered_bytes)
{
    return (bs_handler_config){.strategy = "spill", .channels = channels,
                               .max_buffered_bytes = max_buffered_bytes};
}

/* In-memory I/O wrapped for counting files. */
typedef struct mem_stack {
    bs_io mem_io, io;
    bs_io_mem mem;
    io_fault f;
} mem_stack;

static void mem_stack_init(mem_stack *m)
{
    bs_io_mem_init(&m->mem_io, &m->mem);
    io_fault_init(&m->io, &m->f, &m->mem_io);
}

static void mem_stack_close(mem_stack *m)
{
    cr_assert_eq(m->f.live_files, 0, "a spill file survived");
    cr_assert_eq(bs_io_mem_live(&m->mem), 0);
    bs_io_mem_close(&m->mem);
}

/* ---- Spill strategy rules ----------------------------------------------------------- */
BS_TEST(spill_strategy, one_channel_triggers_and_cancels_at_once_without_spilling)
{
    mem_stack m;
    mem_stack_init(&m);
    bs_handler_config cfg = spill_cfg(1, 0);
    run r;
    run_script("0:d 0:b1 0:d 0:x2 0:d 0:b3 0:b3 0:d 0:eop", &cfg, &m.io, SIZE_MAX, &r);
    cr_assert_eq(r.next_rc, 0, "%s", r.next_msg);
    cr_assert_str_eq(r.tr.text, "0 t1 2 a2:cancelled 4 t3 7 8 end");
    cr_assert_eq(m.f.files_created, 0, "nothing is ever blocked");
    mem_stack_close(&m);
}

/* During the replay of file 1, x2 releases with nothing spilled since b2: the roll-over is
 * empty, and the rest of file 1 (items 5 and 6) still comes next, in order. */
BS_TEST(spill_strategy, an_empty_roll_over_does_not_displace_the_current_replay)
{
    mem_stack m;
    mem_stack_init(&m);
    bs_handler_config cfg = spill_cfg(3, 0);
    run r;
    run_script("0:b1 0:d 0:b2 1:b1 1:x2 0:d 1:d 2:b1 2:d 0:eop 1:eop 2:eop", &cfg, &m.io,
               SIZE_MAX, &r);
    cr_assert_eq(r.next_rc, 0, "%s", r.next_msg);
    cr_assert_str_eq(r.tr.text, "t1 1 a2:cancelled 5 6 8 9 10 11 end");
    cr_assert_eq(m.f.files_created, 1, "the empty roll-over created no file");
    mem_stack_close(&m);
}

/* File 1 (799 bytes) is replayed while b2 spills 633 bytes to file 2: under the limit of
 * 1000 because the sequence being replayed is not counted. 1:b3 subsumes 2 and file 2 is
 * replayed first, file 1 interrupted; spilling 500 bytes (item 4) to file 3 now counts
 * file 1's full size: 1299 > 1000, so release, then a3:limit. */
BS_TEST(spill_strategy, max_buffered_bytes_counts_interrupted_sequences_but_not_the_one_replayed)
{
    mem_stack m;
    mem_stack_init(&m);
    bs_handler_config cfg = spill_cfg(3, 1000);
    run r;
    run_script("0:b1 0:b2 0:d/91 0:b3 0:d/491 1:b1 1:b3 1:d/91 2:b1 0:eop 1:eop 2:eop", &cfg,
               &m.io, SIZE_MAX, &r);
    cr_assert_eq(r.next_rc, 0, "%s", r.next_msg);
    cr_assert_str_eq(r.tr.text, "t1 a2:subsumed 2 a3:limit 4 7 9 10 11 end");
    cr_assert_eq(m.f.files_created, 3);
    mem_stack_close(&m);

    /* With a limit of exactly 1299 nothing exceeds it: no limit abort; 0:eop and 1:eop are
     * spilled behind their barriers and 2:eop ends checkpoint 3. */
    mem_stack_init(&m);
    cfg = spill_cfg(3, 1299);
    run_script("0:b1 0:b2 0:d/91 0:b3 0:d/491 1:b1 1:b3 1:d/91 2:b1 0:eop 1:eop 2:eop", &cfg,
               &m.io, SIZE_MAX, &r);
    cr_assert_eq(r.next_rc, 0, "%s", r.next_msg);
    cr_assert_str_eq(r.tr.text, "t1 a2:subsumed 2 a3:eop 11 4 7 9 10 end");
    mem_stack_close(&m);
}

/* ---- Every I/O call failing in turn ---------------------------------------------------- */
/*
 * Three channels; file 1 is replayed after t1; during it b2 spills to file 2, and 1:b3
 * subsumes 2 so that file 2 is replayed first with file 1 interrupted (a nested replay);
 * then file 3 is written and replayed after t3.
 */
static const char fault_script[] =
    "0:d 1:d 2:d 0:b1 0:d/200 0:b2 0:d/300 0:d/400 1:b1 1:d/500 1:b3 1:d/600 2:b1 2:d "
    "0:b3 0:d/700 2:b3 0:eop 1:eop 2:eop";
static const char fault_trace[] = "0 1 2 t1 4 9 a2:subsumed 6 7 13 t3 11 15 17 18 19 end";
#define FAULT_ITEMS_RETURNED 13

/* An I/O layer that logs every call (kind and file number) before passing it on. */
#define IO_LOG_MAX 4096
typedef struct io_log {
    bs_io inner;
    io_call call[IO_LOG_MAX];
    uint64_t no[IO_LOG_MAX];
    size_t len;
} io_log;

static void io_log_add(io_log *l, io_call c, uint64_t no)
{
    cr_assert_lt(l->len, IO_LOG_MAX);
    l->call[l->len] = c;
    l->no[l->len++] = no;
}

static int log_open(void *ctx, uint64_t no, bs_file *f)
{
    io_log *l = ctx;
    io_log_add(l, IO_OPEN, no);
    return l->inner.open(l->inner.ctx, no, f);
}

static long log_write(void *ctx, bs_file *f, const void *buf, size_t n)
{
    io_log *l = ctx;
    io_log_add(l, IO_WRITE, f->no);
    return l->inner.write(l->inner.ctx, f, buf, n);
}

static long log_read(void *ctx, bs_file *f, uint64_t off, void *buf, size_t n)
{
    io_log *l = ctx;
    io_log_add(l, IO_READ, f->no);
    return l->inner.read(l->inner.ctx, f, off, buf, n);
}

static int log_close(void *ctx, bs_file *f)
{
    io_log *l = ctx;
    io_log_add(l, IO_CLOSE, f->no);
    return l->inner.close(l->inner.ctx, f);
}

static int log_unlink(void *ctx, bs_file *f)
{
    io_log *l = ctx;
    io_log_add(l, IO_UNLINK, f->no);
    return l->inner.unlink(l->inner.ctx, f);
}

/* handler -> log -> fault -> POSIX files in tmp_dir */
typedef struct fault_stack {
    bs_io posix_io, fault_io, io;
    bs_io_posix px;
    io_fault f;
    io_log log;
} fault_stack;

static void fault_stack_init(fault_stack *s)
{
    memset(s, 0, sizeof *s);
    cr_assert_eq(bs_io_posix_init(&s->posix_io, &s->px, tmp_dir), 0);
    io_fault_init(&s->fault_io, &s->f, &s->posix_io);
    s->log.inner = s->fault_io;
    s->io = (bs_io){&s->log, log_open, log_write, log_read, log_close, log_unlink};
}

/* Standard error is a FILE here; the core's diagnostics are captured, sanitizers' are not. */
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

/* The trace of a failed run is a prefix of the clean one, token for token. */
static void assert_trace_prefix(const char *got, const char *clean, size_t nth)
{
    size_t n = strlen(got);
    cr_assert(strncmp(got, clean, n) == 0 && (n == 0 || clean[n] == ' ' || clean[n] == '\0'),
              "fault %zu: trace \"%s\" is not a prefix of \"%s\"", nth, got, clean);
}

/* Fails the nth I/O call of a run stopped after `stop_after` items; checks the error and
 * the cleanup. Returns false once n is past the run's last call (no fault fired). */
static bool fail_nth_call(size_t stop_after, const char *clean, size_t nth)
{
    fault_stack s;
    fault_stack_init(&s);
    s.f.fail_any_nth = nth;
    s.f.fail_any_err = EIO;
    bs_handler_config cfg = spill_cfg(3, 0);
    run r;
    err_capture cap;
    err_capture_begin(&cap);
    run_script(fault_script, &cfg, &s.io, stop_after, &r);
    err_capture_end(&cap);
    char *said = cap.text;

    cr_assert_eq(s.f.live_files, 0, "fault %zu: a spill file survived", nth);
    cr_assert_eq(tmp_dir_entries(), 0, "fault %zu: a file is left in %s", nth, tmp_dir);
    if (s.f.faults_fired == 0) {
        cr_assert_eq(r.next_rc, stop_after == SIZE_MAX ? 0 : 1, "%s", r.next_msg);
        cr_assert_eq(r.close_rc, 0, "%s", r.close_msg);
        cr_assert_str_eq(r.tr.text, clean);
        cr_assert_str_eq(said, "");
        free(said);
        return false;
    }
    cr_assert_eq(s.f.faults_fired, 1);
    cr_assert_geq(s.log.len, nth);
    char want[256], said_head[64], said_tail[128];
    unsigned long long no = (unsigned long long)s.log.no[nth - 1];
    const char *call = io_call_name(s.log.call[nth - 1]);
    snprintf(want, sizeof want, "spill file %llu: %s: %s", no, call, strerror(EIO));
    snprintf(said_head, sizeof said_head, "barriersim: spill file %llu (", no);
    snprintf(said_tail, sizeof said_tail, "): %s: %s\n", call, strerror(EIO));
    if (r.next_rc < 0) {
        cr_assert_eq(r.next_rc, BS_EIO, "fault %zu: rc %d", nth, r.next_rc);
        cr_assert_str_eq(r.next_msg, want, "fault %zu", nth);
        cr_assert_eq(r.close_rc, 0, "fault %zu: cleanup after the error: %s", nth, r.close_msg);
    } else {
        cr_assert(s.log.call[nth - 1] == IO_CLOSE || s.log.call[nth - 1] == IO_UNLINK,
                  "fault %zu: a %s failure was swallowed", nth, io_call_name(s.log.call[nth - 1]));
        cr_assert_eq(r.close_rc, BS_EIO, "fault %zu: close rc %d", nth, r.close_rc);
        cr_assert_str_eq(r.close_msg, want, "fault %zu", nth);
    }
    assert_trace_prefix(r.tr.text, clean, nth);
    size_t said_len = strlen(said), tail_len = strlen(said_tail);
    cr_assert(strncmp(said, said_head, strlen(said_head)) == 0 && said_len >= tail_len &&
                  strcmp(said + said_len - tail_len, said_tail) == 0 &&
                  strchr(said, '\n') == said + said_len - 1,
              "fault %zu: stderr said \"%s\", want one line \"%s<path>%s\"", nth, said, said_head,
              said_tail);
    free(said);
    return true;
}

/* The clean trace of the fault script stopped after `stop_after` returned items. */
static void clean_prefix(size_t stop_after, char *out, size_t out_len)
{
    const char *p = fault_trace;
    size_t items = 0;
    while (*p && items != stop_after) {
        const char *sp = strchr(p, ' ');
        items += p[0] >= '0' && p[0] <= '9';
        p = sp ? sp + 1 : p + strlen(p);
    }
    size_t n = (size_t)(p - fault_trace);
    while (n && fault_trace[n - 1] == ' ')
        n--;
    cr_assert_lt(n, out_len);
    memcpy(out, fault_trace, n);
    out[n] = '\0';
}

BS_TEST(spill_faults, the_fault_workload_spills_and_replays_nested_without_faults,
     .init = tmp_dir_make, .fini = tmp_dir_remove)
{
    fault_stack s;
    fault_stack_init(&s);
    bs_handler_config cfg = spill_cfg(3, 0);
    run r;
    run_script(fault_script, &cfg, &s.io, SIZE_MAX, &r);
    cr_assert_eq(r.next_rc, 0, "%s", r.next_msg);
    cr_assert_str_eq(r.tr.text, fault_trace);
    cr_assert_eq(s.f.files_created, 3);
    cr_assert_eq(s.f.live_files, 0);
    cr_assert_eq(tmp_dir_entries(), 0);
}

BS_TEST(spill_faults, each_io_call_failing_in_turn_surfaces_and_leaves_no_file, .init = tmp_dir_make,
     .fini = tmp_dir_remove)
{
    size_t runs = 0;
    for (size_t stop = 0; stop <= FAULT_ITEMS_RETURNED + 1; stop++) {
        size_t stop_after = stop > FAULT_ITEMS_RETURNED ? SIZE_MAX : stop;
        char clean[TRACE_MAX];
        clean_prefix(stop_after, clean, sizeof clean);
        size_t nth = 1;
        while (fail_nth_call(stop_after, clean, nth)) {
            cr_assert_lt(nth, 1000, "the workload should end");
            nth++;
            runs++;
        }
    }
    cr_assert_gt(runs, 100, "only %zu faulty runs", runs);
}

BS_TEST(spill_faults, short_writes_and_reads_are_retried_transparently, .init = tmp_dir_make,
     .fini = tmp_dir_remove)
{
    const uint32_t short_bytes[] = {1, 9, 3};
    for (size_t v = 0; v < sizeof short_bytes / sizeof short_bytes[0]; v++) {
        fault_stack s;
        fault_stack_init(&s);
        for (uint64_t nth = 1; nth <= IO_FAULT_RULES_MAX / 2; nth++) {
            uint32_t k = short_bytes[v] + (uint32_t)(nth % 4);
            cr_assert_eq(io_fault_add(&s.f, IO_WRITE, nth, 0, k), 0);
            cr_assert_eq(io_fault_add(&s.f, IO_READ, nth, 0, k), 0);
        }
        bs_handler_config cfg = spill_cfg(3, 0);
        run r;
        run_script(fault_script, &cfg, &s.io, SIZE_MAX, &r);
        cr_assert_eq(r.next_rc, 0, "%s", r.next_msg);
        cr_assert_eq(r.close_rc, 0, "%s", r.close_msg);
        cr_assert_str_eq(r.tr.text, fault_trace);
        cr_assert_gt(s.f.faults_fired, 100, "short transfers fired %llu times",
                     (unsigned long long)s.f.faults_fired);
        cr_assert_eq(s.f.live_files, 0);
        cr_assert_eq(tmp_dir_entries(), 0);
    }
}

/* A spill file's read failing (EIO) stops the handler with a message naming the file, the
 * call and the errno as strerror spells it. */
BS_TEST(spill_faults, a_failed_read_names_its_errno, .init = tmp_dir_make, .fini = tmp_dir_remove)
{
    fault_stack s;
    fault_stack_init(&s);
    cr_assert_eq(io_fault_add(&s.f, IO_READ, 1, EIO, 0), 0);
    bs_handler_config cfg = spill_cfg(3, 0);
    cfg.quiet = true;
    run r;
    run_script(fault_script, &cfg, &s.io, SIZE_MAX, &r);
    cr_assert_eq(s.f.faults_fired, 1);
    cr_assert_eq(r.next_rc, BS_EIO, "%s", r.next_msg);
    cr_assert(strstr(r.next_msg, "spill file 1: read: Input/output error"), "%s", r.next_msg);
    cr_assert_eq(s.f.live_files, 0);
}

BS_TEST(spill_faults, each_io_call_interrupted_in_turn_is_retried_transparently, .init = tmp_dir_make,
     .fini = tmp_dir_remove)
{
    /* EINTR is a retry, as POSIX code treats it: whichever call is interrupted, the run ends
     * with the clean trace, nothing on stderr and no file left. */
    size_t nth = 1;
    for (;; nth++) {
        cr_assert_lt(nth, 1000, "the workload should end");
        fault_stack s;
        fault_stack_init(&s);
        s.f.fail_any_nth = nth;
        s.f.fail_any_err = EINTR;
        bs_handler_config cfg = spill_cfg(3, 0);
        run r;
        err_capture cap;
        err_capture_begin(&cap);
        run_script(fault_script, &cfg, &s.io, SIZE_MAX, &r);
        err_capture_end(&cap);
        cr_assert_str_eq(cap.text, "", "interrupted call %zu: stderr said %s", nth, cap.text);
        free(cap.text);
        cr_assert_eq(r.next_rc, 0, "interrupted call %zu: %s", nth, r.next_msg);
        cr_assert_eq(r.close_rc, 0, "interrupted call %zu: %s", nth, r.close_msg);
        cr_assert_str_eq(r.tr.text, fault_trace, "interrupted call %zu", nth);
        cr_assert_eq(s.f.live_files, 0);
        cr_assert_eq(tmp_dir_entries(), 0, "interrupted call %zu: a file is left", nth);
        if (s.f.faults_fired == 0)
            break;
    }
    cr_assert_geq(nth - 1, 20, "only %zu calls were interrupted", nth - 1);
}

BS_TEST(spill_faults, a_call_interrupted_forever_is_an_error_not_a_hang, .init = tmp_dir_make,
     .fini = tmp_dir_remove)
{
    fault_stack s;
    fault_stack_init(&s);
    for (uint64_t nth = 1; nth <= BS_IO_EINTR_RETRIES; nth++)
        cr_assert_eq(io_fault_add(&s.f, IO_WRITE, nth, EINTR, 0), 0);
    bs_handler_config cfg = spill_cfg(3, 0);
    run r;
    err_capture cap;
    err_capture_begin(&cap);
    run_script(fault_script, &cfg, &s.io, SIZE_MAX, &r);
    err_capture_end(&cap);
    free(cap.text);
    cr_assert_eq(r.next_rc, BS_EIO);
    char want[128];
    snprintf(want, sizeof want, "spill file 1: write: %s", strerror(EINTR));
    cr_assert_str_eq(r.next_msg, want);
    cr_assert_eq(tmp_dir_entries(), 0);
}

/* ---- File names never collide with a stranger's file ------------------------------------ */
BS_TEST(spill_posix, stale_files_with_the_old_names_of_the_next_200_pids_do_not_matter,
     .init = tmp_dir_make, .fini = tmp_dir_remove)
{
    /* Files an earlier process left behind, named as spill files used to be named, for this
     * process's pid and the next 200 pids and the first instances and file numbers. */
    char path[600];
    size_t strangers = 0;
    for (long p = (long)getpid(); p < (long)getpid() + 200; p++)
        for (int inst = 1; inst <= 3; inst++)
            for (int no = 1; no <= 3; no++) {
                snprintf(path, sizeof path, "%s/barriersim-%ld-%d-%d.spill", tmp_dir, p, inst, no);
                FILE *f = fopen(path, "w");
                cr_assert_not_null(f);
                fputs("a stranger's bytes", f);
                fclose(f);
                strangers++;
            }
    for (int round = 0; round < 3; round++) {
        fault_stack s;
        fault_stack_init(&s);
        bs_handler_config cfg = spill_cfg(3, 0);
        run r;
        run_script(fault_script, &cfg, &s.io, SIZE_MAX, &r);
        cr_assert_eq(r.next_rc, 0, "%s", r.next_msg);
        cr_assert_str_eq(r.tr.text, fault_trace);
        cr_assert_eq(s.f.files_created, 3);
    }
    cr_assert_eq(tmp_dir_entries(), strangers, "a stranger's file was removed, or ours was left");
    snprintf(path, sizeof path, "%s/barriersim-%ld-1-1.spill", tmp_dir, (long)getpid());
    FILE *f = fopen(path, "r");
    char got[64] = "";
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(got, sizeof got, f));
    fclose(f);
    cr_assert_str_eq(got, "a stranger's bytes");
}

BS_TEST(spill_posix, a_file_is_in_the_signal_cleanup_list_from_open_to_unlink, .init = tmp_dir_make,
     .fini = tmp_dir_remove)
{
    bs_io io;
    bs_io_posix px;
    cr_assert_eq(bs_io_posix_init(&io, &px, tmp_dir), 0);
    uint64_t before = bs_io_posix_live();
    bs_file a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    cr_assert_eq(io.open(io.ctx, 1, &a), 0);
    cr_assert_eq(io.open(io.ctx, 1, &b), 0, "the same number twice gets a second, different file");
    cr_assert_str_neq(a.path, b.path);
    cr_assert_eq(bs_io_posix_live(), before + 2);
    cr_assert_eq(io.write(io.ctx, &a, "xyz", 3), 3);
    cr_assert_eq(io.close(io.ctx, &a), 0);
    cr_assert_eq(bs_io_posix_live(), before + 2, "closed but not unlinked: still ours to remove");
    cr_assert_eq(io.unlink(io.ctx, &a), 0);
    cr_assert_eq(bs_io_posix_live(), before + 1);
    cr_assert_eq(tmp_dir_entries(), 1);
    cr_assert_eq(io.close(io.ctx, &b), 0);
    cr_assert_eq(bs_io_posix_remove_all(), 1);
    cr_assert_eq(tmp_dir_entries(), 0);
    cr_assert_eq(io.unlink(io.ctx, &b), -ENOENT, "removed by the cleanup already");
    cr_assert_eq(bs_io_posix_live(), before);
}
