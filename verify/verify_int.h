/*
 * verify_int.h: the checker's state and the invariant interface. Only verify/ includes it.
 * verify.c keeps the bookkeeping that several invariants read (what each channel yielded
 * and what was returned, where each checkpoint stands); invariants only read it and report.
 *
 * Items are kept per channel in the order the channel yielded them (position 0, 1, ...),
 * so the state does not depend on how channels interleaved: that is what makes it
 * canonical for the model checker.
 */
#ifndef VERIFY_INT_H
#define VERIFY_INT_H

#include "verify.h"

#include "../core/bs_assert.h"

#include <stdio.h>
#include <stdlib.h>

#define VERIFY_NONE SIZE_MAX

typedef struct verify_entry {   /* one yielded item of a channel */
    bs_kind kind;
    bool returned;
    bool pending;               /* a data item an overtaking marker announced, not yet
                                   yielded (its label and length are unknown until then,
                                   unless it was pre-reported) */
    uint64_t cs_id;             /* data reported as channel state of this checkpoint; 0: none.
                                   On a pending entry: pre-reported (a handler persisting
                                   overtaken data at the barrier, through the gate's peek);
                                   label and len then hold what the report named, and the
                                   yield that fills the entry must bring that item */
    uint32_t len;
    uint64_t id;
    uint64_t label;
    size_t data_before;         /* data items before it on the channel */
} verify_entry;

typedef struct verify_marker {  /* first b<id> or x<id> of a channel */
    uint64_t id;
    size_t pos;
    bs_kind kind;
} verify_marker;

typedef struct verify_channel {
    verify_entry *items;        /* in the order the channel yielded them */
    size_t len, cap;
    size_t *data_pos;           /* position of each data item, by rank */
    size_t data_len, data_cap;
    verify_marker *markers;
    size_t markers_len, markers_cap;
    size_t eop;                 /* position of the eop, or VERIFY_NONE */
    size_t pending_first;       /* first pending entry, or VERIFY_NONE */
    size_t pending_count;       /* pending entries (they are filled in order) */
    size_t returned_count;      /* data items returned */
    size_t returned_prefix;     /* how many of the first data items are returned, no gap */
    size_t last_returned;       /* position of the last returned item, or VERIFY_NONE */
    bool eop_returned;
} verify_channel;

typedef struct verify_ckpt {
    uint64_t id;
    bool used, begun, ended, triggered;
    bool unaligned;             /* declared unaligned: ends with d<id> or an abort */
    uint32_t marked;            /* channels that yielded b<id> or x<id> */
    uint32_t closed;            /* channels that yielded eop without b<id> or x<id> */
} verify_ckpt;

typedef struct verify_unal_channel { /* channel k of a triggered unaligned checkpoint */
    size_t count_at_trigger;    /* data items returned before the trigger */
    size_t prefix_at_trigger;   /* returned_prefix then */
    size_t last_at_trigger;     /* last_returned then (VERIFY_NONE: nothing) */
    size_t cs_count;            /* data reported as its channel state */
    size_t cs_rank_max;         /* highest data rank among them (VERIFY_NONE: none) */
} verify_unal_channel;

typedef struct verify_unal {    /* an unaligned checkpoint triggered and not ended */
    uint64_t id;
    verify_unal_channel *ch;    /* one per channel */
} verify_unal;

struct verify {
    verify_config cfg;
    verify_channel *ch;
    uint32_t channels_closed;
    verify_ckpt *ckpts;         /* open addressing by id */
    size_t ckpts_cap, ckpts_len;
    uint64_t *open_ids;         /* begun, not yet ended, in begin order */
    verify_unal *unal;          /* unaligned checkpoints triggered and not ended */
    size_t unal_len, unal_cap;
    uint32_t cs_pending_channel; /* channel state reported for an item not yet returned: */
    size_t cs_pending;          /* its position (VERIFY_NONE: none); it must be returned next */
    size_t open_len, open_cap;
    uint64_t step;
    bool ended;
    bool have_trigger;
    uint64_t last_trigger;
    uint64_t begun_max;         /* the largest id begun (0: none; ids start at 1) */
    const struct verify_invariant *active[32];
    size_t active_len;
    bool failed;
    char msg[768];
};

