/*
 * spill_int.h: the `spill` strategy's state, shared by spill.c (behaviour) and
 * spill_snapshot.c (state capture). Nothing else includes it.
 */
#ifndef BS_SPILL_INT_H
#define BS_SPILL_INT_H

#include "../bs_spill.h"
#include "align_int.h"

#define SPILL_NESTING_MAX (1u << 20)

typedef struct spill_state {
    align_state a;              /* the decision table's state: blocked set, cur, ... */
    bs_spiller spiller;
    bs_spill_seq *replay;       /* the sequence being replayed */
    bs_spill_seq **stack;       /* interrupted sequences, most recent last */
    size_t stack_len, stack_cap;
    uint64_t stacked_bytes;     /* full sizes of the interrupted sequences */
    char msg[224];
} spill_state;

/* Pushes an interrupted sequence; 0 or BS_ENOMEM (also past SPILL_NESTING_MAX). */
int spill_stack_push(spill_state *s, bs_spill_seq *seq);
/* Removes the replayed and interrupted sequences' files; the first error's message. */
int spill_drop_files(spill_state *s, char *msg, size_t msg_len);

int spill_snapshot(const bs_handler *h, unsigned flags, bs_buf *out);
int spill_restore(bs_handler *h, const uint8_t *snap, size_t len);
int spill_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                  bs_payload_relabel payload, void *ctx, bs_buf *out);

#endif
