/*
 * reader.c: the one reader of spill files, shared by the core and `spill dump`.
 *
 * Reads through a caller-supplied read-at-offset function with a read-ahead window, and
 * checks each record in the order DESIGN.md section 4 fixes, so that a corrupt file gives
 * the same message wherever it is read. The failing record's start offset is kept in
 * err_offset; the reader never reads past a record it rejected. A huge declared event
 * length is checked for presence with a one-byte probe instead of being read.
 */
#include "../bs_spill.h"
#include "../core_int.h"

#include <errno.h>
#include <string.h>

int bs_spill_reader_init(bs_spill_reader *r, bs_spill_read_fn read, void *read_ctx,
                         uint32_t page_size, uint32_t channels)
{
    memset(r, 0, sizeof *r);
    r->read = read;
    r->read_ctx = read_ctx;
    r->page_size = page_size ? page_size : BS_PAGE_SIZE_DEFAULT;
    r->channels = channels;
    r->buf_cap = BS_SPILL_READ_BUF_BYTES;
    return 0;
}

void bs_spill_reader_size_hint(bs_spill_reader *r, uint64_t bytes)
{
    BS_ASSERT(r->buf == NULL);
    size_t cap = 64;
    while (cap < bytes && cap < BS_SPILL_READ_BUF_BYTES)
        cap *= 2;
    r->buf_cap = cap;
}

void bs_spill_reader_close(bs_spill_reader *r)
{
    free(r->buf);
    free(r->page);
    r->buf = r->page = NULL;
}

/* Reads at `off` into dst until n bytes or end of file (a read of 0 bytes); short reads
 * and interrupted reads (-EINTR) are retried. Returns bytes read or -errno. */
static long read_fully(bs_spill_reader *r, uint64_t off, uint8_t *dst, size_t n)
{
    size_t got = 0;
    int interrupts = 0;
    while (got < n) {
        long k = r->read(r->read_ctx, off + got, dst + got, n - got);
        if (k == -EINTR && ++interrupts < BS_IO_EINTR_RETRIES)
            continue; /* interrupted: nothing was read, retry as POSIX code does */
        if (k < 0)
            return k;
        if (k == 0)
            break;
        BS_ASSERT((size_t)k <= n - got);
        got += (size_t)k;
    }
    return (long)got;
}

/* Makes bytes [off, off+n) available in the window if the file has them (n <= window).
 * Returns how many of them are there (< n at end of file), or -errno. */
static long window(bs_spill_reader *r, uint64_t off, size_t n)
{
    BS_ASSERT(n <= r->buf_cap);
    if (!r->buf && !(r->buf = malloc(r->buf_cap)))
        return -ENOMEM;
    if (off < r->buf_off) {
        /* Back to a record that failed after the window moved into its payload. */
        r->buf_off = off;
        r->buf_len = 0;
    }
    uint64_t end = r->buf_off + r->buf_len;
    if (off + n <= end)
        return (long)n;
    size_t keep = off < end ? (size_t)(end - off) : 0;
    if (keep)
        memmove(r->buf, r->buf + (off - r->buf_off), keep);
    r->buf_off = off;
    r->buf_len = keep;
    long k = read_fully(r, off + keep, r->buf + keep, r->buf_cap - keep);
    if (k < 0)
        return k;
    r->buf_len += (size_t)k;
    return (long)(r->buf_len < n ? r->buf_len : n);
}

static int corrupt(bs_spill_reader *r, uint64_t start, const char *msg)
{
    r->err_offset = start;
    snprintf(r->errmsg, sizeof r->errmsg, "%s", msg);
    return BS_ECORRUPT;
}

