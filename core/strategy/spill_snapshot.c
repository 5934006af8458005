/*
 * spill_snapshot.c: the `spill` strategy's state as bytes, and back (for model checking).
 *
 * Layout (little-endian u64s): magic, flags, channels, cur, barriers, closed,
 * end_of_input, the blocked set's words, next file number, then the file being written,
 * the sequence being replayed and the interrupted ones, each as (present,) file number,
 * size, read offset and bytes. A canonical snapshot leaves out file numbers and the bytes
 * already read, so states that behave alike compare equal; only a full one restores.
 */
#include "spill_int.h"

#include <string.h>

#define SPILL_SNAP_MAGIC 0x31766c6c697073ull /* "spillv1" */

static int snap_file(bs_buf *out, const bs_io *io, bs_file *f, uint64_t size, uint64_t offset,
                     bool canonical)
{
    uint64_t from = canonical ? offset : 0;
    int rc = bs_buf_put_u64(out, canonical ? 0 : f->no);
    rc = rc ? rc : bs_buf_put_u64(out, size);
    rc = rc ? rc : bs_buf_put_u64(out, offset);
    rc = rc ? rc : bs_buf_put_u64(out, size - from);
    return rc ? rc : bs_spill_file_copy(io, f, from, size, out);
}

int spill_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    spill_state *s = bs_handler_state(h); /* files are read through the I/O interface */
    bool canonical = flags & BS_SNAP_CANONICAL;
    const bs_io *io = bs_handler_io(h);
    uint64_t head[] = {SPILL_SNAP_MAGIC, flags, s->a.channels, s->a.cur, s->a.barriers, s->a.closed,
                       s->a.end_of_input, canonical ? 0 : s->spiller.next_file_no};
    int rc = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0] && !rc; i++)
        rc = bs_buf_put_u64(out, head[i]);
    for (size_t w = 0; w < bs_chanset_words(s->a.channels) && !rc; w++)
        rc = bs_buf_put_u64(out, s->a.blocked[w]);
    bs_file *wf = &s->spiller.file;
    rc = rc ? rc : bs_buf_put_u64(out, s->spiller.file_open);
    if (!rc && s->spiller.file_open)
        rc = snap_file(out, io, wf, s->spiller.bytes, 0, canonical);
    rc = rc ? rc : bs_buf_put_u64(out, s->replay != NULL);
    if (!rc && s->replay)
        rc = snap_file(out, io, &s->replay->file, s->replay->size_bytes, s->replay->reader.offset, canonical);
    rc = rc ? rc : bs_buf_put_u64(out, s->stack_len);
    for (size_t i = 0; i < s->stack_len && !rc; i++)
        rc = snap_file(out, io, &s->stack[i]->file, s->stack[i]->size_bytes, s->stack[i]->reader.offset, canonical);
    return rc;
}

typedef struct snap_file_rec {
    uint64_t no, size, offset, n;
    const uint8_t *bytes;
} snap_file_rec;

static bool read_file_rec(bs_cursor *c, snap_file_rec *f)
{
    if (!bs_cursor_get_u64(c, &f->no) || !bs_cursor_get_u64(c, &f->size) ||
        !bs_cursor_get_u64(c, &f->offset) || !bs_cursor_get_u64(c, &f->n))
        return false;
    if (f->n != f->size || f->offset > f->size || f->size == 0 || f->no == 0 || f->n > c->len - c->pos)
        return false;
    f->bytes = c->p + c->pos;
    c->pos += f->n;
    return true;
}

