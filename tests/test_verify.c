/*
 * test_verify.c: rules of the checker itself that the scenario suite cannot pin: its state
 * is canonical (independent of how channels interleaved), survives snapshot and restore,
 * and each invariant reports the first violation with the step and the items involved.
 */
#include "bs_test.h"

#include "../verify/verify.h"

#include <string.h>

static verify *open_checker(uint32_t channels, verify_guarantee g)
{
    verify_config cfg = {channels, g, true};
    verify *v;
    cr_assert_eq(verify_open(&v, &cfg), 0);
    return v;
}

static void yield(verify *v, bs_kind kind, uint32_t channel, uint64_t id, uint64_t label)
{
    verify_item it = {kind, channel, id, 16, label, 0};
    cr_assert_eq(verify_gate(v), 0, "%s", verify_message(v));
    cr_assert_eq(verify_yield(v, &it), 0, "%s", verify_message(v));
}

static int give_back(verify *v, uint32_t channel, uint64_t label)
{
    uint8_t payload[16];
    verify_payload_fill(payload, sizeof payload, label);
    bs_item it = {BS_DATA, channel, 0, 0, 0, sizeof payload, payload, 0};
    uint64_t got;
    int rc = verify_returned(v, &it, &got);
    cr_assert(rc || got == label);
    return rc;
}

static void snap(const verify *v, bs_buf *out)
{
    out->len = 0;
    cr_assert_eq(verify_snapshot(v, out), 0);
}

BS_TEST(verify, its_state_does_not_depend_on_how_channels_interleave)
{
    verify *a = open_checker(2, VERIFY_EXACTLY_ONCE), *b = open_checker(2, VERIFY_EXACTLY_ONCE);
    yield(a, BS_DATA, 0, 0, 100);
    yield(a, BS_DATA, 1, 0, 101);
    give_back(a, 0, 100);
    yield(b, BS_DATA, 1, 0, 101);
    yield(b, BS_DATA, 0, 0, 100);
    give_back(b, 0, 100);
    bs_buf sa = {0}, sb = {0};
    snap(a, &sa);
    snap(b, &sb);
    cr_assert(sa.len == sb.len && memcmp(sa.p, sb.p, sa.len) == 0);
    bs_buf_free(&sa);
    bs_buf_free(&sb);
    verify_close(a);
    verify_close(b);
}

BS_TEST(verify, a_restored_checker_decides_as_the_original)
{
    verify *v = open_checker(2, VERIFY_EXACTLY_ONCE);
    yield(v, BS_BARRIER, 0, 1, 0);
    cr_assert_eq(verify_begin(v, 1), 0);
    yield(v, BS_DATA, 0, 0, 1);
    bs_buf s = {0}, again = {0};
    snap(v, &s);
    verify *w = open_checker(2, VERIFY_EXACTLY_ONCE);
    cr_assert_eq(verify_restore(w, s.p, s.len), 0);
    snap(w, &again);
    cr_assert(s.len == again.len && memcmp(s.p, again.p, s.len) == 0);
    /* Returning item 1 (after b1 on channel 0) before t1 must break exactly-once in both. */
    verify *both[2] = {v, w};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(give_back(both[i], 0, 1), 0);
        yield(both[i], BS_BARRIER, 1, 1, 2);
        cr_assert_eq(verify_trigger(both[i], 1), VERIFY_VIOLATION);
        cr_assert(strstr(verify_message(both[i]), "exactly-once: t1: item 1 (0:d) was returned before the trigger"),
                  "%s", verify_message(both[i]));
    }
    cr_assert_eq(verify_restore(w, s.p, s.len / 2), BS_ESTATE);
    bs_buf_free(&s);
    bs_buf_free(&again);
    verify_close(v);
    verify_close(w);
}

/* FORGETTING ENDED CHECKPOINTS (verify/snapshot.c): two checkers that differ only in the
 * marker channel 1 delivered for checkpoint 1, aborted (x1 before the abort, or b1 after
 * it), have different full snapshots and the same identity; every later observation naming checkpoint 1 is a
 * violation in both, every other one decides alike; the identity cannot be restored. */
