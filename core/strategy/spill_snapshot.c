/*
 * spill_snapshot.c: the `spill` strategy's state as bytes, and back (for model checking).
 *
 * Layout (little-endian u64s): magic, flags, channels, cur, barriers, closed,
 * end_of_input, the blocked set's words, next file number, then the file being written,
 * the sequence being replayed and the interrupted ones, each as (present,) file number,
 * size, read offset and bytes. A canonical snapshot leaves out file numbers and the bytes
 * already read, so states that behave alike compare equal; only a full one restores.
 * With BS_SNAP_MERGE_ORDERS too, the file being written is put in a normal form (MERGING
 * ARRIVAL ORDERS, below).
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

typedef struct spill_rec {
    size_t at, len;
    uint32_t channel;
    bool data, taken;           /* taken: pick_order_pairs' */
} spill_rec;

#define SPILL_RECS_LOCAL 64 /* a model checker's file holds a few records: no allocation */

/* The records of bytes[0, n) of a file of `channels` channels, into recs (room for
 * `cap`) or, when more, a malloc'd array (*heap, which the caller frees); their count,
 * or a negative code (BS_ESTATE: not whole records). *one_channel: all of one channel. */
static ptrdiff_t parse_records(const uint8_t *bytes, size_t n, uint32_t channels, spill_rec *recs, size_t cap,
                               spill_rec **heap, bool *one_channel)
{
    size_t count = 0;
    *heap = NULL;
    *one_channel = true;
    for (size_t pos = 0; pos < n; count++) {
        const uint8_t *h = bytes + pos;
        if (n - pos < BS_SPILL_HEADER_BYTES)
            return BS_ESTATE;
        uint32_t ch = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        uint32_t len = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
        if (ch >= channels || len > n - pos - BS_SPILL_HEADER_BYTES)
            return BS_ESTATE;
        if (count == cap) { /* more than fit: the rest on the heap, bounded by the bytes */
            size_t big = n / BS_SPILL_HEADER_BYTES + 1;
            spill_rec *q = *heap ? NULL : malloc(big * sizeof *q);
            if (!q)
                return BS_ENOMEM;
            memcpy(q, recs, count * sizeof *q);
            *heap = recs = q;
            cap = big;
        }
        recs[count] = (spill_rec){pos, BS_SPILL_HEADER_BYTES + len, ch, h[8] == BS_SPILL_KIND_DATA, false};
        *one_channel = *one_channel && ch == recs[0].channel;
        pos += BS_SPILL_HEADER_BYTES + len;
    }
    return (ptrdiff_t)count;
}

