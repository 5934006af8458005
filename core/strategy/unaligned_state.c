/*
 * unaligned_state.c: an unaligned checkpoint in progress (see unaligned_int.h).
 *
 * Contract: between unal_start(K) and its end (d<K> from unal_complete_check, or
 * unal_abort), a data item read from channel c is channel state of K iff c has delivered
 * neither b<K> nor its eop, or it is one of the items b<K> overtook on c. Each such item is
 * written to K's channel-state file before it is reported (channel_state) and returned;
 * a write error stops the handler without reporting it. The file is removed when K ends.
 * When the gate offers peek, the items b<K> overtook on c are written and reported when
 * b<K> arrives (in order) instead: they never hold d<K> back, and ahead[c] counts those
 * still unread. Overtaken counts start at the channel's next unread item, so a newer
 * barrier's count covers an older one's. A pre-reported item read later is returned; it
 * is reported again only when it is channel state of the checkpoint in progress by the
 * rule above and that checkpoint did not report it already: c not marked for it (had c
 * delivered b<cur>, cur reported it at that barrier). An eop while ahead[c] > 0 or
 * owed[c] > 0 is an input-gate error.
 */
#include "unaligned_int.h"

#include <string.h>

int unal_init(unal_state *u, bs_handler *h)
{
    const bs_handler_config *cfg = bs_handler_cfg(h);
    memset(u, 0, sizeof *u);
    u->channels = cfg->channels;
    size_t words = bs_chanset_words(cfg->channels);
    u->marked = calloc(words, sizeof *u->marked);
    u->closed = calloc(words, sizeof *u->closed);
    u->owed = calloc(cfg->channels, sizeof *u->owed);
    u->ahead = calloc(cfg->channels, sizeof *u->ahead);
    if (!u->marked || !u->closed || !u->owed || !u->ahead ||
        bs_spiller_init(&u->cs, bs_handler_io(h), cfg->page_size, cfg->channels)) {
        unal_free(u);
        return BS_ENOMEM;
    }
    u->cs.quiet = cfg->quiet;
    return 0;
}

void unal_free(unal_state *u)
{
    free(u->cs.stage);
    u->cs.stage = NULL;
    free(u->marked);
    free(u->closed);
    free(u->owed);
    free(u->ahead);
    u->marked = u->closed = NULL;
    u->owed = u->ahead = NULL;
}

static int unal_fail(bs_handler *h, unal_state *u, int rc, const char *msg)
{
    return bs_handler_fail(h, rc, "channel state of %llu: %s", (unsigned long long)u->cur, msg);
}

void unal_start(bs_handler *h, unal_state *u, uint64_t id)
{
    BS_ASSERT(!u->active && id > u->cur && !u->cs.file_open);
    size_t words = bs_chanset_words(u->channels);
    memset(u->marked, 0, words * sizeof *u->marked);
    memset(u->owed, 0, u->channels * sizeof *u->owed);
    u->owed_total = 0;
    u->resolved = 0;
    for (size_t w = 0; w < words; w++)
        u->resolved += (uint32_t)__builtin_popcountll(u->closed[w]);
    u->cur = id;
    u->active = true;
    bs_handler_unaligned(h, id);
    bs_handler_trigger(h, id);
}

/* Persists and reports the n data items b<cur> overtook on c, read with the gate's peek. */
static int unal_persist_ahead(bs_handler *h, unal_state *u, uint32_t c, uint32_t n)
{
    BS_ASSERT(n >= u->ahead[c]); /* a newer barrier's count covers the older one's */
    for (uint32_t i = 0; i < n; i++) {
        bs_item it;
        int rc = bs_handler_gate_peek(h, c, i, &it);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return bs_handler_fail(h, BS_EINVAL, "input gate: channel %u shows %u of the %u data items its barrier %llu overtook",
                                   c, i, n, (unsigned long long)u->cur);
        BS_ASSERT(it.kind == BS_DATA && it.channel == c);
        rc = bs_spiller_add(&u->cs, &it);
        if (rc)
            return unal_fail(h, u, rc, u->cs.errmsg);
        bs_handler_channel_state(h, u->cur, &it);
    }
    u->ahead[c] = n;
    return 0;
}

int unal_mark(bs_handler *h, unal_state *u, uint32_t c, uint32_t overtaken)
{
    BS_ASSERT(u->active && c < u->channels && !bs_chanset_has(u->closed, c));
    if (bs_chanset_has(u->marked, c))
        return 0;
    bs_chanset_add(u->marked, c);
    u->resolved++;
    BS_ASSERT(u->resolved <= u->channels);
    if (overtaken > 0 && bs_handler_gate_can_peek(h))
        return unal_persist_ahead(h, u, c, overtaken);
    u->owed[c] = overtaken;
    u->owed_total += overtaken;
    return 0;
}

