/*
 * snapshot.c: the checker's state as canonical bytes, and back (for the model checker).
 *
 * Channels are written one after another, each with its yielded items in the channel's
 * own order and their returned flags, so the bytes do not depend on how channels
 * interleaved; checkpoints are written sorted by id. Restoring replays the items through
 * the same bookkeeping that observed them, then sets what was returned and what began or
 * ended. The step count is left out: it does not change what the checker will decide.
 * Items an overtaking marker announced but the gate has not yielded yet (pending) are
 * written in their channel place (one pre-reported as channel state, with the label and
 * length its report named: the yield that fills it must match); unaligned checkpoints in progress carry what was
 * returned at their trigger and what channel state they hold.
 */
#include "verify_int.h"

#include <string.h>

#define VERIFY_SNAP_MAGIC 0x3276796669726576ull /* "verifyv2" */
#define VERIFY_SNAP_MAGIC_FORGETTING 0x3266796669726576ull /* "verify2f": an identity, not
                                                                restorable */

/* Flags of an item's word, above its kind (bits 0-7) and below its length (bits 16-47). */
#define SNAP_RETURNED (1u << 8)
#define SNAP_IMPLIED (1u << 9)  /* label = (channel << 32 | position): not written */
#define SNAP_PENDING (1u << 10) /* announced by an overtaking marker, not yet yielded */
#define SNAP_CS (1u << 11)      /* reported as channel state: the checkpoint id follows */
#define SNAP_FLAGS (SNAP_RETURNED | SNAP_IMPLIED | SNAP_PENDING | SNAP_CS)

/* A size that may be VERIFY_NONE, as 0 (none) or value + 1. */
static uint64_t opt_size(size_t v) { return v == VERIFY_NONE ? 0 : (uint64_t)v + 1; }
static size_t opt_size_back(uint64_t v) { return v == 0 ? VERIFY_NONE : (size_t)(v - 1); }

static void st64(uint8_t *p, uint64_t v);

static uint64_t ld64(const uint8_t *p);

/* bs_cursor_get_u64, inline: the model checker restores a checker per state */
static inline bool get(bs_cursor *c, uint64_t *v)
{
    if (c->len - c->pos < 8)
        return false;
    *v = ld64(c->p + c->pos);
    c->pos += 8;
    return true;
}

/* bs_buf_put_u64 with its common case inline: the model checker writes a snapshot per step */
static inline int put(bs_buf *b, uint64_t v)
{
    if (b->cap - b->len < 8)
        return bs_buf_put_u64(b, v);
    st64(b->p + b->len, v);
    b->len += 8;
    return 0;
}

/* A label equal to (channel << 32 | position), the model checker's, is implied (bit 9). */
static uint64_t implied_label(uint32_t channel, size_t pos) { return (uint64_t)channel << 32 | pos; }

static uint64_t relabel_label(uint64_t label, uint32_t channels, const uint32_t *perm);

/* The words of item p of channel k, as snap_channel writes them and verify_channel_keys
 * hashes them: its flags word, its id, its label unless implied or pending without a
 * report, and the checkpoint it was reported for. */
static bool item_implied(const verify_entry *e, uint32_t k, size_t p)
{
    return !e->pending && e->label == implied_label(k, p);
}