/* Bookkeeping helpers (verify.c). */
verify_ckpt *verify_ckpt_get(verify *v, uint64_t id); /* NULL on out of memory */
verify_ckpt *verify_ckpt_find(const verify *v, uint64_t id); /* NULL when unknown */
/* Position of the channel's first b<id> (kind BS_BARRIER) or x<id>; VERIFY_NONE if none. */
size_t verify_first_marker(const verify_channel *c, uint64_t id, bs_kind kind);
/* The data items of channel c that must be returned by t<id>: those before its first
 * b<id>, or all of them after its eop; VERIFY_NONE when it yielded neither. *barrier is
 * the b<id>'s position or VERIFY_NONE. */
size_t verify_expected_before(const verify_channel *c, uint64_t id, size_t *barrier);
/* As verify_expected_before for channel k at t<id>, reporting a violation of `invariant`
 * (and returning VERIFY_NONE) when the channel delivered neither b<id> nor its eop. */
size_t verify_expected_at_trigger(verify *v, const char *invariant, uint64_t id, uint32_t k, size_t *barrier);
/* True when every channel yielded b<id>, x<id> or its eop. */
bool verify_resolved(const verify *v, const verify_ckpt *ck);
/* Records a yielded item (0, BS_ENOMEM, VERIFY_VIOLATION when it fills a pre-reported
 * entry with another item (reported), or BS_ESTATE
 * for an item that contradicts the overtaken counts of earlier markers: an eop or a
 * marker announcing fewer queued data items than are still pending on its channel). A
 * marker with it->overtaken = n is placed after the n data items of its channel that the
 * gate yields later (pending entries, filled in order by the next data yields). */
int verify_note_yield(verify *v, const verify_item *it);
/* The pending entry of channel c a channel-state report of id names (a pre-report): the
 * first pending entry not pre-reported for id yet. True with its position; false when
 * every pending entry of c is pre-reported for id already (or none is pending). */
bool verify_placeholder_for(const verify *v, uint32_t c, uint64_t id, size_t *pos);
/* Appends one pending entry to channel k (restoring a snapshot); 0 or BS_ENOMEM. */
int verify_note_pending(verify *v, uint32_t k);
/* The record of an unaligned checkpoint triggered and not ended; NULL when none. */
verify_unal *verify_unal_find(const verify *v, uint64_t id);
/* Creates the record of unaligned checkpoint id at its trigger; NULL on out of memory. */
verify_unal *verify_unal_add(verify *v, uint64_t id);
void verify_unal_remove(verify *v, uint64_t id);
/* The data rank of the item at pos of channel c (data items before it). */
static inline size_t verify_rank(const verify_channel *c, size_t pos) { return c->items[pos].data_before; }
/* Identifies a returned or reported data item by payload: true with its position. */
bool verify_identify(const verify *v, const bs_item *it, size_t *pos);
/* Finds a yielded data item of channel c by label: true with its position. */
bool verify_where_find(const verify *v, uint32_t c, uint64_t label, size_t *pos);
int verify_fail(verify *v, const char *invariant, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "3 (1:d)" style description of the item at `pos` of channel `c`. */
const char *verify_item_str(const verify *v, uint32_t c, size_t pos, char *buf, size_t len);

/* An invariant: every hook may be NULL; each returns 0 or VERIFY_VIOLATION. Hooks run
 * BEFORE verify.c updates its bookkeeping for the observation, so they see the state as
 * it was (an item returned twice is still marked returned by its first return). */
typedef struct verify_invariant {
    const char *name;
    bool (*applies)(const verify_config *cfg);
    int (*on_gate)(verify *v);
    int (*on_begin)(verify *v, uint64_t id);
    int (*on_trigger)(verify *v, uint64_t id);
    int (*on_abort)(verify *v, uint64_t id, bs_abort_reason why);
    int (*on_done)(verify *v, uint64_t id);
    int (*on_unaligned)(verify *v, uint64_t id);
    /* channel state of id reported for the data item at pos of channel */
    int (*on_channel_state)(verify *v, uint64_t id, uint32_t channel, size_t pos);
    int (*on_return)(verify *v, uint32_t channel, size_t pos);
    int (*on_end)(verify *v);
    int (*on_cleanup)(verify *v, uint64_t live_files);
} verify_invariant;

extern const verify_invariant *const verify_invariants[];

#endif