static int io_error(bs_spill_reader *r, uint64_t start, long negerrno)
{
    r->err_offset = start;
    r->err_errno = (int)-negerrno;
    snprintf(r->errmsg, sizeof r->errmsg, "read: %s", strerror(r->err_errno));
    return BS_EIO;
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static uint64_t get_be64(const uint8_t *p) { return (uint64_t)get_be32(p) << 32 | get_be32(p + 4); }

/* Finds a data payload of `len` bytes at `off`: in place when it is (or can be brought)
 * into the window, else copied into the page with the remainder read straight into it.
 * Sets *data; 0, BS_ECORRUPT or BS_EIO. */
static int read_data(bs_spill_reader *r, uint64_t start, uint64_t off, uint32_t len, const uint8_t **data)
{
    uint64_t end = r->buf_off + r->buf_len;
    bool in_window = off >= r->buf_off && off + len <= end;
    if (in_window || len <= r->buf_cap / 2) {
        long k = window(r, off, len);
        if (k < 0)
            return io_error(r, start, k);
        if ((uint32_t)k < len)
            return corrupt(r, start, "trailing incomplete buffer");
        *data = r->buf + (off - r->buf_off);
        return 0;
    }
    if (!r->page && !(r->page = malloc(r->page_size)))
        return io_error(r, start, -ENOMEM);
    size_t have = off >= r->buf_off && off < end ? (size_t)(end - off) : 0;
    if (have > len)
        have = len;
    if (have)
        memcpy(r->page, r->buf + (off - r->buf_off), have);
    long k = read_fully(r, off + have, r->page + have, len - have);
    if (k < 0)
        return io_error(r, start, k);
    if ((size_t)k < len - have)
        return corrupt(r, start, "trailing incomplete buffer");
    r->buf_off = off + len;
    r->buf_len = 0;
    *data = r->page;
    return 0;
}

/* Checks that an event payload of `len` bytes at `off` is all there; 0 or an error. */
static int event_present(bs_spill_reader *r, uint64_t start, uint64_t off, uint32_t len)
{
    if (len <= r->buf_cap) {
        long k = window(r, off, len);
        if (k < 0)
            return io_error(r, start, k);
        return (uint32_t)k < len ? corrupt(r, start, "trailing incomplete event") : 0;
    }
    uint8_t probe;
    long k = read_fully(r, off + len - 1, &probe, 1);
    if (k < 0)
        return io_error(r, start, k);
    if (k == 0)
        return corrupt(r, start, "trailing incomplete event");
    k = window(r, off, 4);
    if (k < 0)
        return io_error(r, start, k);
    /* the probe saw the last byte, but a file that shrank since has no tag to decode */
    return k < 4 ? corrupt(r, start, "trailing incomplete event") : 0;
}

static int decode_event(bs_spill_reader *r, uint64_t start, uint64_t off, uint32_t len,
                        bs_item *out)
{
    char msg[96];
    if (len < 4) {
        snprintf(msg, sizeof msg, "event length %u is shorter than an event tag (4 bytes)", len);
        return corrupt(r, start, msg);
    }
    const uint8_t *p = r->buf + (off - r->buf_off);
    uint32_t tag = get_be32(p), want;
    switch (tag) {
    case BS_SPILL_TAG_EOP: want = BS_SPILL_EVENT_EOP_BYTES; out->kind = BS_EOP; break;
    case BS_SPILL_TAG_BARRIER: want = BS_SPILL_EVENT_BARRIER_BYTES; out->kind = BS_BARRIER; break;
    case BS_SPILL_TAG_CANCEL: want = BS_SPILL_EVENT_CANCEL_BYTES; out->kind = BS_CANCEL; break;
    default:
        snprintf(msg, sizeof msg, "unknown event tag %u", tag);
        return corrupt(r, start, msg);
    }
    if (len != want) {
        snprintf(msg, sizeof msg, "event length %u does not match tag %u", len, tag);
        return corrupt(r, start, msg);
    }
    if (tag != BS_SPILL_TAG_EOP)
        out->id = get_be64(p + 4);
    if (tag == BS_SPILL_TAG_BARRIER) {
        out->timestamp = get_be64(p + 12);
        out->type = get_be32(p + 20);
    }
    return 0;
}

/* Checks the header in DESIGN.md's order; fills channel, kind class and length. */
static int check_header(bs_spill_reader *r, uint64_t start, const uint8_t *h, int32_t *channel,
                        uint8_t *kind, uint32_t *len)
{
    char msg[128];
    *channel = (int32_t)get_le32(h);
    int32_t slen = (int32_t)get_le32(h + 4);
    *kind = h[8];
    if (*kind != BS_SPILL_KIND_DATA && *kind != BS_SPILL_KIND_EVENT) {
        snprintf(msg, sizeof msg, "unknown record kind %u", *kind);
        return corrupt(r, start, msg);
    }
    if (slen < 0) {
        snprintf(msg, sizeof msg, "negative length %d", slen);
        return corrupt(r, start, msg);
    }
    *len = (uint32_t)slen;
    if (*kind == BS_SPILL_KIND_DATA && *len > r->page_size) {
        snprintf(msg, sizeof msg, "spilled buffer (%u bytes) is larger than page size (%u bytes)",
                 *len, r->page_size);
        return corrupt(r, start, msg);
    }
    return 0;
}

static int check_channel(bs_spill_reader *r, uint64_t start, int32_t channel)
{
    /* One rule for every reader: a channel is below the handler's channel count, or, when
     * the reader knows none (spill dump), below BS_CHANNELS_MAX, the most a handler has. */
    uint32_t limit = r->channels ? r->channels : BS_CHANNELS_MAX;
    if (channel >= 0 && (uint32_t)channel < limit)
        return 0;
    char msg[96];
    snprintf(msg, sizeof msg, "channel %d out of range (%u channels)", channel, limit);
    return corrupt(r, start, msg);
}

int bs_spill_reader_next(bs_spill_reader *r, bs_item *out)
{
    uint64_t start = r->offset;
    long k = window(r, start, BS_SPILL_HEADER_BYTES);
    if (k < 0)
        return io_error(r, start, k);
    if (k == 0)
        return 0;
    if (k < (long)BS_SPILL_HEADER_BYTES)
        return corrupt(r, start, "trailing incomplete buffer or event");
    int32_t channel;
    uint8_t kind;
    uint32_t len;
    int rc = check_header(r, start, r->buf + (start - r->buf_off), &channel, &kind, &len);
    if (rc)
        return rc;
    uint64_t off = start + BS_SPILL_HEADER_BYTES;
    memset(out, 0, sizeof *out);
    if (kind == BS_SPILL_KIND_DATA) {
        const uint8_t *data = NULL;
        rc = read_data(r, start, off, len, &data);
        out->kind = BS_DATA;
        out->len = len;
        out->data = data;
    } else {
        rc = event_present(r, start, off, len);
        if (!rc)
            rc = decode_event(r, start, off, len, out);
    }
    if (!rc)
        rc = check_channel(r, start, channel);
    if (rc)
        return rc;
    out->channel = (uint32_t)channel;
    r->offset = off + len;
    return 1;
}