/* FORGETTING ENDED CHECKPOINTS (VERIFY_SNAP_FORGETTING). Call checkpoint k settled once
 * it has ended (triggered and done, or aborted), or once k is below the largest id begun
 * (begun_max) without having begun. From then on every observation that names k is a
 * violation whatever else the checker holds: a begin (checkpoint-once: began twice; or
 * begin-order: below begun_max), a trigger, an abort or a done (ends a second time, or
 * ends what never began), an unaligned declaration (after it ended, or never began), a
 * channel-state report for k (not declared unaligned, or after the checkpoint ended). No
 * other check reads k's record: progress and resolution look at open checkpoints only
 * (begun, not ended), trigger order at the last trigger (see trigger_identity), begin
 * order at begun_max, and the first b<k> or x<k> of a channel (verify_first_marker) is
 * looked up only for the checkpoint an observation names. So two checker states that
 * differ only in their settled checkpoints below begun_max (ended or never begun, and
 * how they ended: triggered or not, unaligned or not), in how begun_max ended if it did,
 * and in whether a channel delivered b<k> or x<k> for a settled k decide every
 * continuation alike, and they stay so related after any observation that is not a
 * violation (a settled record changes only by violating observations; a begin raises
 * begun_max alike in both, settling the same ids; a marker of k yielded later is left
 * out alike in both). Nor does the marker's presence matter: the checker compares
 * positions only within one channel and one state (FIFO against the last returned item,
 * progress against the first pending entry, channel state against the last item
 * returned at a trigger), and counts data by rank, so leaving out markers of settled
 * checkpoints and numbering the remaining items 0, 1, ... keeps every comparison; this
 * also makes one state of channels that differ only in having lost (--skip) or delivered
 * the marker of a settled checkpoint. The identity writes of the settled records only
 * begun_max's, an ended one as (id, ended) (begun_max is then the largest id written),
 * leaves out each marker of a settled checkpoint that was not returned, numbers
 * positions without them (the length, the last returned item, a pending channel-state
 * report, the last item returned at an unaligned trigger), and writes the last trigger
 * as trigger_identity says; all else as the full snapshot does. */
/* Checkpoint k is settled: every observation naming it is a violation from now on. */
static bool settled(const verify *v, uint64_t k)
{
    if (k > v->begun_max)
        return false;
    for (size_t i = 0; i < v->open_len; i++) /* the open ones: begun, not ended (a few) */
        if (v->open_ids[i] == k)
            return false;
    return true;
}

static bool forgotten_marker(const verify *v, const verify_entry *e, unsigned flags)
{
    if (!(flags & VERIFY_SNAP_FORGETTING) || (e->kind != BS_BARRIER && e->kind != BS_CANCEL) || e->returned)
        return false;
    return settled(v, e->id);
}

/* Position pos of channel k as the identity numbers it (forgotten markers left out);
 * VERIFY_NONE stays. A forgotten marker itself is never asked for. */
static size_t identity_pos(const verify *v, uint32_t k, size_t pos, unsigned flags)
{
    if (!(flags & VERIFY_SNAP_FORGETTING) || pos == VERIFY_NONE)
        return pos;
    const verify_channel *c = &v->ch[k];
    BS_ASSERT(pos <= c->len && (pos == c->len || !forgotten_marker(v, &c->items[pos], flags)));
    size_t out = pos;
    for (size_t p = 0; p < pos; p++)
        out -= forgotten_marker(v, &c->items[p], flags);
    return out;
}

/* identity_pos of channel k's length and of its last returned item, in one pass. */
static void identity_len_last(const verify *v, uint32_t k, unsigned flags, size_t *len, size_t *last)
{
    const verify_channel *c = &v->ch[k];
    *len = c->len;
    *last = c->last_returned;
    if (!(flags & VERIFY_SNAP_FORGETTING))
        return;
    BS_ASSERT(c->last_returned == VERIFY_NONE || c->last_returned < c->len);
    for (size_t p = 0; p < c->len; p++) {
        if (!forgotten_marker(v, &c->items[p], flags))
            continue;
        --*len;
        BS_ASSERT(p != c->last_returned); /* a forgotten marker was never returned */
        *last -= *last != VERIFY_NONE && p < c->last_returned;
    }
}

static uint64_t item_flags_word(const verify_entry *e, bool implied)
{
    return (uint64_t)e->kind | (e->returned ? SNAP_RETURNED : 0) | (implied ? SNAP_IMPLIED : 0) |
           (e->pending ? SNAP_PENDING : 0) | (e->cs_id ? SNAP_CS : 0) | (uint64_t)e->len << 16;
}

static bool item_label_written(const verify_entry *e, bool implied) { return !implied && (!e->pending || e->cs_id); }

/* Channel k's section; with perm (not NULL), written labels name perm's channels (as
 * verify_snapshot_relabel would rename them: an implied label stays implied). */
