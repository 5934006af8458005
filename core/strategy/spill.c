/*
 * spill.c: the `spill` strategy (DESIGN.md 2.1), exactly-once alignment that never stops
 * reading: items from blocked channels are written to a spill file and replayed, through
 * the same decision table, once the alignment ends.
 *
 * State: the decision table's (align_int.h: blocked set, `cur`, barriers, closed channels,
 * end of input), the spiller, the sequence being replayed and a stack of interrupted ones
 * (a release during a replay puts the new, non-empty roll-over first: spill_on_release).
 * An I/O error stops the handler; close removes every file.
 */
#include "spill_int.h"

#include <string.h>

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

/* Runs after every release has unblocked everything: rolls the spill file over; a
 * non-empty roll-over is replayed next, before any unfinished replay. */
static int spill_on_release(bs_handler *h, void *owner)
{
    spill_state *s = owner;
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
    rc = align_release(h, &s->a);
    if (rc)
        return rc;
    bs_handler_abort(h, s->a.cur, BS_ABORT_LIMIT);
    return 0;
}

/* Blocked items are spilled; the others go through the table: returns 1 when the item
 * goes to the operator, 0 when consumed. */
static int spill_process(bs_handler *h, spill_state *s, const bs_item *it)
{
    BS_ASSERT(it->channel < s->a.channels);
    if (bs_chanset_has(s->a.blocked, it->channel)) {
        int rc = spill_store(h, s, it);
        return rc ? rc : 0;
    }
    return align_process(h, &s->a, it);
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
        if (s->a.end_of_input)
            return 0;
        int rc = bs_handler_gate_next(h, NULL, out);
        if (rc != 0)
            return rc;
        rc = align_exhausted(h, &s->a);
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
    if (align_init(&s->a, cfg->channels, spill_on_release, s) ||
        bs_spiller_init(&s->spiller, bs_handler_io(h), cfg->page_size, cfg->channels)) {
        free(s->spiller.stage);
        align_free(&s->a);
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
    align_free(&s->a);
    free(s);
    bs_handler_set_state(h, NULL);
    return first ? bs_handler_fail(h, first, "%s", msg) : 0;
}

static bool spill_is_empty(const bs_handler *h)
{
    const spill_state *s = bs_handler_state(h);
    return !s->replay && s->stack_len == 0 && !s->spiller.file_open;
}

/* Flink <= 1.10: task.checkpoint.alignment.max-size (TaskManagerOptions), default -1: no
 * limit; here 0 is "no limit". */
static const bs_option spill_options[] = {
    {"max-buffered-bytes", "max-buffered-bytes", "bytes", 1, UINT64_MAX / 4, 0, BS_OPT_MAX_BUFFERED_BYTES,
     "abort an alignment that has spilled more than this (default: no limit)"},
};

const bs_strategy bs_strategy_spill = {
    .name = "spill",
    .guarantee = BS_GUARANTEE_EXACTLY_ONCE,
    .options = spill_options,
    .options_len = sizeof spill_options / sizeof spill_options[0],
    .open = spill_open,
    .next = spill_next,
    .close = spill_close,
    .is_empty = spill_is_empty,
    .snapshot = spill_snapshot,
    .restore = spill_restore,
    .relabel = spill_relabel,
};
