/*
 * tracker.c: the `tracker` strategy (DESIGN.md 2.2), at-least-once: it never blocks, it
 * only counts which channels delivered each checkpoint's barrier.
 *
 * Keeps at most BS_TRACKER_PENDING_MAX pending checkpoints, oldest first, each with the
 * set of channels that delivered its barrier or cancel and an aborted flag (an aborted
 * entry has ended but stays pending until it completes or is dropped). A finished channel
 * (eop) counts toward every pending and later checkpoint. A checkpoint completes when its
 * set covers every open channel; completing drops it and every older entry.
 */
#include "../core_int.h"

#include <string.h>

typedef struct tracker_entry {
    uint64_t id;
    bool aborted;
    uint64_t *set;              /* channels that delivered b<id> or x<id> */
} tracker_entry;

typedef struct tracker_state {
    uint32_t channels;
    size_t words;
    uint64_t *open;             /* channels whose eop has not been processed */
    uint32_t open_channels;
    tracker_entry pending[BS_TRACKER_PENDING_MAX]; /* pending[0] is the oldest */
    size_t len;
    uint64_t max_id;            /* the greatest id ever appended (0: none) */
    bool exhausted;
    uint64_t *sets;             /* backing store of the entries' sets */
} tracker_state;

static bool tracker_covers(const tracker_state *s, const tracker_entry *e)
{
    for (size_t w = 0; w < s->words; w++)
        if (s->open[w] & ~e->set[w])
            return false;
    return true;
}

static int tracker_find(const tracker_state *s, uint64_t id)
{
    for (size_t i = 0; i < s->len; i++)
        if (s->pending[i].id == id)
            return (int)i;
    return -1;
}

/* Removes the n oldest entries, keeping the others' order and set storage. */
static void tracker_drop_oldest(tracker_state *s, size_t n)
{
    BS_ASSERT(n <= s->len);
    for (size_t i = 0; i < n; i++) {
        uint64_t *set = s->pending[0].set;
        memmove(&s->pending[0], &s->pending[1], (s->len - 1) * sizeof s->pending[0]);
        s->len--;
        memset(set, 0, s->words * sizeof *set);
        s->pending[s->len].set = set;
    }
}

/* Entry idx completed: older entries not ended are subsumed (oldest first), then idx
 * triggers unless it was aborted; all of them are dropped. */
static void tracker_complete(bs_handler *h, tracker_state *s, size_t idx)
{
    for (size_t i = 0; i < idx; i++)
        if (!s->pending[i].aborted)
            bs_handler_abort(h, s->pending[i].id, BS_ABORT_SUBSUMED);
    if (!s->pending[idx].aborted)
        bs_handler_trigger(h, s->pending[idx].id);
    tracker_drop_oldest(s, idx + 1);
}

static int tracker_append(bs_handler *h, tracker_state *s, uint64_t id)
{
    BS_ASSERT(id > s->max_id);
    if (s->len == BS_TRACKER_PENDING_MAX) {
        if (!s->pending[0].aborted)
            bs_handler_abort(h, s->pending[0].id, BS_ABORT_SUBSUMED);
        tracker_drop_oldest(s, 1);
    }
    tracker_entry *e = &s->pending[s->len++];
    e->id = id;
    e->aborted = false;
    s->max_id = id;
    bs_handler_begin(h, id);
    return (int)(s->len - 1);
}

/* The entry of `id` (appending it when it is newer than every id seen), or -1: ignore. */
static int tracker_entry_for(bs_handler *h, tracker_state *s, uint64_t id)
{
    int idx = tracker_find(s, id);
    if (idx < 0 && id > s->max_id)
        idx = tracker_append(h, s, id);
    return idx;
}

static void tracker_on_barrier(bs_handler *h, tracker_state *s, const bs_item *it)
{
    int idx = tracker_entry_for(h, s, it->id);
    if (idx < 0)
        return;
    bs_chanset_add(s->pending[idx].set, it->channel);
    if (tracker_covers(s, &s->pending[idx]))
        tracker_complete(h, s, (size_t)idx);
}