static int snap_channel(const verify *v, uint32_t k, const uint32_t *perm, unsigned flags, bs_buf *out)
{
    const verify_channel *c = &v->ch[k];
    uint32_t channels = v->cfg.channels;
    size_t len, last;
    identity_len_last(v, k, flags, &len, &last);
    int rc = put(out, len);
    rc = rc ? rc : put(out, last == VERIFY_NONE ? 0 : last + 1);
    for (size_t p = 0, q = 0; p < c->len && !rc; p++) { /* q: p as the identity numbers it */
        const verify_entry *e = &c->items[p];
        if (forgotten_marker(v, e, flags))
            continue;
        bool implied = item_implied(e, k, q++);
        rc = put(out, item_flags_word(e, implied));
        rc = rc ? rc : put(out, e->id);
        if (!rc && item_label_written(e, implied)) /* pre-reported: its label */
            rc = put(out, perm ? relabel_label(e->label, channels, perm) : e->label);
        rc = rc || !e->cs_id ? rc : put(out, e->cs_id);
    }
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The checkpoints section; with inv (not NULL), each unaligned record's channel k is the
 * old channel inv[k]. */
static int snap_ckpts(const verify *v, const uint32_t *inv, unsigned flags, bs_buf *out)
{
    uint64_t local[32]; /* a model checker's state has a few checkpoints: no allocation */
    uint64_t *ids = v->ckpts_len < 32 ? local : malloc((v->ckpts_len + 1) * sizeof *ids);
    if (!ids)
        return BS_ENOMEM;
    size_t n = 0;
    bool forgetting = flags & VERIFY_SNAP_FORGETTING;
    for (size_t i = 0; i < v->ckpts_cap; i++) {
        const verify_ckpt *ck = &v->ckpts[i];
        /* forgetting: of the settled records only the largest id begun's (begin order) */
        if (ck->used && (ck->begun || ck->ended || ck->triggered) &&
            !(forgetting && ck->id != v->begun_max && settled(v, ck->id)))
            ids[n++] = ck->id;
    }
    if (n > 16) {
        qsort(ids, n, sizeof *ids, cmp_u64);
    } else { /* a few: insertion sort, no calls through a pointer */
        for (size_t i = 1; i < n; i++) {
            uint64_t x = ids[i];
            size_t j = i;
            for (; j > 0 && ids[j - 1] > x; j--)
                ids[j] = ids[j - 1];
            ids[j] = x;
        }
    }
    int rc = put(out, n);
    for (size_t i = 0; i < n && !rc; i++) {
        const verify_ckpt *ck = verify_ckpt_find(v, ids[i]);
        rc = put(out, ck->id);
        bool forget = forgetting && ck->ended;
        rc = rc ? rc
                : put(out, forget ? (uint64_t)1 << 1
                                  : (uint64_t)ck->begun | (uint64_t)ck->ended << 1 | (uint64_t)ck->triggered << 2 |
                                        (uint64_t)ck->unaligned << 3);
        const verify_unal *u = verify_unal_find(v, ck->id);
        BS_ASSERT(!(ck->ended && u)); /* an ended checkpoint's record is gone */
        rc = rc ? rc : put(out, u != NULL);
        for (uint32_t k = 0; u && k < v->cfg.channels && !rc; k++) {
            const verify_unal_channel *uc = &u->ch[inv ? inv[k] : k];
            uint64_t w[] = {uc->count_at_trigger, uc->prefix_at_trigger,
                            opt_size(identity_pos(v, inv ? inv[k] : k, uc->last_at_trigger, flags)), uc->cs_count,
                            opt_size(uc->cs_rank_max)};
            for (size_t j = 0; j < 5 && !rc; j++)
                rc = put(out, w[j]);
        }
    }
    if (ids != local)
        free(ids);
    return rc;
}

/* The last trigger as the identity writes it (FORGETTING ENDED CHECKPOINTS). Trigger order
 * fails t<k> for k <= last_trigger; for a k that is not open (begun, not ended), t<k>
 * fails anyway (checkpoint-once: ends twice, or never began). So a last trigger L and the
 * largest open id L' <= L decide every trigger alike, and both become the new trigger's
 * id after any trigger that is no violation; a begin that is no violation opens an id
 * above begun_max >= L, so no open id enters (L', L]; when no open id is at or below L, no
 * trigger at all decides alike (ids start at 1, so "every k <= 0 fails" fails nothing). */
static void trigger_identity(const verify *v, uint64_t *have, uint64_t *last)
{
    if (!*have)
        return;
    uint64_t open_max = 0; /* the largest open id at or below the last trigger */
    for (size_t i = 0; i < v->open_len; i++)
        if (v->open_ids[i] <= *last && v->open_ids[i] > open_max)
            open_max = v->open_ids[i];
    *have = open_max != 0; /* ids start at 1 (the core and the loaders): no t<0> comes */
    *last = open_max;
}

/* The snapshot, its channels renamed by perm (NULL: as they are). */
static int snapshot_as(const verify *v, const uint32_t *perm, unsigned flags, bs_buf *out)
{
    uint32_t n = v->cfg.channels, inv[VERIFY_RELABEL_CHANNELS_MAX];
    BS_ASSERT(!perm || n <= VERIFY_RELABEL_CHANNELS_MAX);
    for (uint32_t k = 0; perm && k < n; k++)
        inv[perm[k]] = k;
    bool report = v->cs_pending != VERIFY_NONE;
    BS_ASSERT((flags & ~(unsigned)VERIFY_SNAP_FORGETTING) == 0);
    uint64_t magic = flags & VERIFY_SNAP_FORGETTING ? VERIFY_SNAP_MAGIC_FORGETTING : VERIFY_SNAP_MAGIC;
    uint64_t have_trigger = v->have_trigger, last_trigger = v->last_trigger;
    if (flags & VERIFY_SNAP_FORGETTING)
        trigger_identity(v, &have_trigger, &last_trigger);
    uint64_t head[] = {magic, n, v->ended, have_trigger, last_trigger, v->failed,
                       !report ? 0 : perm ? perm[v->cs_pending_channel] : v->cs_pending_channel,
                       !report ? 0 : opt_size(identity_pos(v, v->cs_pending_channel, v->cs_pending, flags))};
    int rc = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0] && !rc; i++)
        rc = put(out, head[i]);
    for (uint32_t k = 0; k < n && !rc; k++) { /* new channel k was channel inv[k] */
        uint32_t from = perm ? inv[k] : k;
        rc = snap_channel(v, from, perm, flags, out);
    }
    return rc ? rc : snap_ckpts(v, perm ? inv : NULL, flags, out);
}

