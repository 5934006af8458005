/*
 * ext_block.c: an example strategy library (docs/strategy-lib.md): `ext-block`, exactly-once
 * alignment by not reading, written outside the tree against the public interface only
 * (core/barriersim.h, core/bs_strategy.h, core/bs_plugin.h). It makes block's decisions
 * (DESIGN.md 2.1: the aligned decision table) with its own state and state capture, so
 * `barriersim --strategy-lib build/examples/libext_block.so` can run, fuzz, soak, replay,
 * compare and model-check it; make test compares it with the built-in five and checks it.
 * Start a strategy of your own from this file.
 *
 *   cc -std=c11 -fPIC -shared -I core -o libext_block.so examples/strategy-lib/ext_block.c
 *
 * Decisions, for an item of a channel that is not blocked:
 *   data, eop      returned to the operator (eop also closes its channel: an alignment in
 *                  progress is aborted, a<cur>:eop, and released)
 *   b<K>, K = cur  while aligning: block the channel; when barriers and closed channels
 *                  cover every channel, release (unblock all) and trigger t<cur>
 *   b<K>, K > cur  a newer checkpoint: abort the alignment in progress (subsumed), begin K,
 *                  block the channel, and trigger at once if that covers every channel
 *   x<K>           cancel: K = cur while aligning releases and aborts (cancelled); K > cur
 *                  subsumes, begins and aborts K at once
 *   older ids      ignored
 * The gate exhausted: an alignment in progress ends a<cur>:eop, then the end of input.
 */
#include "bs_plugin.h" /* core/: cc -I core */

#include <stdlib.h>
#include <string.h>

typedef struct ext_state {
    uint32_t channels;
    uint32_t barriers;   /* channels blocked for cur (> 0: aligning) */
    uint32_t closed;     /* channels that delivered eop */
    uint64_t cur;        /* the latest checkpoint begun (0: none) */
    bool end_of_input;
    uint64_t blocked[];  /* bs_chanset_words(channels) words */
} ext_state;

static size_t ext_words(const ext_state *s) { return bs_chanset_words(s->channels); }

static void ext_release(ext_state *s)
{
    memset(s->blocked, 0, ext_words(s) * sizeof s->blocked[0]);
    s->barriers = 0;
}

static void ext_block_channel(ext_state *s, uint32_t channel)
{
    BS_ASSERT(!bs_chanset_has(s->blocked, channel));
    bs_chanset_add(s->blocked, channel);
    s->barriers++;
    BS_ASSERT(s->barriers + s->closed <= s->channels);
}

static void ext_maybe_trigger(bs_handler *h, ext_state *s)
{
    if (s->barriers + s->closed < s->channels)
        return;
    ext_release(s);
    bs_handler_trigger(h, s->cur);
}

/* A newer id: the alignment in progress (if any) is subsumed, then id begins. */
static void ext_begin(bs_handler *h, ext_state *s, uint64_t id)
{
    if (s->barriers > 0) {
        bs_handler_abort(h, s->cur, BS_ABORT_SUBSUMED);
        ext_release(s);
    }
    s->cur = id;
    bs_handler_begin(h, id);
}

static void ext_on_barrier(bs_handler *h, ext_state *s, const bs_item *it)
{
    if (s->end_of_input || (it->id <= s->cur && !(s->barriers > 0 && it->id == s->cur)))
        return;
    if (it->id > s->cur)
        ext_begin(h, s, it->id);
    ext_block_channel(s, it->channel);
    ext_maybe_trigger(h, s);
}

static void ext_on_cancel(bs_handler *h, ext_state *s, const bs_item *it)
{
    if (s->barriers > 0 && it->id == s->cur) {
        ext_release(s);
        bs_handler_abort(h, it->id, BS_ABORT_CANCELLED);
    } else if (it->id > s->cur) {
        ext_begin(h, s, it->id);
        bs_handler_abort(h, it->id, BS_ABORT_CANCELLED);
    }
}

static void ext_on_eop(bs_handler *h, ext_state *s)
{
    s->closed++;
    BS_ASSERT(s->closed <= s->channels);
    if (s->barriers > 0) {
        bs_handler_abort(h, s->cur, BS_ABORT_EOP);
        ext_release(s);
    }
}