static verify *ended_one_way(bool cancelled)
{
    verify *v = open_checker(2, VERIFY_EXACTLY_ONCE);
    yield(v, BS_DATA, 0, 0, (uint64_t)0 << 32 | 0);
    cr_assert_eq(give_back(v, 0, (uint64_t)0 << 32 | 0), 0);
    yield(v, BS_BARRIER, 0, 1, (uint64_t)0 << 32 | 1);
    cr_assert_eq(verify_begin(v, 1), 0);
    if (cancelled)
        yield(v, BS_CANCEL, 1, 1, (uint64_t)1 << 32 | 0);
    cr_assert_eq(verify_abort(v, 1, cancelled ? BS_ABORT_CANCELLED : BS_ABORT_LIMIT), 0, "%s", verify_message(v));
    if (!cancelled)
        yield(v, BS_BARRIER, 1, 1, (uint64_t)1 << 32 | 0);
    return v;
}

/* a and b have different full snapshots and one identity (VERIFY_SNAP_FORGETTING); b's
 * full snapshot into *fb and the identity into *ia when they are not NULL. */
static void expect_one_identity(const verify *a, const verify *b, bs_buf *fb, bs_buf *ia)
{
    bs_buf fa_ = {0}, fb_ = {0}, ia_ = {0}, ib_ = {0};
    snap(a, &fa_);
    snap(b, &fb_);
    cr_assert(fa_.len != fb_.len || memcmp(fa_.p, fb_.p, fa_.len) != 0, "the full snapshots tell them apart");
    cr_assert_eq(verify_snapshot_identity(a, VERIFY_SNAP_FORGETTING, &ia_), 0);
    cr_assert_eq(verify_snapshot_identity(b, VERIFY_SNAP_FORGETTING, &ib_), 0);
    cr_assert(ia_.len == ib_.len && memcmp(ia_.p, ib_.p, ia_.len) == 0, "the identities are equal");
    bs_buf_free(&fa_);
    bs_buf_free(&ib_);
    if (fb)
        *fb = fb_;
    else
        bs_buf_free(&fb_);
    if (ia)
        *ia = ia_;
    else
        bs_buf_free(&ia_);
}

BS_TEST(verify, how_an_ended_checkpoint_ended_is_left_out_of_the_identity)
{
    verify *a = ended_one_way(false), *b = ended_one_way(true);
    bs_buf fb, ia;
    expect_one_identity(a, b, &fb, &ia);
    verify *w = open_checker(2, VERIFY_EXACTLY_ONCE);
    cr_assert_eq(verify_restore(w, ia.p, ia.len), BS_ESTATE, "an identity is not a snapshot");
    cr_assert_eq(verify_restore(w, fb.p, fb.len), 0);
    verify *both[3] = {a, b, w};
    for (int i = 0; i < 3; i++) { /* the same continuation, the same verdicts */
        yield(both[i], BS_DATA, 0, 0, (uint64_t)0 << 32 | 2);
        cr_assert_eq(give_back(both[i], 0, (uint64_t)0 << 32 | 2), 0, "%s", verify_message(both[i]));
        cr_assert_eq(verify_trigger(both[i], 1), VERIFY_VIOLATION, "checker %d: t1 after a1", i);
    }
    bs_buf_free(&fb);
    bs_buf_free(&ia);
    verify_close(a);
    verify_close(b);
    verify_close(w);
}

/* The last trigger: t1 then a2, or t1 then t2, leave last triggers 1 and 2 with both
 * checkpoints ended; no trigger can tell them apart (t1 and t2 fail in both, t3 passes in
 * both), so their identities are equal, and t2 and t3 decide alike. */
static verify *two_ended(bool second_triggers)
{
    verify *v = open_checker(1, VERIFY_EXACTLY_ONCE);
    for (uint64_t k = 1; k <= 2; k++) {
        yield(v, BS_BARRIER, 0, k, k);
        cr_assert_eq(verify_begin(v, k), 0);
        cr_assert_eq(k == 2 && !second_triggers ? verify_abort(v, k, BS_ABORT_LIMIT) : verify_trigger(v, k), 0, "%s",
                     verify_message(v));
    }
    return v;
}