int verify_snapshot(const verify *v, bs_buf *out) { return snapshot_as(v, NULL, 0, out); }

int verify_snapshot_identity(const verify *v, unsigned flags, bs_buf *out) { return snapshot_as(v, NULL, flags, out); }

int verify_snapshot_renamed(const verify *v, const uint32_t *perm, unsigned flags, bs_buf *out)
{
    if (v->cfg.channels > VERIFY_RELABEL_CHANNELS_MAX)
        return BS_ESTATE;
    return snapshot_as(v, perm, flags, out);
}

/* Empties every table, keeping the configuration and the allocations' owners. */
static void reset(verify *v)
{
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        verify_channel *c = &v->ch[k];
        c->len = c->data_len = c->markers_len = 0;
        c->returned_count = c->returned_prefix = 0;
        c->eop = c->last_returned = c->pending_first = VERIFY_NONE;
        c->pending_count = 0;
        c->eop_returned = false;
    }
    while (v->unal_len)
        verify_unal_remove(v, v->unal[0].id);
    v->cs_pending = VERIFY_NONE;
    memset(v->ckpts, 0, v->ckpts_cap * sizeof *v->ckpts);
    v->ckpts_len = v->open_len = 0;
    v->begun_max = 0;
    v->channels_closed = 0;
    v->failed = false;
    v->msg[0] = '\0';
}

