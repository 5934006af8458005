/*
 * align.c: the aligned exactly-once decision table (see align_int.h, DESIGN.md 2.1).
 *
 * Contract: a checkpoint begins when cur adopts its id and ends exactly once: t<cur> when
 * barriers + closed channels cover every channel (release first, then the trigger), or an
 * abort (subsumed by a newer id, cancelled, eop, or the owner's limit). Ids at or below cur
 * are ignored; after end of input barriers are ignored but cancels still apply.
 */
#include "align_int.h"

#include <string.h>

int align_init(align_state *a, uint32_t channels, int (*on_release)(bs_handler *, void *), void *owner)
{
    memset(a, 0, sizeof *a);
    a->channels = channels;
    a->on_release = on_release;
    a->owner = owner;
    a->blocked = calloc(bs_chanset_words(channels), sizeof *a->blocked);
    return a->blocked ? 0 : BS_ENOMEM;
}

void align_free(align_state *a)
{
    free(a->blocked);
    a->blocked = NULL;
}

int align_release(bs_handler *h, align_state *a)
{
    memset(a->blocked, 0, bs_chanset_words(a->channels) * sizeof *a->blocked);
    a->barriers = 0;
    return a->on_release ? a->on_release(h, a->owner) : 0;
}

static void align_block(align_state *a, uint32_t channel)
{
    BS_ASSERT(!bs_chanset_has(a->blocked, channel));
    bs_chanset_add(a->blocked, channel);
    a->barriers++;
    BS_ASSERT(a->barriers + a->closed <= a->channels);
}

/* Starts checkpoint id: it becomes cur and, from now on, ends exactly once. */
static void align_begin(bs_handler *h, align_state *a, uint64_t id)
{
    BS_ASSERT(id > a->cur && !align_aligning(a));
    a->cur = id;
    bs_handler_begin(h, id);
}

static int align_complete_check(bs_handler *h, align_state *a)
{
    if (a->barriers + a->closed < a->channels)
        return 0;
    int rc = align_release(h, a);
    if (rc)
        return rc;
    bs_handler_trigger(h, a->cur);
    return 0;
}

/* A newer checkpoint arrives: an alignment in progress ends as subsumed. */
static int align_subsume(bs_handler *h, align_state *a)
{
    if (!align_aligning(a))
        return 0;
    bs_handler_abort(h, a->cur, BS_ABORT_SUBSUMED);
    return align_release(h, a);
}

int align_adopt(bs_handler *h, align_state *a, uint64_t id)
{
    BS_ASSERT(id > a->cur && !a->end_of_input);
    int rc = align_subsume(h, a);
    if (rc)
        return rc;
    align_begin(h, a, id);
    return 0;
}

static int align_on_barrier(bs_handler *h, align_state *a, const bs_item *it)
{
    if (a->end_of_input)
        return 0;
    if (align_aligning(a) && it->id == a->cur) {
        align_block(a, it->channel);
        return align_complete_check(h, a);
    }
    if (it->id <= a->cur)
        return 0;
    int rc = align_subsume(h, a);
    if (rc)
        return rc;
    align_begin(h, a, it->id);
    align_block(a, it->channel);
    return align_complete_check(h, a);
}

static int align_on_cancel(bs_handler *h, align_state *a, const bs_item *it)
{
    if (align_aligning(a) && it->id == a->cur) {
        int rc = align_release(h, a);
        if (rc)
            return rc;
        bs_handler_abort(h, it->id, BS_ABORT_CANCELLED);
        return 0;
    }
    if (it->id <= a->cur)
        return 0;
    int rc = align_subsume(h, a);
    if (rc)
        return rc;
    align_begin(h, a, it->id);
    bs_handler_abort(h, it->id, BS_ABORT_CANCELLED);
    return 0;
}

static int align_on_eop(bs_handler *h, align_state *a)
{
    a->closed++;
    BS_ASSERT(a->closed <= a->channels);
    if (!align_aligning(a))
        return 0;
    bs_handler_abort(h, a->cur, BS_ABORT_EOP);
    return align_release(h, a);
}

int align_process(bs_handler *h, align_state *a, const bs_item *it)
{
    BS_ASSERT(it->channel < a->channels && !bs_chanset_has(a->blocked, it->channel));
    int rc = 0;
    switch (it->kind) {
    case BS_DATA: return 1;
    case BS_BARRIER: rc = align_on_barrier(h, a, it); break;
    case BS_CANCEL: rc = align_on_cancel(h, a, it); break;
    case BS_EOP:
        rc = align_on_eop(h, a);
        return rc ? rc : 1;
    }
    return rc;
}

int align_exhausted(bs_handler *h, align_state *a)
{
    BS_ASSERT(!a->end_of_input);
    if (align_aligning(a))
        bs_handler_abort(h, a->cur, BS_ABORT_EOP);
    a->end_of_input = true;
    return align_release(h, a);
}

int align_snapshot_to(const align_state *a, bs_buf *out)
{
    uint64_t head[] = {a->channels, a->cur, a->barriers, a->closed, a->end_of_input};
    int rc = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0] && !rc; i++)
        rc = bs_buf_put_u64(out, head[i]);
    for (size_t w = 0; w < bs_chanset_words(a->channels) && !rc; w++)
        rc = bs_buf_put_u64(out, a->blocked[w]);
    return rc;
}

int align_restore_from(align_state *a, bs_cursor *c)
{
    uint64_t v[5];
    for (size_t i = 0; i < 5; i++)
        if (!bs_cursor_get_u64(c, &v[i]))
            return BS_ESTATE;
    /* An alignment in progress leaves some channel neither blocked nor closed: the moment
     * barriers + closed reach the channel count, align_complete_check releases. */
    if (v[0] != a->channels || v[3] > a->channels || (v[2] && v[2] >= a->channels - v[3]) || v[4] > 1)
        return BS_ESTATE;
    size_t words = bs_chanset_words(a->channels);
    bs_cursor probe = *c; /* checked first, so that a refused snapshot changes nothing */
    uint32_t count = 0;
    for (size_t w = 0; w < words; w++) {
        uint64_t word;
        if (!bs_cursor_get_u64(&probe, &word))
            return BS_ESTATE;
        count += (uint32_t)__builtin_popcountll(word);
        if (w == words - 1 && a->channels % 64 && (word >> (a->channels % 64)))
            return BS_ESTATE;
    }
    if (count != v[2])
        return BS_ESTATE;
    for (size_t w = 0; w < words; w++)
        (void)bs_cursor_get_u64(c, &a->blocked[w]);
    a->cur = v[1];
    a->barriers = (uint32_t)v[2];
    a->closed = (uint32_t)v[3];
    a->end_of_input = v[4];
    return 0;
}

/* The table's state names channels only in the blocked set: cur, the barrier and closed
 * counts and end of input are counts, and align.c uses a channel's number only to add it
 * to, or test it in, the blocked set. */
int align_relabel(bs_cursor *c, uint32_t channels, const uint32_t *perm, bs_buf *out)
{
    uint64_t v[5];
    for (size_t i = 0; i < 5; i++)
        if (!bs_cursor_get_u64(c, &v[i]))
            return BS_ESTATE;
    if (v[0] != channels)
        return BS_ESTATE;
    int rc = 0;
    for (size_t i = 0; i < 5 && !rc; i++)
        rc = bs_buf_put_u64(out, v[i]);
    return rc ? rc : bs_chanset_relabel(c, channels, perm, out);
}