/* MERGING ARRIVAL ORDERS (BS_SNAP_MERGE_ORDERS, asked for by `check` for a state's identity).
 * Between calls of next, where the model checker takes its states, spill holds one thing
 * whose order is not a count: the file being written, F, the items of blocked channels in
 * arrival order (a replay runs to its end inside one call: spill_pull reads it before the
 * gate). F is read only at a release, which rolls it over and replays it item by item
 * through spill_process before the gate is read again: an item of a blocked channel is
 * appended to the new file F', any other goes through the decision table (align.c).
 * Claim: swapping two neighbours x (channel A) and y (channel B != A) of F, where one is
 * data, or both are the same event, or they are b<k> and x<k>, changes neither the table
 * nor the notifications the
 * replay makes (begin, trigger, abort name checkpoints, not channels), nor each channel's
 * sequence of returned items, and changes F' at most by such swaps.
 * - y data: processing y reads B's blocked bit only, and returns y or appends it to F';
 *   it changes no bit or count. If x does not release, y meets the same bit either way.
 *   If x releases (all bits cleared, F' rolled over and replayed next): y first is
 *   appended to F' as its last item and replayed right after the rest of F'; y second
 *   comes right after F' is replayed: the same sequence of processing from then on. Two
 *   returns of different channels in the other order leave the checker as it was: it keeps
 *   items per channel (verify/verify_int.h), and a return reads its own channel's record
 *   and the checkpoints' records, which returns do not change.
 * - the same event: eop and eop close both channels, and whichever comes first aborts an
 *   alignment in progress (release); the other finds the same table after F' is replayed.
 *   b<k> and b<k>: the first begins k if it is new (subsuming cur), both block their
 *   channel, and the alignment completes at whichever comes second (the first cannot:
 *   the other channel is neither blocked nor closed). x<k> and x<k>: the first aborts k
 *   (or adopts and aborts it), the second finds k <= cur and is ignored.
 * - b<k> (A) and x<k> (B): if k is being aligned, b first blocks A (it cannot complete: B
 *   is neither blocked nor closed) and x releases and aborts k; x first releases and
 *   aborts k, F' is replayed, and b finds k <= cur, not aligned, and is ignored. Both end
 *   with nothing blocked by them, k aborted, and F' replayed after the abort (a release
 *   only schedules F': it is read after the current item). If k > cur, b first subsumes
 *   cur, begins k and blocks A, and x aborts k; x first subsumes cur, begins and aborts k,
 *   and b is ignored: the same notifications, then F'.
 * Other pairs do not commute: b<k> then eop aborts k, eop then b<k> begins it; a barrier
 * or cancel of another id may subsume or be ignored; an eop and a cancel differ when F'
 * begins a new alignment between them (4 channels, 3 checkpoints). So a state's identity
 * writes F in the normal form of its class (normal_order) and states whose files are in
 * one class are one state: every gate answer leads both to successors whose identities
 * are equal, with the same verdicts. A test (tests/test_check_order.c) steps every
 * transition of every state of four configurations from rewrites of its file within the
 * class and finds equal successors and verdicts; another (tests/test_check.c) shows the
 * search stores exactly the images of the states a search keeping the order stores.
 * Two things count order, and the merge is off with them: the byte limit (y appended to
 * F' or not: the spilled bytes differ; spill_snapshot ignores the flag then) and I/O
 * faults (the number of calls differs; `check` does not ask then). */

/* Whether two records of a file may trade places in a state's identity (MERGING ARRIVAL
 * ORDERS): they come from different channels, and one is data, or both are the same event
 * (eop and eop, b<k> and b<k>, x<k> and x<k>: equal payloads), or they are b<k> and x<k>. */
static bool independent(const uint8_t *bytes, const spill_rec *x, const spill_rec *y)
{
    if (x->channel == y->channel)
        return false;
    if (x->data || y->data)
        return true;
    const uint8_t *px = bytes + x->at + BS_SPILL_HEADER_BYTES, *py = bytes + y->at + BS_SPILL_HEADER_BYTES;
    if (x->len == y->len && memcmp(px, py, x->len - BS_SPILL_HEADER_BYTES) == 0)
        return true;
    /* b<k> and x<k>: a big-endian tag (record.c: 4 bytes, the kind in the last), then the
     * id (8 bytes) in both */
    uint8_t tx = px[3], ty = py[3];
    bool pair = (tx == BS_SPILL_TAG_BARRIER && ty == BS_SPILL_TAG_CANCEL) ||
                (tx == BS_SPILL_TAG_CANCEL && ty == BS_SPILL_TAG_BARRIER);
    return pair && memcmp(px, py, 3) == 0 && memcmp(px + 4, py + 4, 8) == 0;
}

/* The pick order of order_records for up to SPILL_RECS_LOCAL records, into order[]: each
 * record's earlier dependent records as a mask, each channel's records as a queue, and
 * at every pick the head of the lowest channel whose mask has nothing left. */
