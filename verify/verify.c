/*
 * verify.c: the checker's bookkeeping: channels' yielded items, the label index, the
 * checkpoint table. Observations are in observe.c, state capture in snapshot.c.
 */
#include "verify_int.h"

#include <stdarg.h>
#include <string.h>

int verify_fail(verify *v, const char *invariant, const char *fmt, ...)
{
    if (v->failed)
        return VERIFY_VIOLATION;
    int n = snprintf(v->msg, sizeof v->msg, "step %llu: %s: ", (unsigned long long)v->step, invariant);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof v->msg)
        vsnprintf(v->msg + n, sizeof v->msg - (size_t)n, fmt, ap);
    va_end(ap);
    v->failed = true;
    return VERIFY_VIOLATION;
}

const char *verify_item_str(const verify *v, uint32_t c, size_t pos, char *buf, size_t len)
{
    const verify_entry *e = &v->ch[c].items[pos];
    unsigned long long label = e->label, id = e->id;
    switch (e->kind) {
    case BS_DATA:
        if (e->pending)
            snprintf(buf, len, "? (%u:d, overtaken, not yet yielded)", c);
        else
            snprintf(buf, len, "%llu (%u:d)", label, c);
        break;
    case BS_BARRIER: snprintf(buf, len, "%llu (%u:b%llu)", label, c, id); break;
    case BS_CANCEL: snprintf(buf, len, "%llu (%u:x%llu)", label, c, id); break;
    case BS_EOP: snprintf(buf, len, "%llu (%u:eop)", label, c); break;
    }
    return buf;
}

int verify_open(verify **out, const verify_config *cfg)
{
    *out = NULL;
    verify *v = calloc(1, sizeof *v);
    if (!v)
        return BS_ENOMEM;
    v->cfg = *cfg;
    v->ch = calloc(cfg->channels ? cfg->channels : 1, sizeof *v->ch);
    v->ckpts_cap = 8; /* grows at half full (ckpt_grow); the model checker's states have a
                         few checkpoints, and it resets (restore) or copies the whole table
                         every step: 64 slots were 1.5 KiB of memset or memcpy each time */
    v->ckpts = calloc(v->ckpts_cap, sizeof *v->ckpts);
    if (!v->ch || !v->ckpts) {
        verify_close(v);
        return BS_ENOMEM;
    }
    for (uint32_t k = 0; k < cfg->channels; k++)
        v->ch[k].eop = v->ch[k].last_returned = v->ch[k].pending_first = VERIFY_NONE;
    v->cs_pending = VERIFY_NONE;
    *out = v;
    return 0;
}

void verify_close(verify *v)
{
    if (!v)
        return;
    for (uint32_t k = 0; v->ch && k < v->cfg.channels; k++) {
        free(v->ch[k].items);
        free(v->ch[k].data_pos);
        free(v->ch[k].markers);
    }
    free(v->ch);
    while (v->unal_len)
        verify_unal_remove(v, v->unal[0].id);
    free(v->unal);
    free(v->ckpts);
    free(v->open_ids);
    free(v);
}

size_t verify_first_marker(const verify_channel *c, uint64_t id, bs_kind kind)
{
    for (size_t i = 0; i < c->markers_len; i++)
        if (c->markers[i].id == id && c->markers[i].kind == kind)
            return c->markers[i].pos;
    return VERIFY_NONE;
}

size_t verify_expected_before(const verify_channel *c, uint64_t id, size_t *barrier)
{
    *barrier = verify_first_marker(c, id, BS_BARRIER);
    if (*barrier != VERIFY_NONE)
        return c->items[*barrier].data_before;
    return c->eop != VERIFY_NONE ? c->data_len : VERIFY_NONE;
}

size_t verify_expected_at_trigger(verify *v, const char *invariant, uint64_t id, uint32_t k, size_t *barrier)
{
    size_t want = verify_expected_before(&v->ch[k], id, barrier);
    if (want == VERIFY_NONE)
        verify_fail(v, invariant, "t%llu: channel %u has delivered neither b%llu nor its eop",
                    (unsigned long long)id, k, (unsigned long long)id);
    return want;
}

bool verify_resolved(const verify *v, const verify_ckpt *ck)
{
    return ck->marked + ck->closed == v->cfg.channels;
}

/* ---- hash tables ------------------------------------------------------------------ */
/* A full-avalanche mix (splitmix64's finalizer): labels that differ only in high bits,
 * such as the model checker's (channel << 32 | position), still spread over the table. */
static size_t hash_u64(uint64_t x, size_t cap)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return (size_t)x & (cap - 1);
}

verify_ckpt *verify_ckpt_find(const verify *v, uint64_t id)
{
    for (size_t i = hash_u64(id, v->ckpts_cap);; i = (i + 1) & (v->ckpts_cap - 1)) {
        if (!v->ckpts[i].used)
            return NULL;
        if (v->ckpts[i].id == id)
            return &v->ckpts[i];
    }
}

