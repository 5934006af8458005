/*
 * spill.c: the `spill` strategy (DESIGN.md 2.1), exactly-once alignment that never stops
 * reading: items from blocked channels are written to a spill file and replayed, through
 * the same decision table, once the alignment ends.
 *
 * State: the blocked set, `cur` (0: no checkpoint yet), the barriers received for cur
 * (= blocked channels), closed channels, the end-of-input flag, the spiller, the sequence
 * being replayed and a stack of interrupted ones (a release during a replay puts the new,
 * non-empty roll-over first). An I/O error stops the handler; close removes every file.
 */
#include "spill_int.h"

#include <string.h>

static bool aligning(const spill_state *s) { return s->barriers > 0; }

static int spill_fail(bs_handler *h, spill_state *s, int rc)
{
    return bs_handler_fail(h, rc, "%s", s->msg[0] ? s->msg : bs_strerror(rc));
}

int spill_stack_push(spill_state *s, bs_spill_seq *seq)
{
    if (s->stack_len == SPILL_NESTING_MAX)
        return BS_ENOMEM;
    if (s->stack_len == s->stack_cap) {
        size_t cap = s->stack_cap ? 2 * s->stack_cap : 8;
        bs_spill_seq **q = realloc(s->stack, cap * sizeof *q);
        if (!q)
            return BS_ENOMEM;
        s->stack = q;
        s->stack_cap = cap;
    }
    s->stack[s->stack_len++] = seq;
    s->stacked_bytes += seq->size_bytes;
    return 0;
}

/* Unblocks every channel and rolls the spill file over; a non-empty roll-over is replayed
 * next, before any unfinished replay. */
static int spill_release(bs_handler *h, spill_state *s)
{
    memset(s->blocked, 0, bs_chanset_words(s->channels) * sizeof *s->blocked);
    s->barriers = 0;
    bs_spill_seq *seq;
    int rc = bs_spiller_roll_over(&s->spiller, &seq);
    if (rc)
        return bs_handler_fail(h, rc, "spill: roll-over: %s", bs_strerror(rc));
    if (!seq)
        return 0;
    if (s->replay) {
        rc = spill_stack_push(s, s->replay);
        if (rc) {
            bs_spill_seq_delete(seq, NULL, 0);
            return bs_handler_fail(h, rc, "spill: replays nested deeper than %u or out of memory",
                                   SPILL_NESTING_MAX);
        }
    }
    s->replay = seq;
    return 0;
}

static void spill_block(spill_state *s, uint32_t channel)
{
    BS_ASSERT(!bs_chanset_has(s->blocked, channel));
    bs_chanset_add(s->blocked, channel);
    s->barriers++;
    BS_ASSERT(s->barriers + s->closed <= s->channels);
}

/* Starts checkpoint id: it becomes cur and, from now on, ends exactly once. */
static void spill_begin(bs_handler *h, spill_state *s, uint64_t id)
{
    BS_ASSERT(id > s->cur && !aligning(s));
    s->cur = id;
    bs_handler_begin(h, id);
}

static int spill_complete_check(bs_handler *h, spill_state *s)
{
    if (s->barriers + s->closed < s->channels)
        return 0;
    int rc = spill_release(h, s);
    if (rc)
        return rc;
    bs_handler_trigger(h, s->cur);
    return 0;
}

/* A newer checkpoint arrives: an alignment in progress ends as subsumed. */
static int spill_subsume(bs_handler *h, spill_state *s)
{
    if (!aligning(s))
        return 0;
    bs_handler_abort(h, s->cur, BS_ABORT_SUBSUMED);
    return spill_release(h, s);
}

static int spill_on_barrier(bs_handler *h, spill_state *s, const bs_item *it)
{
    if (s->end_of_input)
        return 0;
    if (aligning(s) && it->id == s->cur) {
        spill_block(s, it->channel);
        return spill_complete_check(h, s);
    }
    if (it->id <= s->cur)
        return 0;
    int rc = spill_subsume(h, s);
    if (rc)
        return rc;
    spill_begin(h, s, it->id);
    spill_block(s, it->channel);
    return spill_complete_check(h, s);
}

static int spill_on_cancel(bs_handler *h, spill_state *s, const bs_item *it)
{
    if (aligning(s) && it->id == s->cur) {
        int rc = spill_release(h, s);
        if (rc)
            return rc;
        bs_handler_abort(h, it->id, BS_ABORT_CANCELLED);
        return 0;
    }
    if (it->id <= s->cur)
        return 0;
    int rc = spill_subsume(h, s);
    if (rc)
        return rc;
    spill_begin(h, s, it->id);
    bs_handler_abort(h, it->id, BS_ABORT_CANCELLED);
    return 0;
}

static int spill_on_eop(bs_handler *h, spill_state *s)
{
    s->closed++;
    BS_ASSERT(s->closed <= s->channels);
    if (!aligning(s))
        return 0;
    bs_handler_abort(h, s->cur, BS_ABORT_EOP);
    return spill_release(h, s);
}

