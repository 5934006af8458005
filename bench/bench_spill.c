/*
 * bench_spill.c: spilling and reading back, against writing and reading the same bytes.
 *
 * Subject: a bs_spiller over the POSIX bs_io adds data records of one page (32 KiB) round-
 * robin over 4 channels, with a barrier every SP_BARRIER_EVERY records, rolls the file over,
 * reads every record back with bs_spill_seq_next and deletes the file. Baseline: the same
 * record bytes (header + payload, taken from the same buffers) written with one io.write
 * per record to a plain file in the same directory through the same bs_io calls, then read
 * back sequentially in chunks of the spill reader's window (BS_SPILL_READ_BUF_BYTES),
 * closed and unlinked. A round is sized so that the page cache, not the disk, does the work.
 *
 * Every data payload starts with its record number; both sides add up the first word of
 * each payload they read back, and the sum is checked after the round. Everything lives
 * in a fresh mkdtemp directory that must be empty (and is removed) at the end.
 */
#include "bench.h"

#include "../core/bs_spill.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SP_CHANNELS 4u
#define SP_PAGE_BYTES 32768u
#define SP_RECORD_BYTES (BS_SPILL_HEADER_BYTES + SP_PAGE_BYTES)
#define SP_ROUND_DATA (128u << 20)
#define SP_ROUND_DATA_QUICK (32u << 20)
#define SP_POOL_SLOTS 128u /* source records; a multiple of SP_CHANNELS */
#define SP_BARRIER_EVERY 64u
#define SP_WRITE_STALLS_MAX 16
#define SP_TARGET_RATIO 0.8

typedef struct sp_shared {
    char dir[256];
    uint8_t *pool;          /* SP_POOL_SLOTS encoded data records, slot s on channel s % 4 */
    uint64_t data_records;  /* per round */
    uint64_t barriers;      /* per round */
    uint64_t bytes;         /* per round: every record, headers included */
    uint64_t *payload_off;  /* baseline: file offset of each data record's payload */
    uint8_t *chunk;         /* baseline: read buffer of BS_SPILL_READ_BUF_BYTES */
    uint64_t expect_sum;    /* sum over data records of (record number + length) */
    uint64_t expect_ids;    /* sum of barrier ids */
    bs_io io_subject, io_baseline;
    bs_io_posix px_subject, px_baseline;
    uint64_t baseline_file_no;
} sp_shared;

static uint8_t *sp_slot(const sp_shared *sh, uint64_t d)
{
    return sh->pool + (d % SP_POOL_SLOTS) * SP_RECORD_BYTES;
}

static bs_item sp_barrier(uint64_t d)
{
    uint64_t id = d / SP_BARRIER_EVERY;
    return (bs_item){.kind = BS_BARRIER, .channel = (uint32_t)(d % SP_CHANNELS), .id = id,
                     .timestamp = id * 1000u};
}

/* Stamps data record d's number into its payload (both sides do this, in the work). */
static uint8_t *sp_stamp(const sp_shared *sh, uint64_t d)
{
    uint8_t *rec = sp_slot(sh, d);
    bench_put_le64(rec + BS_SPILL_HEADER_BYTES, d);
    return rec;
}

static bool sp_barrier_before(uint64_t d) { return d > 0 && d % SP_BARRIER_EVERY == 0; }

/* ---- subject ---------------------------------------------------------------------------- */
static int sp_subject_write(const sp_shared *sh, bs_spiller *sp)
{
    for (uint64_t d = 0; d < sh->data_records; d++) {
        if (sp_barrier_before(d)) {
            bs_item b = sp_barrier(d);
            if (bs_spiller_add(sp, &b))
                return -1;
        }
        uint8_t *rec = sp_stamp(sh, d);
        bs_item it = {.kind = BS_DATA, .channel = (uint32_t)(d % SP_CHANNELS),
                      .len = SP_PAGE_BYTES, .data = rec + BS_SPILL_HEADER_BYTES};
        if (bs_spiller_add(sp, &it))
            return -1;
    }
    return 0;
}

static int sp_subject_read(const sp_shared *sh, bs_spill_seq *seq)
{
    uint64_t sum = 0, data = 0, barriers = 0, ids = 0;
    char msg[256];
    bs_item it;
    int rc;
    while ((rc = bs_spill_seq_next(seq, &it, msg, sizeof msg)) == 1) {
        if (it.kind == BS_DATA) {
            sum += bench_get_le64(it.data) + it.len;
            data++;
        } else {
            ids += it.id;
            barriers++;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "bench: spill: read back: %s\n", msg);
        return -1;
    }
    if (sum == sh->expect_sum && data == sh->data_records && barriers == sh->barriers &&
        ids == sh->expect_ids)
        return 0;
    fprintf(stderr, "bench: spill: read back %llu data, %llu barriers, wrong sum or ids\n",
            (unsigned long long)data, (unsigned long long)barriers);
    return -1;
}