BS_TEST(verify, a_last_trigger_below_ended_checkpoints_only_is_one_identity)
{
    verify *a = two_ended(false), *b = two_ended(true);
    bs_buf ia = {0}, ib = {0};
    cr_assert_eq(verify_snapshot_identity(a, VERIFY_SNAP_FORGETTING, &ia), 0);
    cr_assert_eq(verify_snapshot_identity(b, VERIFY_SNAP_FORGETTING, &ib), 0);
    cr_assert(ia.len == ib.len && memcmp(ia.p, ib.p, ia.len) == 0, "the identities are equal");
    verify *both[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(verify_trigger(both[i], 2), VERIFY_VIOLATION, "checker %d: t2 again", i);
    }
    verify *c = two_ended(false), *d = two_ended(true);
    both[0] = c, both[1] = d;
    for (int i = 0; i < 2; i++) {
        yield(both[i], BS_BARRIER, 0, 3, 3);
        cr_assert_eq(verify_begin(both[i], 3), 0);
        cr_assert_eq(verify_trigger(both[i], 3), 0, "checker %d: %s", i, verify_message(both[i]));
    }
    bs_buf_free(&ia);
    bs_buf_free(&ib);
    verify_close(a);
    verify_close(b);
    verify_close(c);
    verify_close(d);
}

BS_TEST(verify, progress_flags_a_checkpoint_left_open_after_it_is_resolved)
{
    verify *v = open_checker(2, VERIFY_EXACTLY_ONCE);
    yield(v, BS_EOP, 0, 0, 0);
    yield(v, BS_BARRIER, 1, 1, 1);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_gate(v), VERIFY_VIOLATION);
    cr_assert(strstr(verify_message(v), "step 6: progress: checkpoint 1 is still open"), "%s", verify_message(v));
    verify_close(v);
}

BS_TEST(verify, an_item_after_its_channels_eop_is_refused)
{
    verify *v = open_checker(1, VERIFY_AT_LEAST_ONCE);
    yield(v, BS_EOP, 0, 0, 0);
    verify_item it = {BS_DATA, 0, 0, 16, 1, 0};
    cr_assert_eq(verify_yield(v, &it), VERIFY_VIOLATION);
    cr_assert(strstr(verify_message(v), "after its eop"));
    verify_close(v);
}

BS_TEST(verify, a_checkpoint_that_ends_twice_or_never_began_is_reported)
{
    verify *v = open_checker(1, VERIFY_EXACTLY_ONCE);
    cr_assert_eq(verify_abort(v, 3, BS_ABORT_CANCELLED), VERIFY_VIOLATION);
    cr_assert(strstr(verify_message(v), "checkpoint-once: a3 ends checkpoint 3, which never began"), "%s", verify_message(v));
    verify_close(v);
    v = open_checker(1, VERIFY_EXACTLY_ONCE);
    yield(v, BS_CANCEL, 0, 3, 0);
    cr_assert_eq(verify_begin(v, 3), 0);
    cr_assert_eq(verify_abort(v, 3, BS_ABORT_CANCELLED), 0);
    cr_assert_eq(verify_abort(v, 3, BS_ABORT_SUBSUMED), VERIFY_VIOLATION);
    cr_assert(strstr(verify_message(v), "a second time"), "%s", verify_message(v));
    verify_close(v);
}

BS_TEST(verify, triggers_must_increase)
{
    verify *v = open_checker(1, VERIFY_AT_LEAST_ONCE);
    yield(v, BS_BARRIER, 0, 1, 0);
    yield(v, BS_BARRIER, 0, 2, 1);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_begin(v, 2), 0);
    cr_assert_eq(verify_trigger(v, 2), 0);
    cr_assert_eq(verify_trigger(v, 1), VERIFY_VIOLATION);
    cr_assert(strstr(verify_message(v), "trigger-order: t1 after t2"), "%s", verify_message(v));
    verify_close(v);
}

