/*
 * invariants.c: the one table of invariants. Adding an invariant = one file under
 * verify/invariants/ plus one line here. Order matters only for which violation is
 * reported first when several hold at once: the most basic come first.
 */
#include "verify_int.h"

extern const verify_invariant verify_after_end;
extern const verify_invariant verify_conservation;
extern const verify_invariant verify_fifo;
extern const verify_invariant verify_checkpoint_once;
extern const verify_invariant verify_trigger_order;
extern const verify_invariant verify_begin_order;
extern const verify_invariant verify_channel_state_inv;
extern const verify_invariant verify_exactly_once;
extern const verify_invariant verify_at_least_once;
extern const verify_invariant verify_progress;
extern const verify_invariant verify_spill_files;

const verify_invariant *const verify_invariants[] = {
    &verify_after_end,
    &verify_conservation,
    &verify_fifo,
    &verify_checkpoint_once,
    &verify_trigger_order,
    &verify_begin_order,
    &verify_channel_state_inv,
    &verify_exactly_once,
    &verify_at_least_once,
    &verify_progress,
    &verify_spill_files,
    NULL,
};
