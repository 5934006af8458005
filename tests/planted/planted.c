/*
 * planted.c: the planted-bug handlers (see planted.h). The table they follow is DESIGN.md
 * 2.1 without the byte limit; spilled items are copied into in-memory sequences.
 */
#include "planted.h"

#include <stdlib.h>
#include <string.h>

typedef struct pitem {
    bs_item it;
    uint8_t *data;
} pitem;

typedef struct pseq {
    pitem *items;
    size_t len, cap, pos;
} pseq;

typedef struct pstate {
    plant_bug bug;
    uint32_t channels, barriers, closed;
    bool *blocked;
    uint64_t cur;
    bool eoi;
    pseq writing;
    pseq *seqs;              /* seqs[0] is being replayed, the rest resume in order */
    size_t nseq, capseq;
    uint8_t *page;
} pstate;

static const char *const plant_names[PLANT_COUNT] = {
    "planted-none", "planted-no-block", "planted-replay-order", "planted-ignore-closed",
    "planted-lose-on-rollover",
};

const char *planted_name(plant_bug bug) { return bug < PLANT_COUNT ? plant_names[bug] : "?"; }

static void pseq_free(pseq *s)
{
    for (size_t i = 0; i < s->len; i++)
        free(s->items[i].data);
    free(s->items);
    memset(s, 0, sizeof *s);
}

static int pseq_push(pseq *s, const bs_item *it)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        pitem *q = realloc(s->items, cap * sizeof *q);
        if (!q)
            return BS_ENOMEM;
        s->items = q;
        s->cap = cap;
    }
    pitem *p = &s->items[s->len];
    p->it = *it;
    p->data = NULL;
    if (it->kind == BS_DATA) {
        p->data = malloc(it->len ? it->len : 1);
        if (!p->data)
            return BS_ENOMEM;
        memcpy(p->data, it->data, it->len);
    }
    s->len++;
    return 0;
}

/* Unblocks all and rolls `writing` over into a sequence to replay. */
static int p_release(pstate *s)
{
    memset(s->blocked, 0, s->channels * sizeof *s->blocked);
    s->barriers = 0;
    if (s->bug == PLANT_LOSE_ON_ROLLOVER && s->writing.len) {
        free(s->writing.items[s->writing.len - 1].data);
        s->writing.len--;
    }
    if (s->writing.len == 0)
        return 0;
    if (s->nseq == s->capseq) {
        size_t cap = s->capseq ? 2 * s->capseq : 4;
        pseq *q = realloc(s->seqs, cap * sizeof *q);
        if (!q)
            return BS_ENOMEM;
        s->seqs = q;
        s->capseq = cap;
    }
    size_t at = s->bug == PLANT_REPLAY_ORDER ? s->nseq : 0;
    memmove(&s->seqs[at + 1], &s->seqs[at], (s->nseq - at) * sizeof *s->seqs);
    s->seqs[at] = s->writing;
    s->nseq++;
    memset(&s->writing, 0, sizeof s->writing);
    return 0;
}

static int p_block_check(bs_handler *h, pstate *s, uint32_t channel)
{
    if (!s->blocked[channel]) {
        s->blocked[channel] = true;
        s->barriers++;
    }
    if (s->barriers + s->closed < s->channels)
        return 0;
    int rc = p_release(s);
    bs_handler_trigger(h, s->cur);
    return rc;
}

static int p_barrier(bs_handler *h, pstate *s, const bs_item *it)
{
    bool aligning = s->barriers > 0;
    if (s->eoi || (it->id <= s->cur && !(aligning && it->id == s->cur)))
        return 0;
    if (it->id > s->cur) {
        if (aligning) {
            bs_handler_abort(h, s->cur, BS_ABORT_SUBSUMED);
            int rc = p_release(s);
            if (rc)
                return rc;
        }
        s->cur = it->id;
        bs_handler_begin(h, it->id);
    }
    return p_block_check(h, s, it->channel);
}

static int p_cancel(bs_handler *h, pstate *s, const bs_item *it)
{
    bool aligning = s->barriers > 0;
    if (it->id < s->cur || (it->id == s->cur && !aligning))
        return 0;
    if (aligning && it->id > s->cur)
        bs_handler_abort(h, s->cur, BS_ABORT_SUBSUMED);
    int rc = aligning ? p_release(s) : 0;
    if (it->id > s->cur) {
        s->cur = it->id;
        bs_handler_begin(h, it->id);
    }
    bs_handler_abort(h, it->id, BS_ABORT_CANCELLED);
    return rc;
}