static void tracker_on_cancel(bs_handler *h, tracker_state *s, const bs_item *it)
{
    size_t older = 0;
    while (older < s->len && s->pending[older].id < it->id)
        older++;
    for (size_t i = 0; i < older; i++)
        if (!s->pending[i].aborted)
            bs_handler_abort(h, s->pending[i].id, BS_ABORT_CANCELLED);
    tracker_drop_oldest(s, older);
    int idx = tracker_entry_for(h, s, it->id);
    if (idx < 0)
        return;
    tracker_entry *e = &s->pending[idx];
    bs_chanset_add(e->set, it->channel);
    if (!e->aborted) {
        e->aborted = true;
        bs_handler_abort(h, e->id, BS_ABORT_CANCELLED);
    }
    if (tracker_covers(s, e))
        tracker_complete(h, s, (size_t)idx);
}

static void tracker_on_eop(bs_handler *h, tracker_state *s, uint32_t channel)
{
    BS_ASSERT(bs_chanset_has(s->open, channel) && s->open_channels > 0);
    s->open[channel / 64u] &= ~((uint64_t)1 << (channel % 64u));
    s->open_channels--;
    for (size_t i = s->len; i-- > 0;) {
        if (tracker_covers(s, &s->pending[i])) {
            tracker_complete(h, s, i);
            return;
        }
    }
}

static int tracker_next(bs_handler *h, bs_item *out)
{
    tracker_state *s = bs_handler_state(h);
    /* Each turn consumes one gate item: the loop ends with the input. */
    while (!s->exhausted) {
        int rc = bs_handler_gate_next(h, NULL, out);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            for (size_t i = 0; i < s->len; i++)
                if (!s->pending[i].aborted)
                    bs_handler_abort(h, s->pending[i].id, BS_ABORT_EOP);
            tracker_drop_oldest(s, s->len);
            s->exhausted = true;
            break;
        }
        switch (out->kind) {
        case BS_DATA: return 1;
        case BS_BARRIER: tracker_on_barrier(h, s, out); break;
        case BS_CANCEL: tracker_on_cancel(h, s, out); break;
        case BS_EOP: tracker_on_eop(h, s, out->channel); return 1;
        }
    }
    return 0;
}

static int tracker_open(bs_handler *h)
{
    const bs_handler_config *cfg = bs_handler_cfg(h);
    tracker_state *s = calloc(1, sizeof *s);
    if (!s)
        return BS_ENOMEM;
    s->channels = cfg->channels;
    s->open_channels = cfg->channels;
    s->words = bs_chanset_words(cfg->channels);
    s->open = calloc(s->words, sizeof *s->open);
    s->sets = calloc(s->words * BS_TRACKER_PENDING_MAX, sizeof *s->sets);
    if (!s->open || !s->sets) {
        free(s->open);
        free(s->sets);
        free(s);
        return BS_ENOMEM;
    }
    for (uint32_t c = 0; c < s->channels; c++)
        bs_chanset_add(s->open, c);
    for (size_t i = 0; i < BS_TRACKER_PENDING_MAX; i++)
        s->pending[i].set = s->sets + i * s->words;
    bs_handler_set_state(h, s);
    return 0;
}

static int tracker_close(bs_handler *h)
{
    tracker_state *s = bs_handler_state(h);
    free(s->open);
    free(s->sets);
    free(s);
    bs_handler_set_state(h, NULL);
    return 0;
}

static bool tracker_is_empty(const bs_handler *h)
{
    (void)h;
    return true;
}


/* ---- State capture: magic, channels, open channels, max id, exhausted, the open set,
 * then each pending entry (id, aborted, set). Canonical and full are the same here. ---- */
#define TRACKER_SNAP_MAGIC 0x3176726b63617274ull /* "trackrv1" */

static int tracker_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    const tracker_state *s = bs_handler_state(h);
    (void)flags;
    uint64_t head[] = {TRACKER_SNAP_MAGIC, s->channels, s->open_channels, s->max_id, s->exhausted, s->len};
    int rc = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0] && !rc; i++)
        rc = bs_buf_put_u64(out, head[i]);
    for (size_t w = 0; w < s->words && !rc; w++)
        rc = bs_buf_put_u64(out, s->open[w]);
    for (size_t i = 0; i < s->len && !rc; i++) {
        rc = bs_buf_put_u64(out, s->pending[i].id);
        rc = rc ? rc : bs_buf_put_u64(out, s->pending[i].aborted);
        for (size_t w = 0; w < s->words && !rc; w++)
            rc = bs_buf_put_u64(out, s->pending[i].set[w]);
    }
    return rc;
}