/* Spills an item of a blocked channel; past the byte limit, releases and aborts cur. */
static int spill_store(bs_handler *h, spill_state *s, const bs_item *it)
{
    int rc = bs_spiller_add(&s->spiller, it);
    if (rc) {
        snprintf(s->msg, sizeof s->msg, "%s", s->spiller.errmsg);
        return spill_fail(h, s, rc);
    }
    uint64_t limit = bs_handler_cfg(h)->max_buffered_bytes;
    if (limit == 0 || s->spiller.bytes + s->stacked_bytes <= limit)
        return 0;
    rc = spill_release(h, s);
    if (rc)
        return rc;
    bs_handler_abort(h, s->cur, BS_ABORT_LIMIT);
    return 0;
}

/* The decision table: returns 1 when the item goes to the operator, 0 when consumed. */
static int spill_process(bs_handler *h, spill_state *s, const bs_item *it)
{
    BS_ASSERT(it->channel < s->channels);
    if (bs_chanset_has(s->blocked, it->channel)) {
        int rc = spill_store(h, s, it);
        return rc ? rc : 0;
    }
    int rc = 0;
    switch (it->kind) {
    case BS_DATA: return 1;
    case BS_BARRIER: rc = spill_on_barrier(h, s, it); break;
    case BS_CANCEL: rc = spill_on_cancel(h, s, it); break;
    case BS_EOP:
        rc = spill_on_eop(h, s);
        return rc ? rc : 1;
    }
    return rc;
}

/* Ends the exhausted replay and resumes the most recently interrupted one. */
static int spill_finish_replay(bs_handler *h, spill_state *s)
{
    int rc = bs_spill_seq_delete(s->replay, s->msg, sizeof s->msg);
    s->replay = NULL;
    if (s->stack_len) {
        s->replay = s->stack[--s->stack_len];
        BS_ASSERT(s->stacked_bytes >= s->replay->size_bytes);
        s->stacked_bytes -= s->replay->size_bytes;
    }
    return rc ? spill_fail(h, s, rc) : 0;
}

/* The next item to process: from the replay if any, else from the gate. 1, 0 at the end
 * of everything, or a negative code. */
static int spill_pull(bs_handler *h, spill_state *s, bs_item *out)
{
    for (;;) {
        if (s->replay) {
            int rc = bs_spill_seq_next(s->replay, out, s->msg, sizeof s->msg);
            if (rc != 0)
                return rc < 0 ? spill_fail(h, s, rc) : 1;
            rc = spill_finish_replay(h, s);
            if (rc)
                return rc;
            continue;
        }
        if (s->end_of_input)
            return 0;
        int rc = bs_handler_gate_next(h, NULL, out);
        if (rc != 0)
            return rc;
        if (aligning(s))
            bs_handler_abort(h, s->cur, BS_ABORT_EOP);
        s->end_of_input = true;
        rc = spill_release(h, s);
        if (rc)
            return rc;
    }
}

static int spill_next(bs_handler *h, bs_item *out)
{
    spill_state *s = bs_handler_state(h);
    /* Each turn consumes one item from the gate or a replay: the loop ends with the input. */
    for (;;) {
        int rc = spill_pull(h, s, out);
        if (rc <= 0)
            return rc;
        rc = spill_process(h, s, out);
        if (rc != 0)
            return rc;
    }
}

static int spill_open(bs_handler *h)
{
    const bs_handler_config *cfg = bs_handler_cfg(h);
    spill_state *s = calloc(1, sizeof *s);
    if (!s)
        return BS_ENOMEM;
    s->channels = cfg->channels;
    s->blocked = calloc(bs_chanset_words(cfg->channels), sizeof *s->blocked);
    if (!s->blocked || bs_spiller_init(&s->spiller, bs_handler_io(h), cfg->page_size, cfg->channels)) {
        free(s->spiller.stage);
        free(s->blocked);
        free(s);
        return BS_ENOMEM;
    }
    s->spiller.quiet = cfg->quiet;
    bs_handler_set_state(h, s);
    return 0;
}

/* Removes every spill file (each is attempted); returns the first error. */
int spill_drop_files(spill_state *s, char *msg, size_t msg_len)
{
    int first = 0;
    char one[224];
    int rc = bs_spill_seq_delete(s->replay, one, sizeof one);
    if (rc && !first) {
        first = rc;
        snprintf(msg, msg_len, "%s", one);
    }
    s->replay = NULL;
    while (s->stack_len) {
        rc = bs_spill_seq_delete(s->stack[--s->stack_len], one, sizeof one);
        if (rc && !first) {
            first = rc;
            snprintf(msg, msg_len, "%s", one);
        }
    }
    s->stacked_bytes = 0;
    return first;
}

static int spill_close(bs_handler *h)
{
    spill_state *s = bs_handler_state(h);
    char msg[224] = "";
    int first = spill_drop_files(s, msg, sizeof msg);
    char one[224];
    int rc = bs_spiller_close(&s->spiller, one, sizeof one);
    if (rc && !first) {
        first = rc;
        snprintf(msg, sizeof msg, "%s", one);
    }
    free(s->stack);
    free(s->blocked);
    free(s);
    bs_handler_set_state(h, NULL);
    return first ? bs_handler_fail(h, first, "%s", msg) : 0;
}

static bool spill_is_empty(const bs_handler *h)
{
    const spill_state *s = bs_handler_state(h);
    return !s->replay && s->stack_len == 0 && !s->spiller.file_open;
}

const bs_strategy bs_strategy_spill = {
    .name = "spill",
    .open = spill_open,
    .next = spill_next,
    .close = spill_close,
    .is_empty = spill_is_empty,
    .snapshot = spill_snapshot,
    .restore = spill_restore,
};