static int p_eop(bs_handler *h, pstate *s)
{
    if (s->bug == PLANT_IGNORE_CLOSED)
        return 1;
    s->closed++;
    if (s->barriers == 0)
        return 1;
    bs_handler_abort(h, s->cur, BS_ABORT_EOP);
    int rc = p_release(s);
    return rc ? rc : 1;
}

/* 1: return it; 0: consumed; < 0: error. */
static int p_process(bs_handler *h, pstate *s, const bs_item *it)
{
    if (s->blocked[it->channel] && s->bug != PLANT_NO_BLOCK)
        return pseq_push(&s->writing, it);
    switch (it->kind) {
    case BS_DATA: return 1;
    case BS_BARRIER: return p_barrier(h, s, it);
    case BS_CANCEL: return p_cancel(h, s, it);
    case BS_EOP: return p_eop(h, s);
    }
    return 0;
}

/* Next item from the replay or the gate: 1, 0 at the end, or < 0. */
static int p_pull(bs_handler *h, pstate *s, bs_item *out)
{
    for (;;) {
        if (s->nseq) {
            pseq *q = &s->seqs[0];
            if (q->pos < q->len) {
                pitem *p = &q->items[q->pos++];
                *out = p->it;
                if (p->it.kind == BS_DATA) {
                    memcpy(s->page, p->data, p->it.len);
                    out->data = s->page;
                }
                return 1;
            }
            pseq_free(q);
            memmove(&s->seqs[0], &s->seqs[1], (s->nseq - 1) * sizeof *s->seqs);
            s->nseq--;
            continue;
        }
        if (s->eoi)
            return 0;
        int rc = bs_handler_gate_next(h, NULL, out);
        if (rc != 0)
            return rc;
        if (s->barriers)
            bs_handler_abort(h, s->cur, BS_ABORT_EOP);
        s->eoi = true;
        rc = p_release(s);
        if (rc)
            return rc;
    }
}

static int p_next(bs_handler *h, bs_item *out)
{
    pstate *s = bs_handler_state(h);
    for (;;) {
        int rc = p_pull(h, s, out);
        if (rc <= 0)
            return rc;
        rc = p_process(h, s, out);
        if (rc != 0)
            return rc;
    }
}

static int p_close(bs_handler *h)
{
    pstate *s = bs_handler_state(h);
    for (size_t i = 0; i < s->nseq; i++)
        pseq_free(&s->seqs[i]);
    pseq_free(&s->writing);
    free(s->seqs);
    free(s->blocked);
    free(s->page);
    free(s);
    return 0;
}

static bool p_is_empty(const bs_handler *h)
{
    const pstate *s = bs_handler_state(h);
    return s->nseq == 0 && s->writing.len == 0;
}

static int p_open_bug(bs_handler *h, plant_bug bug)
{
    const bs_handler_config *cfg = bs_handler_cfg(h);
    pstate *s = calloc(1, sizeof *s);
    if (!s)
        return BS_ENOMEM;
    s->bug = bug;
    s->channels = cfg->channels;
    s->blocked = calloc(cfg->channels, sizeof *s->blocked);
    s->page = malloc(cfg->page_size);
    if (!s->blocked || !s->page) {
        free(s->blocked);
        free(s->page);
        free(s);
        return BS_ENOMEM;
    }
    bs_handler_set_state(h, s);
    return 0;
}


/* ---- state capture (so that `check` can explore the planted handlers) ---------------- */
static int p_put_seq(bs_buf *out, const pseq *q, bool canonical)
{
    size_t from = canonical ? q->pos : 0;
    int rc = bs_buf_put_u64(out, q->len - from);
    rc = rc ? rc : bs_buf_put_u64(out, canonical ? 0 : q->pos);
    for (size_t i = from; i < q->len && !rc; i++) {
        const pitem *p = &q->items[i];
        uint64_t w[5] = {p->it.kind, p->it.channel, p->it.id, p->it.timestamp, p->it.len};
        for (int k = 0; k < 5 && !rc; k++)
            rc = bs_buf_put_u64(out, w[k]);
        if (!rc && p->it.kind == BS_DATA)
            rc = bs_buf_put(out, p->data, p->it.len);
    }
    return rc;
}