static int tracker_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    tracker_state *s = bs_handler_state(h);
    bs_cursor c = {snap, len, 0};
    uint64_t v[6];
    for (size_t i = 0; i < 6; i++)
        if (!bs_cursor_get_u64(&c, &v[i]))
            return BS_ESTATE;
    if (v[0] != TRACKER_SNAP_MAGIC || v[1] != s->channels || v[2] > s->channels || v[4] > 1 ||
        v[5] > BS_TRACKER_PENDING_MAX)
        return BS_ESTATE;
    s->open_channels = (uint32_t)v[2];
    s->max_id = v[3];
    s->exhausted = v[4];
    s->len = (size_t)v[5];
    bool ok = true;
    for (size_t w = 0; w < s->words; w++)
        ok = ok && bs_cursor_get_u64(&c, &s->open[w]);
    /* every set is rewritten: back in table order, the unused ones zeroed with one call (50
     * calls, one a set, were most of a restore: the model checker restores every step) */
    for (size_t i = 0; i < BS_TRACKER_PENDING_MAX; i++)
        s->pending[i].set = s->sets + i * s->words;
    memset(s->sets + s->len * s->words, 0, (BS_TRACKER_PENDING_MAX - s->len) * s->words * sizeof *s->sets);
    for (size_t i = 0; i < s->len && ok; i++) {
        uint64_t aborted = 0;
        ok = bs_cursor_get_u64(&c, &s->pending[i].id) && bs_cursor_get_u64(&c, &aborted) && aborted <= 1;
        s->pending[i].aborted = aborted;
        for (size_t w = 0; w < s->words && ok; w++)
            ok = bs_cursor_get_u64(&c, &s->pending[i].set[w]);
    }
    if (!ok || c.pos != c.len) {
        s->len = 0;
        return BS_ESTATE;
    }
    return 0;
}

/* The tracker's state names channels only as members of sets (the open channels, each
 * pending checkpoint's delivered set), and tracker.c only tests, adds and compares set
 * members: renaming commutes with every step. Holds no payloads. */
static int tracker_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                           bs_payload_relabel payload, void *ctx, bs_buf *out)
{
    (void)payload;
    (void)ctx;
    bs_cursor c = {snap, len, 0};
    uint64_t v[6];
    for (size_t i = 0; i < 6; i++)
        if (!bs_cursor_get_u64(&c, &v[i]))
            return BS_ESTATE;
    if (v[0] != TRACKER_SNAP_MAGIC || v[1] != channels || v[5] > BS_TRACKER_PENDING_MAX)
        return BS_ESTATE;
    int rc = bs_buf_put(out, snap, sizeof v);
    rc = rc ? rc : bs_chanset_relabel(&c, channels, perm, out); /* the open channels */
    for (uint64_t i = 0; i < v[5] && !rc; i++) { /* each pending checkpoint's delivered set */
        uint64_t id, aborted;
        if (!bs_cursor_get_u64(&c, &id) || !bs_cursor_get_u64(&c, &aborted))
            return BS_ESTATE;
        rc = bs_buf_put_u64(out, id);
        rc = rc ? rc : bs_buf_put_u64(out, aborted);
        rc = rc ? rc : bs_chanset_relabel(&c, channels, perm, out);
    }
    return rc ? rc : c.pos == c.len ? 0 : BS_ESTATE;
}

const bs_strategy bs_strategy_tracker = {
    .name = "tracker",
    .guarantee = BS_GUARANTEE_AT_LEAST_ONCE,
    .open = tracker_open,
    .next = tracker_next,
    .close = tracker_close,
    .is_empty = tracker_is_empty,
    .snapshot = tracker_snapshot,
    .restore = tracker_restore,
    .relabel = tracker_relabel,
};