/* One item of channel k, as snap_channel wrote it. */
static int restore_item(verify *v, uint32_t k, uint64_t p, bs_cursor *c)
{
    uint64_t word, id, label = UINT64_MAX, cs_id = 0;
    if (!get(c, &word) || !get(c, &id))
        return BS_ESTATE;
    bool pending = word & SNAP_PENDING, implied = word & SNAP_IMPLIED;
    if ((word & 0xff) > BS_EOP || (word & 0xff00 & ~(uint64_t)SNAP_FLAGS) || (pending && implied) ||
        v->ch[k].eop != VERIFY_NONE)
        return BS_ESTATE;
    if (implied)
        label = implied_label(k, (size_t)p);
    else if ((!pending || (word & SNAP_CS)) && !get(c, &label))
        return BS_ESTATE;
    if ((word & SNAP_CS) && (!get(c, &cs_id) || cs_id == 0))
        return BS_ESTATE;
    verify_channel *ch = &v->ch[k];
    verify_item it = {(bs_kind)(word & 0xff), k, id, (uint32_t)(word >> 16), label, 0};
    if (it.kind == BS_BARRIER || it.kind == BS_CANCEL)
        it.overtaken = (uint32_t)ch->pending_count;
    if (pending ? it.kind != BS_DATA || verify_note_pending(v, k) : verify_note_yield(v, &it) != 0)
        return BS_ESTATE;
    if (ch->len != p + 1)
        return BS_ESTATE;
    ch->items[p].returned = word & SNAP_RETURNED;
    ch->items[p].cs_id = cs_id;
    if (pending && cs_id) { /* pre-reported: the item its report named */
        ch->items[p].label = label;
        ch->items[p].len = (uint32_t)(word >> 16);
    }
    return 0;
}

static int restore_channel(verify *v, uint32_t k, bs_cursor *c)
{
    uint64_t len, last;
    if (!get(c, &len) || !get(c, &last) || len > (c->len - c->pos) / 16 || last > len)
        return BS_ESTATE;
    for (uint64_t p = 0; p < len; p++)
        if (restore_item(v, k, p, c))
            return BS_ESTATE;
    verify_channel *ch = &v->ch[k];
    ch->last_returned = last ? (size_t)last - 1 : VERIFY_NONE;
    for (size_t p = 0; p < ch->len; p++)
        if (ch->items[p].returned && ch->items[p].kind == BS_DATA)
            ch->returned_count++;
    ch->eop_returned = ch->eop != VERIFY_NONE && ch->items[ch->eop].returned;
    while (ch->returned_prefix < ch->data_len && ch->items[ch->data_pos[ch->returned_prefix]].returned)
        ch->returned_prefix++;
    return 0;
}

/* The record of an unaligned checkpoint in progress, as snap_ckpts wrote it. */
static int restore_unal(verify *v, uint64_t id, bs_cursor *c)
{
    verify_unal *u = verify_unal_add(v, id);
    if (!u)
        return BS_ENOMEM;
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        uint64_t w[5];
        for (size_t i = 0; i < 5; i++)
            if (!get(c, &w[i]))
                return BS_ESTATE;
        u->ch[k] = (verify_unal_channel){(size_t)w[0], (size_t)w[1], opt_size_back(w[2]), (size_t)w[3],
                                         opt_size_back(w[4])};
    }
    return 0;
}

static int restore_ckpts(verify *v, bs_cursor *c)
{
    uint64_t n, id, flags;
    if (!get(c, &n) || n > (c->len - c->pos) / 16)
        return BS_ESTATE;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t has_unal;
        if (!get(c, &id) || !get(c, &flags) || flags > 15 ||
            !get(c, &has_unal) || has_unal > 1)
            return BS_ESTATE;
        verify_ckpt *ck = verify_ckpt_get(v, id);
        if (!ck)
            return BS_ENOMEM;
        ck->begun = flags & 1;
        ck->ended = flags & 2;
        if (ck->begun && id > v->begun_max)
            v->begun_max = id;
        ck->triggered = flags & 4;
        ck->unaligned = flags & 8;
        if (has_unal && restore_unal(v, id, c))
            return BS_ESTATE;
        if (ck->begun && !ck->ended) {
            if (v->open_len == v->open_cap) {
                size_t cap = v->open_cap ? 2 * v->open_cap : 16;
                uint64_t *q = realloc(v->open_ids, cap * sizeof *q);
                if (!q)
                    return BS_ENOMEM;
                v->open_ids = q;
                v->open_cap = cap;
            }
            v->open_ids[v->open_len++] = id;
        }
    }
    return c->pos == c->len ? 0 : BS_ESTATE;
}