/* Closes and removes cur's channel-state file, if one was created. */
static int unal_drop_file(bs_handler *h, unal_state *u)
{
    char msg[200];
    int rc = bs_spiller_discard(&u->cs, msg, sizeof msg);
    return rc ? unal_fail(h, u, rc, msg) : 0;
}

int unal_complete_check(bs_handler *h, unal_state *u)
{
    if (!u->active || u->resolved < u->channels || u->owed_total > 0)
        return 0;
    int rc = unal_drop_file(h, u);
    if (rc)
        return rc;
    u->active = false;
    bs_handler_done(h, u->cur);
    return 0;
}

int unal_on_data(bs_handler *h, unal_state *u, const bs_item *it)
{
    uint32_t c = it->channel;
    BS_ASSERT(it->kind == BS_DATA && c < u->channels);
    if (u->ahead[c] > 0)
        u->ahead[c]--; /* persisted at its barrier: channel state below only if c is unmarked */
    if (!u->active || (bs_chanset_has(u->marked, c) && u->owed[c] == 0))
        return 0;
    int rc = bs_spiller_add(&u->cs, it);
    if (rc)
        return unal_fail(h, u, rc, u->cs.errmsg);
    bs_handler_channel_state(h, u->cur, it);
    if (u->owed[c] == 0)
        return 0;
    u->owed[c]--;
    u->owed_total--;
    return unal_complete_check(h, u);
}

int unal_on_eop(bs_handler *h, unal_state *u, uint32_t c)
{
    BS_ASSERT(c < u->channels && !bs_chanset_has(u->closed, c));
    if (u->owed[c] > 0 || u->ahead[c] > 0)
        return bs_handler_fail(h, BS_EINVAL, "input gate: eop on channel %u before %u overtaken data items",
                               c, u->owed[c] + u->ahead[c]);
    bs_chanset_add(u->closed, c);
    if (!u->active || bs_chanset_has(u->marked, c))
        return 0;
    u->resolved++;
    return unal_complete_check(h, u);
}

int unal_abort(bs_handler *h, unal_state *u, bs_abort_reason why)
{
    BS_ASSERT(u->active);
    u->active = false;
    /* the data its barriers overtook is no channel state of anything now */
    memset(u->owed, 0, u->channels * sizeof *u->owed);
    u->owed_total = 0;
    bs_handler_abort(h, u->cur, why);
    return unal_drop_file(h, u);
}

int unal_close_files(bs_handler *h, unal_state *u)
{
    char msg[200];
    int rc = bs_spiller_discard(&u->cs, msg, sizeof msg);
    return rc ? bs_handler_fail(h, rc, "%s", msg) : 0;
}

/* ---- State capture ----------------------------------------------------------------- */
int unal_snapshot_to(const bs_handler *h, const unal_state *u, unsigned flags, bs_buf *out)
{
    bool canonical = flags & BS_SNAP_CANONICAL;
    uint64_t head[] = {u->channels, u->active, u->cur, u->resolved, u->owed_total,
                       canonical ? 0 : u->cs.next_file_no, u->cs.file_open};
    int rc = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0] && !rc; i++)
        rc = bs_buf_put_u64(out, head[i]);
    size_t words = bs_chanset_words(u->channels);
    for (size_t w = 0; w < words && !rc; w++)
        rc = bs_buf_put_u64(out, u->marked[w]);
    for (size_t w = 0; w < words && !rc; w++)
        rc = bs_buf_put_u64(out, u->closed[w]);
    for (uint32_t c = 0; c < u->channels && !rc; c++)
        rc = bs_buf_put_u64(out, (uint64_t)u->owed[c] << 32 | u->ahead[c]);
    if (rc || !u->cs.file_open)
        return rc;
    /* Canonical: the file's size only. The strategy never reads its channel-state file
     * back (it is written, then removed when cur ends), so states whose files differ only
     * in the order of the records behave alike; what was reported is the checker's. */
    bs_file f = u->cs.file; /* the copy reads through the I/O interface */
    rc = bs_buf_put_u64(out, canonical ? 0 : u->cs.file.no);
    rc = rc ? rc : bs_buf_put_u64(out, u->cs.bytes);
    return rc || canonical ? rc : bs_spill_file_copy(bs_handler_io(h), &f, 0, u->cs.bytes, out);
}

