/*
 * verify.h: invariant checking for one handler (DESIGN.md section 5), after every step.
 *
 * verify/ sees only the generated input and observations of the handler: which input item
 * the gate yields, what the handler returns (identified by payload, never by the handler's
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

#include "../core/barriersim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERIFY_VIOLATION 1

/* The guarantee a strategy claims; it selects the invariants that apply. */
typedef enum verify_guarantee {
    VERIFY_EXACTLY_ONCE,      /* spill, block, aligned-timeout */
    VERIFY_EXACTLY_ONCE_UNALIGNED, /* unaligned: checked at dK with its channel state */
    VERIFY_AT_LEAST_ONCE,     /* tracker */
} verify_guarantee;

typedef struct verify_item {
    bs_kind kind;
    uint32_t channel;
    uint64_t id;              /* barrier or cancel */
    uint32_t len;             /* data */
} verify_item;

typedef struct verify_config {
    uint32_t channels;
    const verify_item *items; /* the generated input, in gate order (copied) */
    size_t items_len;
    verify_guarantee guarantee;
    bool check_progress;      /* the gate yields items in input order (spill, tracker) */
} verify_config;

typedef struct verify verify;

/* Returns the guarantee of a built-in strategy by name; false when unknown. */
bool verify_guarantee_of(const char *strategy, verify_guarantee *out);

/* Allocates a checker; 0 or BS_ENOMEM. Free with verify_close. */
int verify_open(verify **out, const verify_config *cfg);
void verify_close(verify *v);

/* The gate is asked for input item `index` (items_len when it is exhausted). */
int verify_gate(verify *v, size_t index);
int verify_begin(verify *v, uint64_t id);
int verify_trigger(verify *v, uint64_t id);
int verify_abort(verify *v, uint64_t id, bs_abort_reason why);
int verify_channel_state(verify *v, uint64_t id, const bs_item *data);
int verify_done(verify *v, uint64_t id);
/* The handler returned `it`; *index is set to the input item it is (SIZE_MAX: unknown). */
int verify_returned(verify *v, const bs_item *it, size_t *index);
/* The handler reported the end of its input. */
int verify_end(verify *v);
/* After the handler was closed: `live_files` spill files still exist. */
int verify_cleanup(verify *v, uint64_t live_files);

bool verify_failed(const verify *v);
/* "step 12: exactly-once: ..." or "" */
const char *verify_message(const verify *v);

/* Payloads: bytes 0..7 hold the input number (little-endian), the rest a pattern derived
 * from it, so a returned buffer identifies its input item and any corruption shows. */
void verify_payload_fill(uint8_t *buf, uint32_t len, uint64_t index);
/* Returns true and sets *index when buf is an intact payload of `len` bytes. */
bool verify_payload_parse(const uint8_t *buf, uint32_t len, uint64_t *index);

#endif