static void pick_order_masks(const uint8_t *bytes, const spill_rec *r, size_t count, size_t *order)
{
    BS_ASSERT(count <= SPILL_RECS_LOCAL);
    uint64_t before[SPILL_RECS_LOCAL], mine[SPILL_RECS_LOCAL], events = 0;
    size_t next[SPILL_RECS_LOCAL], head[SPILL_RECS_LOCAL], tail[SPILL_RECS_LOCAL], nch = 0;
    uint32_t chan[SPILL_RECS_LOCAL]; /* the channels present, ascending; mine: their records */
    for (size_t i = 0; i < count; i++) {
        next[i] = SIZE_MAX;
        size_t k = 0;
        while (k < nch && chan[k] < r[i].channel)
            k++;
        if (k == nch || chan[k] != r[i].channel) {
            for (size_t m = nch++; m > k; m--) {
                chan[m] = chan[m - 1];
                head[m] = head[m - 1];
                tail[m] = tail[m - 1];
                mine[m] = mine[m - 1];
            }
            chan[k] = r[i].channel;
            head[k] = i;
            mine[k] = 0;
        } else {
            next[tail[k]] = i;
        }
        tail[k] = i;
        /* a record depends on its channel's earlier records; data on nothing else (it is
         * independent of every other channel's record), an event on the other channels'
         * events it is not independent of */
        before[i] = mine[k];
        for (uint64_t e = r[i].data ? 0 : events & ~mine[k]; e; e &= e - 1) {
            size_t j = (size_t)__builtin_ctzll(e);
            if (!independent(bytes, &r[j], &r[i]))
                before[i] |= (uint64_t)1 << j;
        }
        mine[k] |= (uint64_t)1 << i;
        events |= r[i].data ? 0 : (uint64_t)1 << i;
    }
    uint64_t left = count == 64 ? UINT64_MAX : ((uint64_t)1 << count) - 1;
    for (size_t out = 0; out < count; out++) {
        size_t k = 0;
        while (k < nch && (head[k] == SIZE_MAX || (before[head[k]] & left)))
            k++;
        BS_ASSERT(k < nch); /* the first remaining record is always minimal */
        order[out] = head[k];
        left &= ~((uint64_t)1 << head[k]);
        head[k] = next[head[k]];
    }
}

/* The same order for any count: every pair compared at every pick (cubic; only for files
 * larger than a model checker makes). */
static void pick_order_pairs(const uint8_t *bytes, spill_rec *r, size_t count, size_t *order)
{
    for (size_t out = 0; out < count; out++) {
        size_t pick = SIZE_MAX;
        for (size_t i = 0; i < count; i++) {
            if (r[i].taken || (pick != SIZE_MAX && r[i].channel >= r[pick].channel))
                continue;
            bool minimal = true;
            for (size_t j = 0; j < i && minimal; j++)
                minimal = r[j].taken || independent(bytes, &r[j], &r[i]);
            if (minimal)
                pick = i;
        }
        BS_ASSERT(pick != SIZE_MAX); /* the first remaining record is always minimal */
        order[out] = pick;
        r[pick].taken = true;
    }
}

/* The records r[0, count) of bytes[0, n), parsed by parse_records, rewritten in place in
 * the normal form of their class (the lexicographic normal form of the trace, Anisimov and
 * Knuth 1979): repeatedly the record of the lowest channel among those every earlier
 * remaining record is independent of. Members of a class (the same records, reordered by
 * swaps of adjacent independent ones) get the same bytes; each channel's records keep
 * their order. 0 or BS_ENOMEM. */
static int order_records(uint8_t *bytes, size_t n, spill_rec *r, size_t count)
{
    bool small_count = count <= SPILL_RECS_LOCAL;
    size_t order_local[SPILL_RECS_LOCAL], *order = small_count ? order_local : malloc(count * sizeof *order);
    uint8_t small[2048], *tmp = n <= sizeof small ? small : malloc(n);
    int rc = order && tmp ? 0 : BS_ENOMEM;
    if (!rc && small_count)
        pick_order_masks(bytes, r, count, order);
    else if (!rc)
        pick_order_pairs(bytes, r, count, order);
    size_t at = 0;
    for (size_t i = 0; i < count && !rc; i++) {
        memcpy(tmp + at, bytes + r[order[i]].at, r[order[i]].len);
        at += r[order[i]].len;
    }
    BS_ASSERT(rc || at == n); /* every record once */
    if (!rc)
        memcpy(bytes, tmp, n);
    if (tmp != small)
        free(tmp);
    if (order != order_local)
        free(order);
    return rc;
}