/* Reads and checks the fixed part; fills the arrays only when everything fits. */
static int unal_restore_head(unal_state *u, bs_cursor *c, uint64_t v[7])
{
    for (size_t i = 0; i < 7; i++)
        if (!bs_cursor_get_u64(c, &v[i]))
            return BS_ESTATE;
    if (v[0] != u->channels || v[1] > 1 || v[3] > u->channels || v[6] > 1)
        return BS_ESTATE;
    size_t words = bs_chanset_words(u->channels);
    bs_cursor probe = *c;
    uint64_t owed_sum = 0, x;
    for (size_t i = 0; i < 2 * words; i++)
        if (!bs_cursor_get_u64(&probe, &x))
            return BS_ESTATE;
    for (uint32_t ch = 0; ch < u->channels; ch++) {
        if (!bs_cursor_get_u64(&probe, &x))
            return BS_ESTATE;
        owed_sum += x >> 32;
    }
    if (owed_sum != v[4])
        return BS_ESTATE;
    for (size_t w = 0; w < words; w++)
        (void)bs_cursor_get_u64(c, &u->marked[w]);
    for (size_t w = 0; w < words; w++)
        (void)bs_cursor_get_u64(c, &u->closed[w]);
    for (uint32_t ch = 0; ch < u->channels; ch++) {
        (void)bs_cursor_get_u64(c, &x);
        u->owed[ch] = (uint32_t)(x >> 32);
        u->ahead[ch] = (uint32_t)x;
    }
    u->active = v[1];
    u->cur = v[2];
    u->resolved = (uint32_t)v[3];
    u->owed_total = v[4];
    return 0;
}

int unal_restore_from(bs_handler *h, unal_state *u, bs_cursor *c)
{
    char msg[200];
    int rc = bs_spiller_discard(&u->cs, msg, sizeof msg);
    if (rc)
        return bs_handler_fail(h, rc, "%s", msg);
    uint64_t v[7];
    if (unal_restore_head(u, c, v))
        return BS_ESTATE;
    uint64_t next_file_no = v[5];
    if (v[6]) {
        uint64_t no, size;
        if (!bs_cursor_get_u64(c, &no) || !bs_cursor_get_u64(c, &size) || no == 0 || size == 0 ||
            size > c->len - c->pos)
            return BS_ESTATE;
        rc = bs_spiller_restore_file(&u->cs, no, c->p + c->pos, (size_t)size);
        if (rc)
            return bs_handler_fail(h, rc, "channel state: cannot restore its file: %s", u->cs.errmsg);
        c->pos += (size_t)size;
    }
    if (next_file_no > u->cs.next_file_no)
        u->cs.next_file_no = next_file_no;
    return 0;
}

/* An unaligned checkpoint's canonical state names channels in the marked and closed sets
 * and by the index of its per-channel counts (owed, ahead); the rest are counts, ids and
 * the file's size (its records are left out: the strategy never reads them back). This
 * file uses a channel's number only to index those, to ask the gate's peek for items of
 * that channel and to write the items it is given: renaming commutes with every step. */
int unal_relabel(bs_cursor *c, uint32_t channels, const uint32_t *perm, bs_buf *out)
{
    uint64_t v[7];
    for (size_t i = 0; i < 7; i++)
        if (!bs_cursor_get_u64(c, &v[i]))
            return BS_ESTATE;
    if (v[0] != channels || v[5] != 0 || v[6] > 1)
        return BS_ESTATE;
    int rc = 0;
    for (size_t i = 0; i < 7 && !rc; i++)
        rc = bs_buf_put_u64(out, v[i]);
    rc = rc ? rc : bs_chanset_relabel(c, channels, perm, out); /* marked */
    rc = rc ? rc : bs_chanset_relabel(c, channels, perm, out); /* closed */
    if (rc)
        return rc;
    if (c->len - c->pos < (size_t)channels * 8)
        return BS_ESTATE;
    size_t at = out->len;
    rc = bs_buf_put(out, c->p + c->pos, (size_t)channels * 8); /* sized, then rearranged */
    if (rc)
        return rc;
    for (uint32_t ch = 0; ch < channels; ch++) {
        BS_ASSERT(perm[ch] < channels);
        memcpy(out->p + at + (size_t)perm[ch] * 8, c->p + c->pos + (size_t)ch * 8, 8);
    }
    c->pos += (size_t)channels * 8;
    if (!v[6])
        return 0;
    uint64_t no, size;
    if (!bs_cursor_get_u64(c, &no) || !bs_cursor_get_u64(c, &size) || no != 0)
        return BS_ESTATE;
    rc = bs_buf_put_u64(out, no);
    return rc ? rc : bs_buf_put_u64(out, size);
}