static int ckpt_grow(verify *v)
{
    verify_ckpt *old = v->ckpts;
    size_t old_cap = v->ckpts_cap;
    verify_ckpt *fresh = calloc(2 * old_cap, sizeof *fresh);
    if (!fresh)
        return BS_ENOMEM;
    v->ckpts = fresh;
    v->ckpts_cap = 2 * old_cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].used)
            continue;
        size_t j = hash_u64(old[i].id, v->ckpts_cap);
        while (v->ckpts[j].used)
            j = (j + 1) & (v->ckpts_cap - 1);
        v->ckpts[j] = old[i];
    }
    free(old);
    return 0;
}

verify_ckpt *verify_ckpt_get(verify *v, uint64_t id)
{
    verify_ckpt *ck = verify_ckpt_find(v, id);
    if (ck)
        return ck;
    if (2 * (v->ckpts_len + 1) > v->ckpts_cap && ckpt_grow(v))
        return NULL;
    size_t i = hash_u64(id, v->ckpts_cap);
    while (v->ckpts[i].used)
        i = (i + 1) & (v->ckpts_cap - 1);
    v->ckpts[i] = (verify_ckpt){.id = id, .used = true, .closed = v->channels_closed};
    v->ckpts_len++;
    return &v->ckpts[i];
}

/* A label of the form (channel << 32 | position), as the model checker gives, names its
 * own place. */
static bool implied_place(const verify *v, uint32_t c, uint64_t label, size_t *pos)
{
    uint64_t lc = label >> 32, p = label & 0xffffffffu;
    if (lc != c || p >= v->ch[c].len || v->ch[c].items[p].label != label || v->ch[c].items[p].pending)
        return false;
    *pos = (size_t)p;
    return true;
}

/* Correct handlers return a channel's data in order, so callers try the first unreturned
 * item first; this search is the slow path for what a broken handler returns. Labels are
 * unique by construction of every generator (the simulator: source and sequence; the
 * runner: input number; the model checker: implied places), so no table is kept. */
bool verify_where_find(const verify *v, uint32_t c, uint64_t label, size_t *pos)
{
    if (implied_place(v, c, label, pos))
        return true;
    const verify_channel *ch = &v->ch[c];
    for (size_t r = ch->data_len; r > 0; r--) {
        const verify_entry *e = &ch->items[ch->data_pos[r - 1]];
        if (e->label == label && !e->pending) {
            *pos = ch->data_pos[r - 1];
            return true;
        }
    }
    return false;
}

_Static_assert(sizeof(verify_entry) + sizeof(size_t) <= VERIFY_ITEM_BYTES,
               "VERIFY_ITEM_BYTES covers a data item's history (the simulator's memory estimate uses it)");

size_t verify_bytes(const verify *v)
{
    BS_ASSERT(v);
    size_t n = sizeof *v + v->ckpts_cap * sizeof *v->ckpts + v->open_cap * sizeof *v->open_ids +
               v->unal_cap * sizeof *v->unal + v->unal_len * v->cfg.channels * sizeof(verify_unal_channel);
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        BS_ASSERT(c->len <= c->cap && c->data_len <= c->data_cap && c->markers_len <= c->markers_cap);
        n += sizeof *c + c->cap * sizeof *c->items + c->data_cap * sizeof *c->data_pos +
             c->markers_cap * sizeof *c->markers;
    }
    return n;
}

/* ---- yielded items ----------------------------------------------------------------- */
static bool grow(void **p, size_t *cap, size_t len, size_t size)
{
    if (len < *cap)
        return true;
    size_t ncap = *cap ? 2 * *cap : 16;
    void *q = realloc(*p, ncap * size);
    if (!q)
        return false;
    *p = q;
    *cap = ncap;
    return true;
}

/* A marker (b or x) of `id` on channel c: counts toward resolving the checkpoint. */
static int note_marker(verify *v, uint32_t c, const verify_entry *e, size_t pos)
{
    verify_channel *ch = &v->ch[c];
    bool seen = verify_first_marker(ch, e->id, BS_BARRIER) != VERIFY_NONE ||
                verify_first_marker(ch, e->id, BS_CANCEL) != VERIFY_NONE;
    if (verify_first_marker(ch, e->id, e->kind) == VERIFY_NONE) {
        if (!grow((void **)&ch->markers, &ch->markers_cap, ch->markers_len, sizeof *ch->markers))
            return BS_ENOMEM;
        ch->markers[ch->markers_len++] = (verify_marker){e->id, pos, e->kind};
    }
    verify_ckpt *ck = verify_ckpt_get(v, e->id);
    if (!ck)
        return BS_ENOMEM;
    if (!seen)
        ck->marked++;
    return 0;
}

/* An eop on channel c: every known checkpoint c gave no marker to counts it as closed. */
static void note_eop(verify *v, uint32_t c)
{
    for (size_t i = 0; i < v->ckpts_cap; i++) {
        verify_ckpt *ck = &v->ckpts[i];
        if (ck->used && verify_first_marker(&v->ch[c], ck->id, BS_BARRIER) == VERIFY_NONE &&
            verify_first_marker(&v->ch[c], ck->id, BS_CANCEL) == VERIFY_NONE)
            ck->closed++;
    }
    v->channels_closed++;
}

