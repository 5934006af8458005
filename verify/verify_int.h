/*
 * verify_int.h: the checker's shared state and the invariant interface. Only verify/
 * includes it. verify.c keeps the bookkeeping that several invariants read (what was
 * returned, where each barrier stands in the input); invariants only read it and report.
 */
#ifndef VERIFY_INT_H
#define VERIFY_INT_H

#include "verify.h"

#include <stdio.h>
#include <stdlib.h>

#define VERIFY_NONE SIZE_MAX

/* A programmer error inside verify/: print where and abort. */
#define BS_ASSERT_VERIFY(cond)                                                            \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "barriersim: BUG: %s:%d: assertion failed: %s\n", __FILE__,   \
                    __LINE__, #cond);                                                     \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

typedef struct verify_marker {  /* a barrier or cancel, first occurrence per (channel, id, kind) */
    uint64_t id;
    size_t index;
    bs_kind kind;
} verify_marker;

typedef struct verify_channel {
    size_t *data;               /* input indices of the channel's data items, ascending */
    size_t data_len;
    verify_marker *markers;     /* sorted by id, then index */
    size_t markers_len;
    size_t eop;                 /* input index of the eop, or VERIFY_NONE */
    size_t returned_count;      /* data items returned */
    size_t returned_prefix;     /* how many of data[0..] are returned without a gap */
    size_t last_returned;       /* input index of the last returned item, or VERIFY_NONE */
    bool eop_returned;
    bool eop_yielded;           /* the gate has yielded the eop: the handler consumed it */
} verify_channel;

typedef struct verify_ckpt {
    uint64_t id;
    bool used, begun, ended, triggered;
    size_t resolved_at;         /* input index by which every channel delivered b/x/eop */
} verify_ckpt;

struct verify {
    verify_config cfg;
    verify_item *items;
    bool *returned;
    verify_channel *ch;
    verify_ckpt *ckpts;         /* open addressing by id */
    size_t ckpts_cap, ckpts_len;
    uint64_t step;
    bool ended;
    bool have_trigger;
    uint64_t last_trigger;
    uint64_t *open_ids;         /* begun, not yet ended, in begin order */
    size_t open_len, open_cap;
    const struct verify_invariant *active[32];
    size_t active_len;
    bool failed;
    char msg[768];
};

/* Bookkeeping helpers (verify.c). */
verify_ckpt *verify_ckpt_get(verify *v, uint64_t id); /* NULL on out of memory */
size_t verify_first_marker(const verify_channel *c, uint64_t id, bs_kind kind);
size_t verify_data_before(const verify_channel *c, size_t index);
int verify_fail(verify *v, const char *invariant, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "3 (1:d)" style description of input item i. */
const char *verify_item_str(const verify *v, size_t i, char *buf, size_t len);

/* An invariant: every hook may be NULL; each returns 0 or VERIFY_VIOLATION. Hooks run
 * BEFORE verify.c updates its bookkeeping for the observation, so they see the state as
 * it was (an item returned twice is still marked returned by its first return). */
typedef struct verify_invariant {
    const char *name;
    bool (*applies)(const verify_config *cfg);
    int (*on_gate)(verify *v, size_t index);
    int (*on_begin)(verify *v, uint64_t id);
    int (*on_trigger)(verify *v, uint64_t id);
    int (*on_abort)(verify *v, uint64_t id, bs_abort_reason why);
    int (*on_done)(verify *v, uint64_t id);
    int (*on_return)(verify *v, size_t index);
    int (*on_end)(verify *v);
    int (*on_cleanup)(verify *v, uint64_t live_files);
} verify_invariant;

extern const verify_invariant *const verify_invariants[];

#endif