/* bytes[0, n), records of a file of `channels` channels, in the normal form of their class
 * (order_records); BS_ESTATE when they are not whole records. */
static int normal_order(uint8_t *bytes, size_t n, uint32_t channels)
{
    spill_rec local[SPILL_RECS_LOCAL], *heap;
    bool one_channel;
    ptrdiff_t count = parse_records(bytes, n, channels, local, SPILL_RECS_LOCAL, &heap, &one_channel);
    /* one channel's records are in their only order */
    int rc = count < 0 ? (int)count : one_channel ? 0 : order_records(bytes, n, heap ? heap : local, (size_t)count);
    free(heap);
    return rc;
}

int spill_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    spill_state *s = bs_handler_state(h); /* files are read through the I/O interface */
    bool canonical = flags & BS_SNAP_CANONICAL;
    /* MERGING ARRIVAL ORDERS holds between calls (no replay) and without a byte limit;
     * the head's flags say whether it was done (spill_relabel reads them) */
    if (!canonical || s->replay || bs_handler_cfg(h)->max_buffered_bytes)
        flags &= ~BS_SNAP_MERGE_ORDERS;
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
    if (!rc && s->spiller.file_open) {
        rc = snap_file(out, io, wf, s->spiller.bytes, 0, canonical);
        if (!rc && (flags & BS_SNAP_MERGE_ORDERS))
            rc = normal_order(out->p + out->len - s->spiller.bytes, s->spiller.bytes, s->a.channels);
    }
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
 * snapshot starts at the reader's offset, which is a record boundary). merge_orders: the
 * section was written in its normal form, which the renamed records are put back in. */
static int relabel_records(bs_cursor *c, uint32_t channels, const uint32_t *perm, bs_payload_relabel payload,
                           void *ctx, bool merge_orders, bs_buf *out)
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
    spill_rec local[SPILL_RECS_LOCAL], *heap;
    bool one_channel;
    ptrdiff_t count = parse_records(q, n, channels, local, SPILL_RECS_LOCAL, &heap, &one_channel);
    spill_rec *r = heap ? heap : local;
    uint64_t present = 0; /* of the first 64 channels */
    bool over_64 = false;
    for (ptrdiff_t i = 0; i < count; i++) {
        uint8_t *h = q + r[i].at;
        over_64 = over_64 || r[i].channel >= 64;
        present |= r[i].channel < 64 ? (uint64_t)1 << r[i].channel : 0;
        r[i].channel = perm[r[i].channel];
        for (int b = 0; b < 4; b++)
            h[b] = (uint8_t)(r[i].channel >> (8 * b));
        if (r[i].data && payload)
            payload(ctx, h + BS_SPILL_HEADER_BYTES, (uint32_t)(r[i].len - BS_SPILL_HEADER_BYTES), perm);
    }
    /* the normal form picks by channel number only to break ties: a renaming that keeps
     * the order of the channels present keeps the picks, and the form */
    bool monotone = !over_64;
    for (uint32_t ch = 0, last = 0, any = 0; merge_orders && monotone && ch < 64 && present >> ch; ch++) {
        if (!(present >> ch & 1))
            continue;
        monotone = !any || perm[ch] > last;
        last = perm[ch];
        any = 1;
    }
    rc = count < 0 ? (int)count : merge_orders && !one_channel && !monotone ? order_records(q, n, r, (size_t)count) : 0;
    free(heap);
    return rc;
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
            rc = relabel_records(&c, channels, perm, payload, ctx, section == 0 && (head[1] & BS_SNAP_MERGE_ORDERS), out);
    }
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}
