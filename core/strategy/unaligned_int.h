/*
 * unaligned_int.h: the rules an unaligned checkpoint follows once it is triggered
 * (DESIGN.md 2.3), shared by `unaligned` (every checkpoint) and `aligned-timeout` (a
 * checkpoint whose alignment timed out). The owner decides when a checkpoint starts and
 * what a newer barrier or cancel does; this part tracks the checkpoint in progress:
 * which channels delivered b<cur> or their eop, the data items overtaken by b<cur> that
 * are still unread (owed: without the gate's peek they are persisted as they are read;
 * ahead: with peek they were persisted and reported when b<cur> arrived), and the
 * channel-state file of cur (spill records through bs_io,
 * created lazily on the first item, closed and removed when cur ends).
 */
#ifndef BS_UNALIGNED_INT_H
#define BS_UNALIGNED_INT_H

#include "../bs_spill.h"
#include "../core_int.h"

typedef struct unal_state {
    uint32_t channels;
    uint64_t *marked;           /* channels that delivered b<cur> while it is in progress */
    uint64_t *closed;           /* channels whose eop was read (kept across checkpoints) */
    uint32_t resolved;          /* channels marked or closed */
    uint32_t *owed;             /* per channel: data overtaken by its b<cur>, still unread */
    uint64_t owed_total;
    uint32_t *ahead;            /* per channel: data items persisted at a barrier (peek),
                                   still unread; they come next on the channel */
    uint64_t cur;               /* the checkpoint in progress, when active */
    bool active;                /* cur is triggered and its channel state not complete */
    bs_spiller cs;              /* the channel-state file of cur */
    char msg[224];
} unal_state;

/* 0 or BS_ENOMEM; unal_free releases the memory (call unal_close_files first). */
int unal_init(unal_state *u, bs_handler *h);
void unal_free(unal_state *u);

/* Starts cur = id unaligned (the owner has begun it): unaligned(id), then t<id>. */
void unal_start(bs_handler *h, unal_state *u, uint64_t id);

/* Channel c delivered b<cur> ahead of `overtaken` of its data items, the next ones of c.
 * With the gate's peek they are persisted and reported as channel state of cur now, in
 * order (ahead[c] = overtaken); without it they are channel state of cur when read
 * (owed). A channel already marked is ignored. Does not check completion. 0 or an error
 * (I/O, or a gate that cannot show the items it said were overtaken). */
int unal_mark(bs_handler *h, unal_state *u, uint32_t c, uint32_t overtaken);

/* Ends cur with d<cur> when every channel delivered b<cur> or eop and no overtaken item is
 * unread. 0 or an I/O error (removing the file). */
int unal_complete_check(bs_handler *h, unal_state *u);

/* A data item read from channel c: when it is channel state of cur, persists it and
 * reports it, then checks completion. 0 or an I/O error (the handler stops). */
int unal_on_data(bs_handler *h, unal_state *u, const bs_item *it);

/* An eop read from channel c (in progress or not): it counts from now on. 0 or an error. */
int unal_on_eop(bs_handler *h, unal_state *u, uint32_t c);

/* Ends cur with a<cur>:why and removes its channel-state file. 0 or an I/O error. */
int unal_abort(bs_handler *h, unal_state *u, bs_abort_reason why);

/* Closes and removes the channel-state file (cleanup); 0 or the first I/O error. */
int unal_close_files(bs_handler *h, unal_state *u);

/* State capture (model checking): active, cur, resolved, the marked and closed sets, owed
 * and ahead per channel, then the channel-state file (present, number, size, bytes) and the
 * next file number; a canonical snapshot leaves out file numbers. unal_restore_from
 * replaces u's state (removing its current file, recreating the captured one); BS_ESTATE
 * for bytes that do not fit u's channels, an I/O error, or 0. */
int unal_snapshot_to(const bs_handler *h, const unal_state *u, unsigned flags, bs_buf *out);
int unal_restore_from(bs_handler *h, unal_state *u, bs_cursor *c);
/* Channel renaming (bs_strategy.relabel) of a canonical unal_snapshot_to for `channels`
 * channels, read from c: appended to out with the marked and closed sets renamed and the
 * per-channel counts moved to their new channels. 0, BS_ENOMEM, or BS_ESTATE when they
 * are not such bytes (a full snapshot included: its file numbers and bytes are not). */
int unal_relabel(bs_cursor *c, uint32_t channels, const uint32_t *perm, bs_buf *out);

/* The `unaligned` strategy's snapshot and restore (bs_strategy), also used by tests. */
int unaligned_snapshot(const bs_handler *h, unsigned flags, bs_buf *out);
int unaligned_restore(bs_handler *h, const uint8_t *snap, size_t len);

#endif