BS_TEST(verify, checkpoints_begin_in_increasing_order)
{
    verify *v = open_checker(1, VERIFY_AT_LEAST_ONCE);
    yield(v, BS_BARRIER, 0, 2, 0);
    cr_assert_eq(verify_begin(v, 2), 0);
    cr_assert_eq(verify_trigger(v, 2), 0);
    cr_assert_eq(verify_begin(v, 3), 0, "a larger id begins");
    cr_assert_eq(verify_begin(v, 1), VERIFY_VIOLATION);
    cr_assert(strstr(verify_message(v), "begin-order: checkpoint 1 began after checkpoint 3"), "%s", verify_message(v));
    verify_close(v);
    verify *w = open_checker(1, VERIFY_AT_LEAST_ONCE); /* the same id: checkpoint-once's */
    cr_assert_eq(verify_begin(w, 2), 0);
    cr_assert_eq(verify_begin(w, 2), VERIFY_VIOLATION);
    cr_assert(strstr(verify_message(w), "checkpoint-once: checkpoint 2 began twice"), "%s", verify_message(w));
    verify_close(w);
}

/* A checkpoint below the largest id begun that never began is settled like an ended one
 * (FORGETTING ENDED CHECKPOINTS): b1 then b2 begun and aborted in turn, or b2 alone
 * (channel 1 lost b1: --skip), leave checkers whose full snapshots differ and whose
 * identities are equal; t1, a1 and b1 fail in both, and checkpoint 3 goes alike. */
static verify *skipped_or_ended(bool skipped)
{
    verify *v = open_checker(2, VERIFY_EXACTLY_ONCE);
    if (!skipped) {
        yield(v, BS_BARRIER, 0, 1, (uint64_t)0 << 32 | 0);
        cr_assert_eq(verify_begin(v, 1), 0);
    }
    yield(v, BS_BARRIER, 1, 2, (uint64_t)1 << 32 | 0);
    if (!skipped)
        cr_assert_eq(verify_abort(v, 1, BS_ABORT_SUBSUMED), 0, "%s", verify_message(v));
    cr_assert_eq(verify_begin(v, 2), 0, "%s", verify_message(v));
    cr_assert_eq(verify_abort(v, 2, BS_ABORT_CANCELLED), 0, "%s", verify_message(v));
    return v;
}

BS_TEST(verify, a_checkpoint_skipped_below_the_largest_begun_is_settled_like_an_ended_one)
{
    verify *a = skipped_or_ended(false), *b = skipped_or_ended(true);
    expect_one_identity(a, b, NULL, NULL);
    int (*const fails[])(verify *, uint64_t) = {verify_trigger, verify_begin, verify_unaligned};
    for (size_t f = 0; f < 3; f++) {
        verify *x = skipped_or_ended(false), *y = skipped_or_ended(true);
        cr_assert_eq(fails[f](x, 1), VERIFY_VIOLATION, "observation %zu of checkpoint 1, ended", f);
        cr_assert_eq(fails[f](y, 1), VERIFY_VIOLATION, "observation %zu of checkpoint 1, never begun", f);
        verify_close(x);
        verify_close(y);
    }
    verify *both[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(verify_abort(both[i], 1, BS_ABORT_LIMIT), VERIFY_VIOLATION, "checker %d: a1", i);
        verify *v = skipped_or_ended(i == 1);
        yield(v, BS_BARRIER, 0, 3, (uint64_t)0 << 32 | (i == 1 ? 0 : 1));
        yield(v, BS_BARRIER, 1, 3, (uint64_t)1 << 32 | 1);
        cr_assert_eq(verify_begin(v, 3), 0, "checker %d: %s", i, verify_message(v));
        cr_assert_eq(verify_trigger(v, 3), 0, "checker %d: %s", i, verify_message(v));
        verify_close(v);
    }
    verify_close(a);
    verify_close(b);
}

BS_TEST(verify, a_corrupted_payload_is_no_input_item)
{
    verify *v = open_checker(1, VERIFY_AT_LEAST_ONCE);
    yield(v, BS_DATA, 0, 0, 7);
    uint8_t payload[16];
    verify_payload_fill(payload, sizeof payload, 7);
    payload[12] ^= 1;
    bs_item it = {BS_DATA, 0, 0, 0, 0, sizeof payload, payload, 0};
    uint64_t label;
    cr_assert_eq(verify_returned(v, &it, &label), VERIFY_VIOLATION);
    cr_assert(strstr(verify_message(v), "conservation: the handler returned data on channel 0"), "%s", verify_message(v));
    verify_close(v);
}