static int p_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    const pstate *s = bs_handler_state(h);
    bool canonical = flags & BS_SNAP_CANONICAL;
    uint64_t head[] = {s->bug, s->channels, s->barriers, s->closed, s->cur, s->eoi, s->nseq};
    int rc = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0] && !rc; i++)
        rc = bs_buf_put_u64(out, head[i]);
    for (uint32_t c = 0; c < s->channels && !rc; c++)
        rc = bs_buf_put_u64(out, s->blocked[c]);
    rc = rc ? rc : p_put_seq(out, &s->writing, canonical);
    for (size_t i = 0; i < s->nseq && !rc; i++)
        rc = p_put_seq(out, &s->seqs[i], canonical);
    return rc;
}

static int p_get_seq(bs_cursor *c, pseq *q, uint32_t channels, uint32_t page_size)
{
    uint64_t n, pos;
    memset(q, 0, sizeof *q);
    if (!bs_cursor_get_u64(c, &n) || !bs_cursor_get_u64(c, &pos) || n > c->len || pos > n)
        return BS_ESTATE;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t w[5];
        for (int k = 0; k < 5; k++)
            if (!bs_cursor_get_u64(c, &w[k]))
                return BS_ESTATE;
        if (w[0] > BS_EOP || w[1] >= channels || w[4] > page_size || w[4] > c->len - c->pos)
            return BS_ESTATE;
        bs_item it = {(bs_kind)w[0], (uint32_t)w[1], w[2], w[3], 0, (uint32_t)w[4], c->p + c->pos, 0};
        if (it.kind == BS_DATA)
            c->pos += it.len;
        if (pseq_push(q, &it))
            return BS_ENOMEM;
    }
    q->pos = (size_t)pos;
    return 0;
}

static void p_clear(pstate *s)
{
    for (size_t i = 0; i < s->nseq; i++)
        pseq_free(&s->seqs[i]);
    pseq_free(&s->writing);
    s->nseq = 0;
}

static int p_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    pstate *s = bs_handler_state(h);
    bs_cursor c = {snap, len, 0};
    uint64_t head[7];
    for (int i = 0; i < 7; i++)
        if (!bs_cursor_get_u64(&c, &head[i]))
            return BS_ESTATE;
    if (head[0] != s->bug || head[1] != s->channels || head[6] > 1u << 20)
        return BS_ESTATE;
    p_clear(s);
    s->barriers = (uint32_t)head[2];
    s->closed = (uint32_t)head[3];
    s->cur = head[4];
    s->eoi = head[5];
    for (uint32_t k = 0; k < s->channels; k++) {
        uint64_t b;
        if (!bs_cursor_get_u64(&c, &b))
            return BS_ESTATE;
        s->blocked[k] = b;
    }
    uint32_t page = bs_handler_cfg(h)->page_size;
    int rc = p_get_seq(&c, &s->writing, s->channels, page);
    if (!rc && head[6] > s->capseq) {
        pseq *q = realloc(s->seqs, head[6] * sizeof *q);
        rc = q ? 0 : BS_ENOMEM;
        if (q) {
            s->seqs = q;
            s->capseq = head[6];
        }
    }
    for (uint64_t i = 0; i < head[6] && !rc; i++, s->nseq++)
        rc = p_get_seq(&c, &s->seqs[i], s->channels, page);
    if (!rc && c.pos != c.len)
        rc = BS_ESTATE;
    if (rc)
        p_clear(s);
    return rc;
}

/* Channel renaming (bs_strategy.relabel) of a canonical p_snapshot: the blocked flags move
 * with their channels, every spilled item's channel is renamed and its payload handed to
 * `payload`. The planted handlers use channel numbers only to index `blocked` and to carry
 * them on items: renaming commutes with their steps, bugs included. */