static int ext_next(bs_handler *h, bs_item *out)
{
    ext_state *s = bs_handler_state(h);
    for (;;) { /* each turn consumes one item of the gate: bounded by the input */
        if (s->end_of_input)
            return 0;
        int rc = bs_handler_gate_next(h, s->barriers > 0 ? s->blocked : NULL, out);
        if (rc == 0) {
            if (s->barriers > 0)
                bs_handler_abort(h, s->cur, BS_ABORT_EOP);
            s->end_of_input = true;
            ext_release(s);
            return 0;
        }
        if (rc < 0)
            return rc;
        BS_ASSERT(out->channel < s->channels && !bs_chanset_has(s->blocked, out->channel));
        switch (out->kind) {
        case BS_DATA: return 1;
        case BS_EOP: ext_on_eop(h, s); return 1;
        case BS_BARRIER: ext_on_barrier(h, s, out); break;
        case BS_CANCEL: ext_on_cancel(h, s, out); break;
        }
    }
}

static int ext_open(bs_handler *h)
{
    uint32_t channels = bs_handler_cfg(h)->channels;
    ext_state *s = calloc(1, sizeof *s + bs_chanset_words(channels) * sizeof s->blocked[0]);
    if (!s)
        return BS_ENOMEM;
    s->channels = channels;
    bs_handler_set_state(h, s);
    return 0;
}

static int ext_close(bs_handler *h)
{
    free(bs_handler_state(h));
    bs_handler_set_state(h, NULL);
    return 0;
}

static bool ext_is_empty(const bs_handler *h)
{
    (void)h;
    return true; /* it never buffers: blocked channels stay unread in the gate */
}

/* State capture: magic, cur, barriers, closed, end of input, the blocked set (canonical and
 * full snapshots are the same bytes: nothing here is a file number or a counter). */
#define EXT_MAGIC 0x31766b6c62747865ull /* "extblkv1" */

static int ext_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    const ext_state *s = bs_handler_state(h);
    uint64_t head[] = {EXT_MAGIC, s->cur, s->barriers, s->closed, s->end_of_input};
    int rc = 0;
    (void)flags;
    for (size_t i = 0; i < sizeof head / sizeof head[0] && !rc; i++)
        rc = bs_buf_put_u64(out, head[i]);
    for (size_t w = 0; w < ext_words(s) && !rc; w++)
        rc = bs_buf_put_u64(out, s->blocked[w]);
    return rc;
}

/* Checks everything before changing anything: a refused snapshot leaves the state as it was. */
static int ext_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    ext_state *s = bs_handler_state(h);
    bs_cursor c = {snap, len, 0};
    uint64_t v[5], count = 0, word;
    if (len != 8 * (5 + ext_words(s)))
        return BS_ESTATE;
    for (size_t i = 0; i < 5; i++)
        (void)bs_cursor_get_u64(&c, &v[i]);
    if (v[0] != EXT_MAGIC || v[2] + v[3] > s->channels || v[4] > 1)
        return BS_ESTATE;
    bs_cursor probe = c;
    for (size_t w = 0; w < ext_words(s); w++) {
        (void)bs_cursor_get_u64(&probe, &word);
        count += (uint64_t)__builtin_popcountll(word);
        if (w + 1 == ext_words(s) && s->channels % 64 && (word >> (s->channels % 64)))
            return BS_ESTATE;
    }
    if (count != v[2])
        return BS_ESTATE;
    for (size_t w = 0; w < ext_words(s); w++)
        (void)bs_cursor_get_u64(&c, &s->blocked[w]);
    s->cur = v[1];
    s->barriers = (uint32_t)v[2];
    s->closed = (uint32_t)v[3];
    s->end_of_input = v[4] != 0;
    return 0;
}

static const bs_strategy ext_block = {
    .name = "ext-block",
    .guarantee = BS_GUARANTEE_EXACTLY_ONCE,
    .open = ext_open,
    .next = ext_next,
    .close = ext_close,
    .is_empty = ext_is_empty,
    .snapshot = ext_snapshot,
    .restore = ext_restore,
};

static int ext_init(const bs_plugin_host *host, char *why, size_t why_len)
{
    return host->register_strategy(&ext_block, why, why_len);
}

BS_PLUGIN_DEFINE(ext_init)
