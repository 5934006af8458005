/*
 * align_int.h: the aligned exactly-once decision table of DESIGN.md 2.1 (barriers, cancels,
 * eop, gate exhausted, subsumption, one channel), shared by the strategies that align:
 * `spill` (blocked items are spilled and replayed), `block` (blocked channels are simply
 * not read) and `aligned-timeout` (block until a timeout switches the checkpoint to
 * unaligned). What a strategy does with items of blocked channels is its own; what it
 * does beyond unblocking on a release is the `on_release` hook (spill: roll the file over).
 */
#ifndef BS_ALIGN_INT_H
#define BS_ALIGN_INT_H

#include "../core_int.h"

typedef struct align_state {
    uint32_t channels;
    uint64_t *blocked;          /* channels that delivered b<cur> during the alignment */
    uint32_t barriers;          /* channels blocked for cur (> 0: an alignment in progress) */
    uint32_t closed;            /* eop items processed */
    uint64_t cur;               /* the latest adopted checkpoint (0: none yet) */
    bool end_of_input;
    /* Called after every release has unblocked everything; NULL: nothing more to do. */
    int (*on_release)(bs_handler *h, void *owner);
    void *owner;
} align_state;

/* Allocates the blocked set; 0 or BS_ENOMEM. align_free releases it. */
int align_init(align_state *a, uint32_t channels, int (*on_release)(bs_handler *, void *), void *owner);
void align_free(align_state *a);

static inline bool align_aligning(const align_state *a) { return a->barriers > 0; }

/* Unblocks every channel and resets the barrier count, then runs on_release. */
int align_release(bs_handler *h, align_state *a);

/* The table for an item of a channel that is not blocked: returns 1 when the item goes to
 * the operator (data, eop), 0 when it was consumed, or a negative error from on_release. */
int align_process(bs_handler *h, align_state *a, const bs_item *it);

/* Adopts checkpoint id (> cur) without a barrier read: an alignment in progress ends as
 * subsumed (and is released), then id begins with nothing blocked (the owner takes it
 * unaligned at once). 0 or a negative error from on_release. */
int align_adopt(bs_handler *h, align_state *a, uint64_t id);

/* The gate is exhausted (first time): a<cur>:eop if aligning, end of input, release. */
int align_exhausted(bs_handler *h, align_state *a);

/* State capture (model checking): cur, barriers, closed, end of input and the blocked
 * set as little-endian u64s (the same bytes canonical or full). align_restore_from reads
 * them back and checks that they fit a's channels (barriers = blocked channels, barriers +
 * closed <= channels); BS_ESTATE otherwise, with a left unchanged. */
int align_snapshot_to(const align_state *a, bs_buf *out);
int align_restore_from(align_state *a, bs_cursor *c);
/* Channel renaming (bs_strategy.relabel) of the bytes align_snapshot_to wrote for
 * `channels` channels, read from c: appended to out with the blocked set renamed by perm.
 * 0, BS_ENOMEM, or BS_ESTATE when they are not such bytes. */
int align_relabel(bs_cursor *c, uint32_t channels, const uint32_t *perm, bs_buf *out);

#endif