static int p_relabel_seq(bs_cursor *c, uint32_t channels, const uint32_t *perm, bs_payload_relabel payload,
                         void *ctx, bs_buf *out)
{
    uint64_t n, pos;
    if (!bs_cursor_get_u64(c, &n) || !bs_cursor_get_u64(c, &pos) || n > c->len || pos != 0)
        return BS_ESTATE;
    int rc = bs_buf_put_u64(out, n);
    rc = rc ? rc : bs_buf_put_u64(out, pos);
    for (uint64_t i = 0; i < n && !rc; i++) {
        uint64_t w[5];
        for (int k = 0; k < 5; k++)
            if (!bs_cursor_get_u64(c, &w[k]))
                return BS_ESTATE;
        if (w[1] >= channels || (w[0] == BS_DATA && w[4] > c->len - c->pos))
            return BS_ESTATE;
        w[1] = perm[w[1]];
        for (int k = 0; k < 5 && !rc; k++)
            rc = bs_buf_put_u64(out, w[k]);
        if (rc || w[0] != BS_DATA)
            continue;
        size_t at = out->len;
        rc = bs_buf_put(out, c->p + c->pos, (size_t)w[4]);
        c->pos += (size_t)w[4];
        if (!rc && payload)
            payload(ctx, out->p + at, (uint32_t)w[4], perm);
    }
    return rc;
}

static int p_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                     bs_payload_relabel payload, void *ctx, bs_buf *out)
{
    bs_cursor c = {snap, len, 0};
    uint64_t head[7];
    for (int i = 0; i < 7; i++)
        if (!bs_cursor_get_u64(&c, &head[i]))
            return BS_ESTATE;
    if (head[1] != channels || head[6] > 1u << 20 || (uint64_t)channels * 8 > c.len - c.pos)
        return BS_ESTATE;
    int rc = bs_buf_put(out, snap, sizeof head);
    uint64_t blocked[64];
    if (channels > 64)
        return BS_ESTATE;
    for (uint32_t k = 0; k < channels; k++)
        bs_cursor_get_u64(&c, &blocked[k]);
    for (uint32_t k = 0; k < channels && !rc; k++) /* new channel perm[j] was j */
        for (uint32_t j = 0; j < channels && !rc; j++)
            if (perm[j] == k)
                rc = bs_buf_put_u64(out, blocked[j]);
    for (uint64_t i = 0; i <= head[6] && !rc; i++) /* the sequence being written, then the others */
        rc = p_relabel_seq(&c, channels, perm, payload, ctx, out);
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}

static int p_open_none(bs_handler *h) { return p_open_bug(h, PLANT_NONE); }
static int p_open_no_block(bs_handler *h) { return p_open_bug(h, PLANT_NO_BLOCK); }
static int p_open_replay_order(bs_handler *h) { return p_open_bug(h, PLANT_REPLAY_ORDER); }
static int p_open_ignore_closed(bs_handler *h) { return p_open_bug(h, PLANT_IGNORE_CLOSED); }
static int p_open_lose(bs_handler *h) { return p_open_bug(h, PLANT_LOSE_ON_ROLLOVER); }


static const bs_strategy planted[PLANT_COUNT] = {
    {.name = "planted-none", .open = p_open_none, .next = p_next, .close = p_close, .is_empty = p_is_empty,
     .snapshot = p_snapshot, .restore = p_restore, .relabel = p_relabel},
    {.name = "planted-no-block", .open = p_open_no_block, .next = p_next, .close = p_close, .is_empty = p_is_empty,
     .snapshot = p_snapshot, .restore = p_restore, .relabel = p_relabel},
    {.name = "planted-replay-order", .open = p_open_replay_order, .next = p_next, .close = p_close, .is_empty = p_is_empty,
     .snapshot = p_snapshot, .restore = p_restore, .relabel = p_relabel},
    {.name = "planted-ignore-closed", .open = p_open_ignore_closed, .next = p_next, .close = p_close, .is_empty = p_is_empty,
     .snapshot = p_snapshot, .restore = p_restore, .relabel = p_relabel},
    {.name = "planted-lose-on-rollover", .open = p_open_lose, .next = p_next, .close = p_close, .is_empty = p_is_empty,
     .snapshot = p_snapshot, .restore = p_restore, .relabel = p_relabel},
};

const bs_strategy *planted_strategy(plant_bug bug) { return bug < PLANT_COUNT ? &planted[bug] : NULL; }