static int sp_subject_round(void *ctx)
{
    const sp_shared *sh = ctx;
    bs_spiller sp;
    bs_spill_seq *seq = NULL;
    char msg[256];
    if (bs_spiller_init(&sp, &sh->io_subject, SP_PAGE_BYTES, SP_CHANNELS))
        return -1;
    int rc = sp_subject_write(sh, &sp);
    if (rc)
        fprintf(stderr, "bench: spill: add: %s\n", sp.errmsg);
    if (rc == 0 && (bs_spiller_roll_over(&sp, &seq) != 0 || !seq)) {
        fprintf(stderr, "bench: spill: roll-over gave no sequence\n");
        rc = -1;
    }
    if (rc == 0)
        rc = sp_subject_read(sh, seq);
    if (bs_spill_seq_delete(seq, msg, sizeof msg)) {
        fprintf(stderr, "bench: spill: delete: %s\n", msg);
        rc = -1;
    }
    if (bs_spiller_close(&sp, msg, sizeof msg)) {
        fprintf(stderr, "bench: spill: close: %s\n", msg);
        rc = -1;
    }
    return rc;
}

/* ---- baseline --------------------------------------------------------------------------- */
/* One io.write call per record, retried on short writes like the spiller does. */
static int sp_write_all(const bs_io *io, bs_file *f, const uint8_t *p, size_t n)
{
    int stalls = 0;
    while (n > 0) {
        long k = io->write(io->ctx, f, p, n);
        if (k < 0 || (k == 0 && ++stalls > SP_WRITE_STALLS_MAX)) {
            fprintf(stderr, "bench: spill baseline: write: %s\n", strerror(k < 0 ? (int)-k : EIO));
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int sp_baseline_write(const sp_shared *sh, bs_file *f)
{
    uint8_t event[BS_SPILL_HEADER_BYTES + BS_SPILL_EVENT_BARRIER_BYTES];
    for (uint64_t d = 0; d < sh->data_records; d++) {
        if (sp_barrier_before(d)) {
            bs_item b = sp_barrier(d);
            size_t n = bs_spill_encode(&b, event);
            if (sp_write_all(&sh->io_baseline, f, event, n))
                return -1;
        }
        if (sp_write_all(&sh->io_baseline, f, sp_stamp(sh, d), SP_RECORD_BYTES))
            return -1;
    }
    return 0;
}

/* Adds the first word of each data payload as its bytes stream past in chunks. */
typedef struct sp_cursor {
    uint64_t rec;  /* data record whose first word is being assembled */
    unsigned got;  /* bytes of it seen */
    uint64_t word;
    uint64_t sum;
} sp_cursor;

static void sp_cursor_feed(const sp_shared *sh, sp_cursor *c, uint64_t off, const uint8_t *p,
                           size_t n)
{
    while (c->rec < sh->data_records) {
        uint64_t at = sh->payload_off[c->rec] + c->got;
        if (at >= off + n)
            return;
        c->word |= (uint64_t)p[at - off] << (8 * c->got);
        if (++c->got == 8) {
            c->sum += c->word + SP_PAGE_BYTES;
            c->rec++;
            c->got = 0;
            c->word = 0;
        }
    }
}

static int sp_baseline_read(const sp_shared *sh, bs_file *f)
{
    sp_cursor c = {0};
    uint64_t off = 0;
    while (off < sh->bytes) {
        uint64_t left = sh->bytes - off;
        size_t want = left < BS_SPILL_READ_BUF_BYTES ? (size_t)left : BS_SPILL_READ_BUF_BYTES;
        long k = sh->io_baseline.read(sh->io_baseline.ctx, f, off, sh->chunk, want);
        if (k <= 0) {
            fprintf(stderr, "bench: spill baseline: read at %llu: %s\n",
                    (unsigned long long)off, k < 0 ? strerror((int)-k) : "early end of file");
            return -1;
        }
        sp_cursor_feed(sh, &c, off, sh->chunk, (size_t)k);
        off += (uint64_t)k;
    }
    if (c.rec == sh->data_records && c.sum == sh->expect_sum)
        return 0;
    fprintf(stderr, "bench: spill baseline: read back %llu data records, wrong sum\n",
            (unsigned long long)c.rec);
    return -1;
}

static int sp_baseline_round(void *ctx)
{
    sp_shared *sh = ctx;
    const bs_io *io = &sh->io_baseline;
    bs_file f = {.no = ++sh->baseline_file_no, .fd = -1};
    int rc = io->open(io->ctx, f.no, &f);
    if (rc < 0) {
        fprintf(stderr, "bench: spill baseline: open: %s\n", strerror(-rc));
        return -1;
    }
    rc = sp_baseline_write(sh, &f);
    if (rc == 0)
        rc = sp_baseline_read(sh, &f);
    int k = io->close(io->ctx, &f);
    int u = io->unlink(io->ctx, &f);
    if (k < 0 || u < 0) {
        fprintf(stderr, "bench: spill baseline: %s: %s\n", k < 0 ? "close" : "unlink",
                strerror(k < 0 ? -k : -u));
        rc = -1;
    }
    return rc;
}

/* ---- setup ------------------------------------------------------------------------------ */
static int sp_make_dir(sp_shared *sh)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    int n = snprintf(sh->dir, sizeof sh->dir, "%s/barriersim-bench-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof sh->dir || !mkdtemp(sh->dir)) {
        fprintf(stderr, "bench: spill: cannot create a directory under %s: %s\n", tmp,
                n < 0 || (size_t)n >= sizeof sh->dir ? "name too long" : strerror(errno));
        sh->dir[0] = '\0';
        return -1;
    }
    return 0;
}

/* Encodes the pool's data records and works out what a round must read back. */
static void sp_fill(sp_shared *sh, uint8_t *page)
{
    for (uint64_t s = 0; s < SP_POOL_SLOTS; s++) {
        for (uint32_t j = 0; j < SP_PAGE_BYTES; j++)
            page[j] = (uint8_t)(j * 131u + s);
        bs_item it = {.kind = BS_DATA, .channel = (uint32_t)(s % SP_CHANNELS),
                      .len = SP_PAGE_BYTES, .data = page};
        bs_spill_encode(&it, sh->pool + s * SP_RECORD_BYTES);
    }
    uint64_t off = 0;
    for (uint64_t d = 0; d < sh->data_records; d++) {
        if (sp_barrier_before(d)) {
            bs_item b = sp_barrier(d);
            off += bs_spill_record_bytes(&b);
            sh->barriers++;
            sh->expect_ids += b.id;
        }
        sh->payload_off[d] = off + BS_SPILL_HEADER_BYTES;
        off += SP_RECORD_BYTES;
        sh->expect_sum += d + SP_PAGE_BYTES;
    }
    sh->bytes = off;
}

static int sp_setup(sp_shared *sh, const bench_opts *o)
{
    sh->data_records = (o->quick ? SP_ROUND_DATA_QUICK : SP_ROUND_DATA) / SP_PAGE_BYTES;
    sh->pool = malloc((size_t)SP_POOL_SLOTS * SP_RECORD_BYTES);
    sh->payload_off = malloc(sh->data_records * sizeof *sh->payload_off);
    sh->chunk = malloc(BS_SPILL_READ_BUF_BYTES);
    uint8_t *page = malloc(SP_PAGE_BYTES);
    int rc = sh->pool && sh->payload_off && sh->chunk && page ? 0 : -1;
    if (rc == 0)
        sp_fill(sh, page);
    free(page);
    if (rc == 0)
        rc = sp_make_dir(sh);
    if (rc == 0 && (bs_io_posix_init(&sh->io_subject, &sh->px_subject, sh->dir) ||
                    bs_io_posix_init(&sh->io_baseline, &sh->px_baseline, sh->dir)))
        rc = -1;
    if (rc)
        fprintf(stderr, "bench: spill: setup failed\n");
    return rc;
}

static int sp_measure(sp_shared *sh, const bench_opts *o)
{
    bench_side sides[] = {
        {"write+pread (same bytes)", sp_baseline_round, sh},
        {"bs_spiller add+read", sp_subject_round, sh},
    };
    bench_stats st[2];
    if (bench_measure(o, sides, 2, st))
        return -1;
    bench_result r = {.name = "spill/write+read", .baseline = sides[0].label,
                      .subject = sides[1].label, .bytes = sh->bytes,
                      .items = sh->data_records + sh->barriers, .rate_div = 1e6,
                      .rate_unit = "MB/s", .target_ratio_min = SP_TARGET_RATIO,
                      .base = st[0], .subj = st[1]};
    bench_report(&r);
    return 0;
}

static int sp_run(const bench_opts *o)
{
    sp_shared sh = {0};
    int rc = sp_setup(&sh, o);
    if (rc == 0)
        rc = sp_measure(&sh, o);
    if (sh.dir[0] && rmdir(sh.dir) != 0) {
        fprintf(stderr, "bench: spill: %s not removed (%s): a file was left behind\n", sh.dir,
                strerror(errno));
        rc = -1;
    }
    free(sh.pool);
    free(sh.payload_off);
    free(sh.chunk);
    return rc;
}

const bench_def bench_spill = {
    .name = "spill",
    .summary = "bs_spiller write + read-back vs write/pread of the same bytes",
    .run = sp_run,
};