static int restore_head(spill_state *s, bs_cursor *c, uint64_t *next_file_no)
{
    uint64_t v[8];
    for (size_t i = 0; i < 8; i++)
        if (!bs_cursor_get_u64(c, &v[i]))
            return BS_ESTATE;
    /* barriers v[4], closed v[5]: as align_restore_from, an alignment in progress leaves
     * some channel neither blocked nor closed */
    if (v[0] != SPILL_SNAP_MAGIC || (v[1] & BS_SNAP_CANONICAL) || v[2] != s->a.channels ||
        v[5] > s->a.channels || (v[4] && v[4] >= s->a.channels - v[5]) || v[6] > 1)
        return BS_ESTATE;
    s->a.cur = v[3];
    s->a.barriers = (uint32_t)v[4];
    s->a.closed = (uint32_t)v[5];
    s->a.end_of_input = v[6];
    *next_file_no = v[7];
    uint32_t blocked = 0;
    for (size_t w = 0; w < bs_chanset_words(s->a.channels); w++) {
        if (!bs_cursor_get_u64(c, &s->a.blocked[w]))
            return BS_ESTATE;
        blocked += (uint32_t)__builtin_popcountll(s->a.blocked[w]);
    }
    return blocked == s->a.barriers ? 0 : BS_ESTATE;
}

/* Parses the three file sections: the file being written, the replay and the stack. */
static int parse_files(bs_cursor *c, snap_file_rec *w, bool *w_present, snap_file_rec *r,
                       bool *r_present, snap_file_rec **stack, uint64_t *stack_len)
{
    uint64_t p;
    *stack = NULL;
    if (!bs_cursor_get_u64(c, &p) || p > 1 || (p && !read_file_rec(c, w)))
        return BS_ESTATE;
    *w_present = p;
    if (!bs_cursor_get_u64(c, &p) || p > 1 || (p && !read_file_rec(c, r)))
        return BS_ESTATE;
    *r_present = p;
    if (!bs_cursor_get_u64(c, stack_len) || *stack_len > (c->len - c->pos) / 32)
        return BS_ESTATE;
    *stack = calloc(*stack_len + 1, sizeof **stack);
    if (!*stack)
        return BS_ENOMEM;
    for (uint64_t i = 0; i < *stack_len; i++)
        if (!read_file_rec(c, &(*stack)[i]))
            return BS_ESTATE;
    return c->pos == c->len ? 0 : BS_ESTATE;
}

/* Recreates the files: interrupted sequences (oldest first), the replay, then the file
 * being written (sequences are made through the spiller, which needs no open file). */
static int restore_files(spill_state *s, const snap_file_rec *w, bool w_present,
                         const snap_file_rec *r, bool r_present, const snap_file_rec *stack,
                         uint64_t stack_len)
{
    for (uint64_t i = 0; i < stack_len; i++) {
        bs_spill_seq *seq;
        int rc = bs_spill_seq_restore(&s->spiller, stack[i].no, stack[i].bytes, (size_t)stack[i].n,
                                      stack[i].offset, &seq);
        if (rc)
            return rc;
        rc = spill_stack_push(s, seq);
        if (rc) {
            bs_spill_seq_delete(seq, NULL, 0);
            return rc;
        }
    }
    if (r_present) {
        int rc = bs_spill_seq_restore(&s->spiller, r->no, r->bytes, (size_t)r->n, r->offset, &s->replay);
        if (rc)
            return rc;
    }
    return w_present ? bs_spiller_restore_file(&s->spiller, w->no, w->bytes, (size_t)w->n) : 0;
}

int spill_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    spill_state *s = bs_handler_state(h);
    char msg[224];
    int rc = spill_drop_files(s, msg, sizeof msg);
    int rc2 = bs_spiller_discard(&s->spiller, msg, sizeof msg);
    if (rc || rc2)
        return bs_handler_fail(h, rc ? rc : rc2, "%s", msg);
    s->stacked_bytes = 0;
    bs_cursor c = {snap, len, 0};
    uint64_t next_file_no;
    snap_file_rec w, r, *stack = NULL;
    bool w_present, r_present;
    uint64_t stack_len = 0;
    rc = restore_head(s, &c, &next_file_no);
    if (!rc)
        rc = parse_files(&c, &w, &w_present, &r, &r_present, &stack, &stack_len);
    if (!rc)
        rc = restore_files(s, &w, w_present, &r, r_present, stack, stack_len);
    free(stack);
    if (!rc && next_file_no > s->spiller.next_file_no)
        s->spiller.next_file_no = next_file_no;
    if (rc) {
        spill_drop_files(s, msg, sizeof msg);
        bs_spiller_discard(&s->spiller, msg, sizeof msg);
        memset(s->a.blocked, 0, bs_chanset_words(s->a.channels) * sizeof *s->a.blocked);
        s->a.barriers = s->a.closed = 0;
        s->a.cur = 0;
        s->a.end_of_input = false;
        return bs_handler_fail(h, rc, "spill: cannot restore the snapshot: %s", bs_strerror(rc));
    }
    return 0;
}