int verify_restore(verify *v, const uint8_t *snap, size_t len)
{
    bs_cursor c = {snap, len, 0};
    uint64_t head[8];
    for (size_t i = 0; i < 8; i++)
        if (!get(&c, &head[i]))
            return BS_ESTATE;
    if (head[0] != VERIFY_SNAP_MAGIC || head[1] != v->cfg.channels || head[2] > 1 || head[3] > 1 || head[5] > 1 ||
        (head[7] && head[6] >= v->cfg.channels))
        return BS_ESTATE;
    reset(v);
    v->ended = head[2];
    v->have_trigger = head[3];
    v->last_trigger = head[4];
    int rc = 0;
    for (uint32_t k = 0; k < v->cfg.channels && !rc; k++)
        rc = restore_channel(v, k, &c);
    rc = rc ? rc : restore_ckpts(v, &c);
    if (!rc && head[7]) {
        v->cs_pending_channel = (uint32_t)head[6];
        v->cs_pending = opt_size_back(head[7]);
        if (v->cs_pending >= v->ch[head[6]].len)
            rc = BS_ESTATE;
    }
    if (rc) {
        reset(v);
        return rc;
    }
    if (head[5])
        verify_fail(v, "restored", "the checker had already found a violation");
    return 0;
}

/* ---- copying (the model checker's cheap restore) ------------------------------------- */
/* n elements of `size` bytes from src into *p, grown (never shrunk) to hold them. */
static bool copy_array(void **p, size_t *cap, const void *src, size_t n, size_t size)
{
    if (n > *cap) {
        void *q = realloc(*p, n * size);
        if (!q)
            return false;
        *p = q;
        *cap = n;
    }
    if (n)
        memcpy(*p, src, n * size);
    return true;
}

/* Channel k of src into dst: every field by value, then the arrays into dst's memory. */
static bool copy_channel(verify_channel *dst, const verify_channel *src)
{
    verify_channel mine = *dst;
    *dst = *src;
    dst->items = mine.items;
    dst->cap = mine.cap;
    dst->data_pos = mine.data_pos;
    dst->data_cap = mine.data_cap;
    dst->markers = mine.markers;
    dst->markers_cap = mine.markers_cap;
    return copy_array((void **)&dst->items, &dst->cap, src->items, src->len, sizeof *src->items) &&
           copy_array((void **)&dst->data_pos, &dst->data_cap, src->data_pos, src->data_len, sizeof *src->data_pos) &&
           copy_array((void **)&dst->markers, &dst->markers_cap, src->markers, src->markers_len,
                      sizeof *src->markers);
}

/* The struct is copied by value first, so a field added to it later is copied too; only
 * the fields that own memory are put back and deep-copied. */
int verify_copy(verify *dst, const verify *src)
{
    BS_ASSERT(dst != src && dst->cfg.channels == src->cfg.channels);
    while (dst->unal_len)
        verify_unal_remove(dst, dst->unal[0].id);
    verify mine = *dst;
    *dst = *src;
    dst->ch = mine.ch;
    dst->ckpts = mine.ckpts;
    dst->ckpts_cap = mine.ckpts_cap;
    dst->open_ids = mine.open_ids;
    dst->open_cap = mine.open_cap;
    dst->unal = mine.unal;
    dst->unal_cap = mine.unal_cap;
    dst->unal_len = 0;
    bool ok = true;
    for (uint32_t k = 0; k < src->cfg.channels && ok; k++)
        ok = copy_channel(&dst->ch[k], &src->ch[k]);
    if (ok && dst->ckpts_cap != src->ckpts_cap) { /* open addressing: the same table size */
        verify_ckpt *t = calloc(src->ckpts_cap, sizeof *t);
        ok = t != NULL;
        if (ok) {
            free(dst->ckpts);
            dst->ckpts = t;
            dst->ckpts_cap = src->ckpts_cap;
        }
    }
    if (ok)
        memcpy(dst->ckpts, src->ckpts, src->ckpts_cap * sizeof *src->ckpts);
    ok = ok && copy_array((void **)&dst->open_ids, &dst->open_cap, src->open_ids, src->open_len, sizeof *src->open_ids);
    ok = ok && copy_array((void **)&dst->unal, &dst->unal_cap, src->unal, src->unal_len, sizeof *src->unal);
    for (size_t i = 0; ok && i < src->unal_len; i++) {
        verify_unal_channel *ch = malloc((src->cfg.channels ? src->cfg.channels : 1) * sizeof *ch);
        ok = ch != NULL;
        if (ok) {
            memcpy(ch, src->unal[i].ch, src->cfg.channels * sizeof *ch);
            dst->unal[i].ch = ch;
            dst->unal_len = i + 1;
        }
    }
    if (!ok) {
        reset(dst);
        return BS_ENOMEM;
    }
    return 0;
}