static int append_entry(verify_channel *ch, const verify_entry *e, size_t *pos)
{
    if (!grow((void **)&ch->items, &ch->cap, ch->len, sizeof *ch->items))
        return BS_ENOMEM;
    *pos = ch->len;
    ch->items[ch->len++] = *e;
    if (e->kind != BS_DATA)
        return 0;
    if (!grow((void **)&ch->data_pos, &ch->data_cap, ch->data_len, sizeof *ch->data_pos))
        return BS_ENOMEM;
    ch->data_pos[ch->data_len++] = *pos;
    return 0;
}

int verify_note_pending(verify *v, uint32_t k)
{
    verify_channel *ch = &v->ch[k];
    verify_entry e = {.kind = BS_DATA, .pending = true, .label = UINT64_MAX, .data_before = ch->data_len};
    size_t pos;
    int rc = append_entry(ch, &e, &pos);
    if (rc)
        return rc;
    if (ch->pending_count++ == 0)
        ch->pending_first = pos;
    return 0;
}

/* A data item yielded while entries are pending fills the first of them; a pre-reported
 * one must be the item its report named. */
static int fill_pending(verify *v, const verify_item *it)
{
    verify_channel *ch = &v->ch[it->channel];
    size_t pos = ch->pending_first;
    verify_entry *e = &ch->items[pos];
    BS_ASSERT(e->pending && e->kind == BS_DATA);
    if (e->cs_id && (e->label != it->label || e->len != it->len))
        return verify_fail(v, "channel-state", "channel state of %llu reported item %llu (%u:d, %u bytes) as overtaken, but the channel then yielded %llu (%u bytes)",
                           (unsigned long long)e->cs_id, (unsigned long long)e->label, it->channel, e->len,
                           (unsigned long long)it->label, it->len);
    e->pending = false;
    e->len = it->len;
    e->label = it->label;
    ch->pending_count--;
    size_t next = pos + 1;
    while (ch->pending_count && !ch->items[next].pending)
        next++;
    ch->pending_first = ch->pending_count ? next : VERIFY_NONE;
    return 0;
}

bool verify_placeholder_for(const verify *v, uint32_t c, uint64_t id, size_t *pos)
{
    const verify_channel *ch = &v->ch[c];
    size_t left = ch->pending_count;
    for (size_t p = ch->pending_first; left > 0; p++) {
        BS_ASSERT(p < ch->len);
        if (!ch->items[p].pending)
            continue;
        left--;
        if (ch->items[p].cs_id != id) {
            *pos = p;
            return true;
        }
    }
    return false;
}

int verify_note_yield(verify *v, const verify_item *it)
{
    verify_channel *ch = &v->ch[it->channel];
    if (it->kind == BS_DATA && ch->pending_count)
        return fill_pending(v, it);
    if (it->kind == BS_EOP && ch->pending_count)
        return BS_ESTATE;
    if ((it->kind == BS_BARRIER || it->kind == BS_CANCEL) && it->overtaken) {
        if (it->overtaken < ch->pending_count)
            return BS_ESTATE;
        for (size_t n = ch->pending_count; n < it->overtaken; n++)
            if (verify_note_pending(v, it->channel))
                return BS_ENOMEM;
    } else if (it->kind != BS_DATA && it->kind != BS_EOP && ch->pending_count) {
        return BS_ESTATE;
    }
    verify_entry e = {.kind = it->kind, .len = it->len, .id = it->id, .label = it->label,
                      .data_before = ch->data_len};
    size_t pos;
    int rc = append_entry(ch, &e, &pos);
    if (rc)
        return rc;
    if (it->kind == BS_DATA)
        return 0;
    if (it->kind == BS_EOP) {
        ch->eop = pos;
        note_eop(v, it->channel);
        return 0;
    }
    return note_marker(v, it->channel, &ch->items[pos], pos);
}

/* ---- unaligned checkpoints --------------------------------------------------------- */
verify_unal *verify_unal_find(const verify *v, uint64_t id)
{
    for (size_t i = 0; i < v->unal_len; i++)
        if (v->unal[i].id == id)
            return &v->unal[i];
    return NULL;
}

verify_unal *verify_unal_add(verify *v, uint64_t id)
{
    BS_ASSERT(!verify_unal_find(v, id));
    if (!grow((void **)&v->unal, &v->unal_cap, v->unal_len, sizeof *v->unal))
        return NULL;
    verify_unal_channel *ch = calloc(v->cfg.channels ? v->cfg.channels : 1, sizeof *ch);
    if (!ch)
        return NULL;
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        const verify_channel *c = &v->ch[k];
        ch[k] = (verify_unal_channel){c->returned_count, c->returned_prefix, c->last_returned, 0, VERIFY_NONE};
    }
    v->unal[v->unal_len] = (verify_unal){id, ch};
    return &v->unal[v->unal_len++];
}

void verify_unal_remove(verify *v, uint64_t id)
{
    verify_unal *u = verify_unal_find(v, id);
    if (!u)
        return;
    free(u->ch);
    size_t i = (size_t)(u - v->unal);
    memmove(&v->unal[i], &v->unal[i + 1], (v->unal_len - i - 1) * sizeof *v->unal);
    v->unal_len--;
}