/* ---- channel renaming (bs_strategy.relabel) ------------------------------------------ */
/* The spill records of one file section, copied to out with each header's channel renamed
 * and each data payload handed to `payload`; the bytes must be whole records (a canonical
 * snapshot starts at the reader's offset, which is a record boundary). */
static int relabel_records(bs_cursor *c, uint32_t channels, const uint32_t *perm, bs_payload_relabel payload,
                           void *ctx, bs_buf *out)
{
    uint64_t w[4]; /* no (0 when canonical), size, offset, n */
    for (size_t i = 0; i < 4; i++)
        if (!bs_cursor_get_u64(c, &w[i]))
            return BS_ESTATE;
    if (w[0] != 0 || w[3] > c->len - c->pos)
        return BS_ESTATE;
    int rc = 0;
    for (size_t i = 0; i < 4 && !rc; i++)
        rc = bs_buf_put_u64(out, w[i]);
    size_t at = out->len, n = (size_t)w[3];
    rc = rc ? rc : bs_buf_put(out, c->p + c->pos, n);
    if (rc)
        return rc;
    c->pos += n;
    uint8_t *q = out->p + at; /* out is not grown again below: q stays valid */
    for (size_t pos = 0; pos < n;) {
        if (n - pos < BS_SPILL_HEADER_BYTES)
            return BS_ESTATE;
        uint8_t *h = q + pos;
        uint32_t ch = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        uint32_t len = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
        if (ch >= channels || len > n - pos - BS_SPILL_HEADER_BYTES)
            return BS_ESTATE;
        uint32_t to = perm[ch];
        for (int i = 0; i < 4; i++)
            h[i] = (uint8_t)(to >> (8 * i));
        if (h[8] == BS_SPILL_KIND_DATA && payload)
            payload(ctx, h + BS_SPILL_HEADER_BYTES, len, perm);
        pos += BS_SPILL_HEADER_BYTES + len;
    }
    return 0;
}

/* The spill strategy's state names channels in two places only: the blocked set and the
 * channel field of each spill record (data payloads are the caller's). Everything else
 * (cur, barrier and closed counts, end of input, file sizes and offsets) is the same for
 * the renamed state, and spill.c never looks at a channel's number but to index the
 * blocked set and to write it into a record: renaming commutes with every step. */
int spill_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                  bs_payload_relabel payload, void *ctx, bs_buf *out)
{
    bs_cursor c = {snap, len, 0};
    uint64_t head[8];
    for (size_t i = 0; i < 8; i++)
        if (!bs_cursor_get_u64(&c, &head[i]))
            return BS_ESTATE;
    if (head[0] != SPILL_SNAP_MAGIC || !(head[1] & BS_SNAP_CANONICAL) || head[2] != channels)
        return BS_ESTATE;
    int rc = bs_buf_put(out, snap, sizeof head);
    rc = rc ? rc : bs_chanset_relabel(&c, channels, perm, out); /* blocked */
    for (int section = 0; section < 3 && !rc; section++) { /* written file, replay, stack */
        uint64_t count;
        if (!bs_cursor_get_u64(&c, &count) || (section < 2 && count > 1) || count > len)
            return BS_ESTATE;
        rc = bs_buf_put_u64(out, count);
        for (uint64_t i = 0; i < count && !rc; i++)
            rc = relabel_records(&c, channels, perm, payload, ctx, out);
    }
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}
