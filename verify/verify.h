/*
 * verify.h: invariant checking for one handler (DESIGN.md section 5), after every step.
 *
 * verify/ sees only the input and observations of the handler: each item the gate yields
 * (the input is learnt as it is generated, so simulations and the model checker can feed
 * it), what the handler returns (identified by payload, never by the handler's
 * bookkeeping), begins, triggers, aborts, channel state, the end, and live spill files
 * after cleanup. It never reads handler internals. Every observation function returns 0,
 * or VERIFY_VIOLATION for the first violated invariant; verify_message() then says which,
 * at which step, and the items involved. After a violation further observations are
 * ignored and return VERIFY_VIOLATION again.
 *
 * Each invariant lives in one file under verify/invariants/ and is registered in the table
 * of verify/invariants.c.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include "../core/bs_strategy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERIFY_VIOLATION 1

/* The guarantee a strategy claims (its descriptor's, bs_strategy.guarantee); it selects the
 * invariants that apply: with exactly-once an aligned checkpoint is checked at tK, one the
 * handler declared unaligned (verify_unaligned) at dK with its channel state. */
typedef bs_guarantee verify_guarantee;
#define VERIFY_EXACTLY_ONCE BS_GUARANTEE_EXACTLY_ONCE
#define VERIFY_AT_LEAST_ONCE BS_GUARANTEE_AT_LEAST_ONCE

typedef struct verify_item {
    bs_kind kind;
    uint32_t channel;
    uint64_t id;              /* barrier or cancel */
    uint32_t len;             /* data */
    uint64_t label;           /* the item's identity: unique per run, carried by a data
                                 payload, printed in traces (the input number) */
    uint32_t overtaken;       /* barrier or cancel: data items of its channel that precede
                                 it and are yielded after it (bs_item.overtaken) */
} verify_item;

typedef struct verify_config {
    uint32_t channels;
    verify_guarantee guarantee;
    bool check_progress;      /* the handler decides a checkpoint as soon as it has read
                                 everything that decides it (verify/invariants/progress.c) */
} verify_config;

typedef struct verify verify;

/* Allocates a checker; 0 or BS_ENOMEM. Free with verify_close. */
int verify_open(verify **out, const verify_config *cfg);
void verify_close(verify *v);
/* The checker's history per yielded data item, in bytes (its entry and its rank index). */
#define VERIFY_ITEM_BYTES 56
/* Bytes the checker holds on the heap now (its history grows with every item yielded:
 * about VERIFY_ITEM_BYTES per item); the simulator bounds a run's memory with it. */
size_t verify_bytes(const verify *v);

/* The handler asks the gate for an item (before the gate answers). */
int verify_gate(verify *v);
/* The gate yields `it` (the input is learnt as it is yielded). */
int verify_yield(verify *v, const verify_item *it);
int verify_begin(verify *v, uint64_t id);
/* The handler declared checkpoint `id` unaligned (before its trigger). */
int verify_unaligned(verify *v, uint64_t id);
int verify_trigger(verify *v, uint64_t id);
int verify_abort(verify *v, uint64_t id, bs_abort_reason why);
int verify_channel_state(verify *v, uint64_t id, const bs_item *data);
int verify_done(verify *v, uint64_t id);
/* The handler returned `it`; *label is set to the yielded item it is. */
int verify_returned(verify *v, const bs_item *it, uint64_t *label);
/* The handler reported the end of its input. */
int verify_end(verify *v);
/* After the handler was closed: `live_files` spill files still exist. */
int verify_cleanup(verify *v, uint64_t live_files);

/* Appends the checker's state to out, canonically: equal states give equal bytes whatever
 * the order in which channels interleaved (the step count is left out). 0 or BS_ENOMEM. */
int verify_snapshot(const verify *v, bs_buf *out);
/* Replaces the state of v (same configuration) with a snapshot; 0, BS_ESTATE or BS_ENOMEM. */
int verify_restore(verify *v, const uint8_t *snap, size_t len);
/* Makes dst, opened with src's configuration, an exact copy of src (every field, the
 * arrays deep-copied into dst's own memory): the model checker steps several transitions
 * from one restored state and copies it back instead of restoring it again. 0, or
 * BS_ENOMEM with dst reset to an empty checker. */
int verify_copy(verify *dst, const verify *src);
/* The model checker's identity of the checker's state: as verify_snapshot, or with
 * VERIFY_SNAP_FORGETTING what settled checkpoints (ended, or below the largest id begun
 * without having begun) leave behind is left out (their records but the largest begun
 * id's, how that one ended; their markers b<k> and x<k>, with the other items' positions
 * numbered without them; a last trigger above no open checkpoint), which no continuation
 * can tell apart (snapshot.c, FORGETTING ENDED CHECKPOINTS).
 * Such a snapshot names a state; verify_restore refuses it (BS_ESTATE). 0 or BS_ENOMEM. */
#define VERIFY_SNAP_FORGETTING 1u
int verify_snapshot_identity(const verify *v, unsigned flags, bs_buf *out);
/* Appends to out the snapshot `snap` (verify_snapshot_identity's, `channels` channels) with every
 * channel c renamed perm[c]: the checker's state had every item of channel c been yielded
 * on channel perm[c] (labels naming channel c in their high half name perm[c]). The
 * checker's decisions depend on which channel an item came from, never on its number, so
 * renaming commutes with every observation. At most VERIFY_RELABEL_CHANNELS_MAX channels.
 * 0, BS_ENOMEM or BS_ESTATE. */
#define VERIFY_RELABEL_CHANNELS_MAX 64u
int verify_snapshot_relabel(const uint8_t *snap, size_t len, uint32_t channels, const uint32_t *perm,
                            bs_buf *out);
/* A key per channel of a snapshot that does not depend on the channel's number: channels
 * whose keys differ are in different states (equal keys prove nothing). 0 or an error. */
int verify_snapshot_channel_keys(const uint8_t *snap, size_t len, uint32_t channels, uint64_t *keys);
/* The same two from the live checker, without a snapshot to read: verify_snapshot_renamed
 * appends exactly verify_snapshot_relabel(verify_snapshot_identity(v, flags), perm);
 * verify_channel_keys gives exactly
 * verify_snapshot_channel_keys(verify_snapshot_identity(v, flags)). The model checker's
 * symmetry reduction writes the checker's part of a canonical state in one pass with them.
 * 0, BS_ENOMEM, or BS_ESTATE (more than VERIFY_RELABEL_CHANNELS_MAX channels). */
int verify_snapshot_renamed(const verify *v, const uint32_t *perm, unsigned flags, bs_buf *out);
int verify_channel_keys(const verify *v, unsigned flags, uint64_t *keys);

bool verify_failed(const verify *v);
/* "step 12: exactly-once: ..." or "" */
const char *verify_message(const verify *v);

/* Payloads: bytes 0..7 hold the item's label (little-endian), the rest a pattern derived
 * from it, so a returned buffer identifies its item and any corruption shows. */
void verify_payload_fill(uint8_t *buf, uint32_t len, uint64_t label);
/* Returns true and sets *label when buf is an intact payload of `len` bytes. */
bool verify_payload_parse(const uint8_t *buf, uint32_t len, uint64_t *label);

#endif