/* ---- channel renaming (the model checker's symmetry reduction) ------------------------ */
/* A label names its channel in its high half (the model checker's labels are
 * channel << 32 | position): renamed; other labels are left as they are. */
static uint64_t relabel_label(uint64_t label, uint32_t channels, const uint32_t *perm)
{
    uint64_t hi = label >> 32;
    return hi < channels ? (uint64_t)perm[hi] << 32 | (label & 0xffffffffu) : label;
}

/* A little-endian u64 at p (the byte order of bs_buf_put_u64). */
static uint64_t ld64(const uint8_t *p)
{
    uint64_t v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&v, p, 8);
#else
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
#endif
    return v;
}

static void st64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
#endif
}

/* The channel keys' hash, one word at a time. */
static void hash_word(uint64_t *h, uint64_t w)
{
    *h = (*h ^ w) * 0x100000001b3ull;
    *h ^= *h >> 29;
}

/* One channel's section (as snap_channel wrote it) at the start of p (n bytes): its size,
 * or 0 when it is not a whole section. Every word in order goes to hash (when not NULL),
 * labels with their channel half renamed by perm; with `to` (a copy of the section), the
 * written labels are renamed there in place. The symmetry reduction renames sections for
 * every candidate ordering of a state: this walks the bytes once, with no cursor calls and
 * no allocation (it was a third of a spill 3x2 search, callgrind). */
static size_t walk_channel(const uint8_t *p, size_t n, uint32_t channels, const uint32_t *perm, uint8_t *to,
                           uint64_t *hash)
{
    if (n < 16 || ld64(p) > (n - 16) / 16)
        return 0;
    uint64_t len = ld64(p);
    size_t at = 16;
    for (size_t i = 0; hash && i < 2; i++)
        hash_word(hash, ld64(p + 8 * i));
    for (uint64_t i = 0; i < len; i++) {
        if (n - at < 16)
            return 0;
        uint64_t word = ld64(p + at);
        bool pending = word & SNAP_PENDING, implied = word & SNAP_IMPLIED, cs = word & SNAP_CS;
        size_t words = 2 + (!implied && (!pending || cs)) + cs;
        if ((n - at) / 8 < words)
            return 0;
        for (size_t w = 0; w < words; w++) {
            uint64_t v = ld64(p + at + 8 * w);
            if (w == 2 && !implied && (!pending || cs)) { /* the label: an implied one stays
                                                              implied, it follows its channel */
                v = relabel_label(v, channels, perm);
                if (to)
                    st64(to + at + 8 * w, v);
            }
            if (hash)
                hash_word(hash, v);
        }
        at += 8 * words;
    }
    return at;
}
/* The checkpoints section: each unaligned record's per-channel words, reordered. */
static int relabel_ckpts(bs_cursor *c, uint32_t channels, const uint32_t *inv, bs_buf *out)
{
    uint64_t n;
    if (!get(c, &n) || n > (c->len - c->pos) / 16)
        return BS_ESTATE;
    int rc = put(out, n);
    for (uint64_t i = 0; i < n && !rc; i++) {
        uint64_t w[3]; /* id, flags, has_unal */
        for (size_t j = 0; j < 3; j++)
            if (!get(c, &w[j]))
                return BS_ESTATE;
        for (size_t j = 0; j < 3 && !rc; j++)
            rc = put(out, w[j]);
        if (rc || !w[2])
            continue;
        size_t rec = 5 * sizeof(uint64_t);
        if ((uint64_t)channels * rec > c->len - c->pos)
            return BS_ESTATE;
        for (uint32_t k = 0; k < channels && !rc; k++) /* new channel k was channel inv[k] */
            rc = bs_buf_put(out, c->p + c->pos + inv[k] * rec, rec);
        c->pos += channels * rec;
    }
    return rc;
}

int verify_snapshot_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                            bs_buf *out)
{
    enum { HEAD = 8 };
    uint32_t inv[VERIFY_RELABEL_CHANNELS_MAX];
    size_t start[VERIFY_RELABEL_CHANNELS_MAX + 1];
    bs_cursor c = {snap, len, 0};
    uint64_t head[HEAD];
    for (size_t i = 0; i < HEAD; i++)
        if (!get(&c, &head[i]))
            return BS_ESTATE;
    if ((head[0] != VERIFY_SNAP_MAGIC && head[0] != VERIFY_SNAP_MAGIC_FORGETTING) || head[1] != channels ||
        channels > VERIFY_RELABEL_CHANNELS_MAX || (head[7] && head[6] >= channels))
        return BS_ESTATE;
    for (uint32_t k = 0; k < channels; k++)
        inv[perm[k]] = k;
    if (head[7])
        head[6] = perm[head[6]];
    int rc = 0;
    for (size_t i = 0; i < HEAD && !rc; i++)
        rc = put(out, head[i]);
    for (uint32_t k = 0; k < channels; k++) { /* the sections' extents, in the old order */
        start[k] = c.pos;
        size_t n = walk_channel(snap + c.pos, len - c.pos, channels, perm, NULL, NULL);
        if (!n)
            return BS_ESTATE;
        c.pos += n;
    }
    start[channels] = c.pos;
    for (uint32_t k = 0; k < channels && !rc; k++) { /* new channel k was channel inv[k] */
        size_t from = start[inv[k]], n = start[inv[k] + 1] - from, at = out->len;
        rc = bs_buf_put(out, snap + from, n);
        if (!rc)
            (void)walk_channel(snap + from, n, channels, perm, out->p + at, NULL);
    }
    rc = rc ? rc : relabel_ckpts(&c, channels, inv, out);
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}

/* verify_snapshot_channel_keys of verify_snapshot(v), from the live state: the same words
 * hashed in the same order (each label with its channel half 0), without writing them. */
static const uint32_t no_channel[VERIFY_RELABEL_CHANNELS_MAX]; /* every channel half becomes 0 */

int verify_channel_keys(const verify *v, unsigned flags, uint64_t *keys)
{
    uint32_t n = v->cfg.channels;
    if (n > VERIFY_RELABEL_CHANNELS_MAX)
        return BS_ESTATE;
    for (uint32_t k = 0; k < n; k++) {
        const verify_channel *c = &v->ch[k];
        uint64_t h = 0x9e3779b97f4a7c15ull ^ (v->cs_pending != VERIFY_NONE && v->cs_pending_channel == k);
        size_t len, last;
        identity_len_last(v, k, flags, &len, &last);
        hash_word(&h, len);
        hash_word(&h, last == VERIFY_NONE ? 0 : last + 1);
        for (size_t p = 0, q = 0; p < c->len; p++) { /* as snap_channel */
            const verify_entry *e = &c->items[p];
            if (forgotten_marker(v, e, flags))
                continue;
            bool implied = item_implied(e, k, q++);
            hash_word(&h, item_flags_word(e, implied));
            hash_word(&h, e->id);
            if (item_label_written(e, implied))
                hash_word(&h, relabel_label(e->label, n, no_channel));
            if (e->cs_id)
                hash_word(&h, e->cs_id);
        }
        keys[k] = h;
    }
    return 0;
}

/* A key per channel of a snapshot: a hash of its section with every label's channel half
 * left out, so that a channel's key does not depend on its number (the model checker sorts
 * channels by key before renaming them). 0, BS_ENOMEM or BS_ESTATE. */
int verify_snapshot_channel_keys(const uint8_t *snap, size_t len, uint32_t channels, uint64_t *keys)
{
    bs_cursor c = {snap, len, 0};
    uint64_t head[8];
    for (size_t i = 0; i < 8; i++)
        if (!get(&c, &head[i]))
            return BS_ESTATE;
    if ((head[0] != VERIFY_SNAP_MAGIC && head[0] != VERIFY_SNAP_MAGIC_FORGETTING) || head[1] != channels ||
        channels > VERIFY_RELABEL_CHANNELS_MAX)
        return BS_ESTATE;
    for (uint32_t k = 0; k < channels; k++) {
        uint64_t h = 0x9e3779b97f4a7c15ull ^ (head[7] && head[6] == k); /* holds the pending report */
        size_t n = walk_channel(snap + c.pos, len - c.pos, channels, no_channel, NULL, &h);
        if (!n)
            return BS_ESTATE;
        c.pos += n;
        keys[k] = h;
    }
    return 0;
}
