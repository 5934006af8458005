/*
 * test_verify_unaligned.c: the checker's rules for unaligned checkpoints and overtaking
 * barriers, fed observations directly, so that each rule is seen to fail.
 */
#include "bs_test.h"

#include "../verify/verify.h"

#include <string.h>

static verify *checker(uint32_t channels)
{
    verify_config cfg = {channels, VERIFY_EXACTLY_ONCE, true};
    verify *v;
    cr_assert_eq(verify_open(&v, &cfg), 0);
    return v;
}

static int yield_n(verify *v, bs_kind kind, uint32_t channel, uint64_t id, uint64_t label, uint32_t overtaken)
{
    verify_item it = {kind, channel, id, 16, label, overtaken};
    int rc = verify_gate(v);
    return rc ? rc : verify_yield(v, &it);
}

static void yield(verify *v, bs_kind kind, uint32_t channel, uint64_t id, uint64_t label)
{
    cr_assert_eq(yield_n(v, kind, channel, id, label, 0), 0, "%s", verify_message(v));
}

static bs_item data(uint32_t channel, uint64_t label, uint8_t payload[16])
{
    verify_payload_fill(payload, 16, label);
    return (bs_item){.kind = BS_DATA, .channel = channel, .len = 16, .data = payload};
}

static int give_back(verify *v, uint32_t channel, uint64_t label)
{
    uint8_t p[16];
    bs_item it = data(channel, label, p);
    uint64_t got;
    return verify_returned(v, &it, &got);
}

static int state(verify *v, uint64_t id, uint32_t channel, uint64_t label)
{
    uint8_t p[16];
    bs_item it = data(channel, label, p);
    return verify_channel_state(v, id, &it);
}

/* Checkpoint 1 begun, declared unaligned and triggered by 0:b1 (label 10). */
static void start_unaligned(verify *v)
{
    yield(v, BS_BARRIER, 0, 1, 10);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    cr_assert_eq(verify_trigger(v, 1), 0, "%s", verify_message(v));
}

static void expect_violation(verify *v, int rc, const char *what)
{
    cr_assert_eq(rc, VERIFY_VIOLATION, "no violation; wanted %s", what);
    cr_assert(strstr(verify_message(v), what), "%s", verify_message(v));
    verify_close(v);
}

BS_TEST(verify_unaligned, a_correct_unaligned_checkpoint_passes)
{
    verify *v = checker(2);
    yield(v, BS_DATA, 1, 0, 1);
    cr_assert_eq(give_back(v, 1, 1), 0);
    start_unaligned(v);
    yield(v, BS_DATA, 1, 0, 2);
    cr_assert_eq(state(v, 1, 1, 2), 0, "%s", verify_message(v));
    cr_assert_eq(give_back(v, 1, 2), 0, "%s", verify_message(v));
    yield(v, BS_BARRIER, 1, 1, 11);
    cr_assert_eq(verify_done(v, 1), 0, "%s", verify_message(v));
    verify_close(v);
}

BS_TEST(verify_unaligned, an_item_neither_returned_before_the_trigger_nor_channel_state)
{
    verify *v = checker(2);
    yield(v, BS_DATA, 1, 0, 1);
    start_unaligned(v);
    yield(v, BS_DATA, 1, 0, 2);
    cr_assert_eq(state(v, 1, 1, 2), 0, "%s", verify_message(v));
    cr_assert_eq(give_back(v, 1, 2), 0, "%s", verify_message(v));
    yield(v, BS_BARRIER, 1, 1, 11);
    cr_assert_eq(verify_done(v, 1), VERIFY_VIOLATION); /* item 1 was never returned */
    verify_close(v);
}

BS_TEST(verify_unaligned, channel_state_of_a_checkpoint_not_declared_unaligned)
{
    verify *v = checker(2);
    yield(v, BS_BARRIER, 0, 1, 10);
    cr_assert_eq(verify_begin(v, 1), 0);
    yield(v, BS_DATA, 1, 0, 1);
    expect_violation(v, state(v, 1, 1, 1), "channel-state: c1: item 1 (1:d) reported as channel state of a checkpoint not declared unaligned");
}

BS_TEST(verify_unaligned, channel_state_before_the_trigger)
{
    verify *v = checker(2);
    yield(v, BS_BARRIER, 0, 1, 10);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    yield(v, BS_DATA, 1, 0, 1);
    expect_violation(v, state(v, 1, 1, 1), "reported as channel state before the trigger");
}

BS_TEST(verify_unaligned, channel_state_of_an_item_returned_before_the_trigger)
{
    verify *v = checker(2);
    yield(v, BS_DATA, 1, 0, 1);
    cr_assert_eq(give_back(v, 1, 1), 0);
    start_unaligned(v);
    expect_violation(v, state(v, 1, 1, 1), "was returned before t1, so it is no channel state");
}

BS_TEST(verify_unaligned, channel_state_reported_twice)
{
    verify *v = checker(2);
    start_unaligned(v);
    yield(v, BS_DATA, 1, 0, 1);
    cr_assert_eq(state(v, 1, 1, 1), 0);
    cr_assert_eq(give_back(v, 1, 1), 0);
    expect_violation(v, state(v, 1, 1, 1), "was already reported as channel state of 1");
}

BS_TEST(verify_unaligned, channel_state_must_be_returned_by_the_same_call)
{
    verify *v = checker(2);
    start_unaligned(v);
    yield(v, BS_DATA, 1, 0, 1);
    cr_assert_eq(state(v, 1, 1, 1), 0);
    expect_violation(v, verify_gate(v), "was reported as channel state but not returned before the handler read its gate again");
}

BS_TEST(verify_unaligned, done_without_the_channel_state_of_a_channel)
{
    verify *v = checker(2);
    start_unaligned(v);
    yield(v, BS_DATA, 1, 0, 1);
    cr_assert_eq(give_back(v, 1, 1), 0); /* returned after t1, not reported */
    yield(v, BS_BARRIER, 1, 1, 11);
    expect_violation(v, verify_done(v, 1), "exactly-once: d1: item 1 (1:d) precedes the barrier but is neither returned before the trigger nor channel state");
}

BS_TEST(verify_unaligned, channel_state_after_the_barrier)
{
    verify *v = checker(3); /* channel 2 keeps checkpoint 1 unresolved: progress stays quiet */
    start_unaligned(v);
    yield(v, BS_BARRIER, 1, 1, 11);
    yield(v, BS_DATA, 1, 0, 1);
    cr_assert_eq(state(v, 1, 1, 1), 0);
    cr_assert_eq(give_back(v, 1, 1), 0);
    expect_violation(v, verify_done(v, 1), "is channel state although it follows the barrier");
}

BS_TEST(verify_unaligned, done_for_an_aligned_checkpoint)
{
    verify *v = checker(1);
    yield(v, BS_BARRIER, 0, 1, 10);
    cr_assert_eq(verify_begin(v, 1), 0);
    expect_violation(v, verify_done(v, 1), "checkpoint-once: d1 ends checkpoint 1, which was not declared unaligned");
}

BS_TEST(verify_unaligned, an_unaligned_checkpoint_does_not_end_with_its_trigger)
{
    verify *v = checker(2);
    start_unaligned(v);
    expect_violation(v, verify_end(v), "end reported while checkpoint 1 is still open");
}

BS_TEST(verify_unaligned, at_an_unaligned_trigger_nothing_after_a_delivered_barrier_was_returned)
{
    verify *v = checker(2);
    yield(v, BS_BARRIER, 0, 1, 10);
    yield(v, BS_DATA, 0, 0, 1);
    cr_assert_eq(give_back(v, 0, 1), 0);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    expect_violation(v, verify_trigger(v, 1), "t1 (unaligned): item 1 (0:d) was returned before the trigger although it follows the barrier");
}

BS_TEST(verify_unaligned, an_overtaking_barrier_is_placed_after_the_data_it_overtook)
{
    verify *v = checker(1);
    cr_assert_eq(yield_n(v, BS_BARRIER, 0, 1, 10, 2), 0);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    cr_assert_eq(verify_trigger(v, 1), 0, "%s", verify_message(v));
    for (uint64_t label = 1; label <= 2; label++) {
        yield(v, BS_DATA, 0, 0, label);
        cr_assert_eq(state(v, 1, 0, label), 0, "%s", verify_message(v));
        cr_assert_eq(give_back(v, 0, label), 0, "%s", verify_message(v)); /* fifo accepts it */
    }
    cr_assert_eq(verify_done(v, 1), 0, "%s", verify_message(v));
    verify_close(v);
}

BS_TEST(verify_unaligned, an_eop_before_overtaken_data_is_refused)
{
    verify *v = checker(1);
    cr_assert_eq(yield_n(v, BS_BARRIER, 0, 1, 10, 1), 0);
    expect_violation(v, yield_n(v, BS_EOP, 0, 0, 11, 0), "input: item 11 on channel 0 contradicts the 1 data items");
}

BS_TEST(verify_unaligned, progress_waits_for_overtaken_data)
{
    verify *v = checker(1);
    cr_assert_eq(yield_n(v, BS_BARRIER, 0, 1, 10, 1), 0);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    cr_assert_eq(verify_trigger(v, 1), 0);
    cr_assert_eq(verify_gate(v), 0, "%s", verify_message(v)); /* the overtaken item is unread */
    verify_item it = {BS_DATA, 0, 0, 16, 1, 0};
    cr_assert_eq(verify_yield(v, &it), 0);
    expect_violation(v, verify_gate(v), "progress: checkpoint 1 is still open");
}

BS_TEST(verify_unaligned, snapshots_carry_pending_items_and_checkpoints_in_progress)
{
    verify *v = checker(2), *w = checker(2);
    yield(v, BS_DATA, 1, 0, 1);
    cr_assert_eq(give_back(v, 1, 1), 0);
    cr_assert_eq(yield_n(v, BS_BARRIER, 0, 1, 10, 2), 0);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    cr_assert_eq(verify_trigger(v, 1), 0);
    yield(v, BS_DATA, 0, 0, 2);
    cr_assert_eq(state(v, 1, 0, 2), 0);
    cr_assert_eq(give_back(v, 0, 2), 0);
    bs_buf a = {0}, b = {0};
    cr_assert_eq(verify_snapshot(v, &a), 0);
    cr_assert_eq(verify_restore(w, a.p, a.len), 0);
    cr_assert_eq(verify_snapshot(w, &b), 0);
    cr_assert(a.len == b.len && memcmp(a.p, b.p, a.len) == 0, "the restored state differs");
    /* both decide the rest alike: the second overtaken item is still missing at d1 */
    verify *both[] = {v, w};
    for (int i = 0; i < 2; i++) {
        yield(both[i], BS_BARRIER, 1, 1, 11);
        cr_assert_eq(verify_done(both[i], 1), VERIFY_VIOLATION);
        cr_assert(strstr(verify_message(both[i]), "d1: item ? (0:d, overtaken, not yet yielded)"), "%s",
                  verify_message(both[i]));
    }
    bs_buf_free(&a);
    bs_buf_free(&b);
    verify_close(v);
    verify_close(w);
}

/* 0:b1 (label 10) overtakes two data items; checkpoint 1 is triggered unaligned. */
static verify *overtaken_two(void)
{
    verify *v = checker(1);
    cr_assert_eq(yield_n(v, BS_BARRIER, 0, 1, 10, 2), 0);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    cr_assert_eq(verify_trigger(v, 1), 0, "%s", verify_message(v));
    return v;
}

BS_TEST(verify_unaligned, a_pre_report_of_overtaken_data_passes)
{
    verify *v = overtaken_two();
    /* persisted at the barrier, before the gate yields them: d1 need not wait */
    cr_assert_eq(state(v, 1, 0, 1), 0, "%s", verify_message(v));
    cr_assert_eq(state(v, 1, 0, 2), 0, "%s", verify_message(v));
    cr_assert_eq(verify_done(v, 1), 0, "%s", verify_message(v));
    for (uint64_t label = 1; label <= 2; label++) {
        yield(v, BS_DATA, 0, 0, label); /* not owed back before the next gate read */
        cr_assert_eq(give_back(v, 0, label), 0, "%s", verify_message(v));
    }
    cr_assert_eq(verify_gate(v), 0, "%s", verify_message(v));
    cr_assert_eq(verify_end(v), 0, "%s", verify_message(v));
    verify_close(v);
}

BS_TEST(verify_unaligned, a_pre_reported_item_reported_again_for_the_same_checkpoint_fails)
{
    verify *v = overtaken_two();
    cr_assert_eq(state(v, 1, 0, 1), 0, "%s", verify_message(v));
    yield(v, BS_DATA, 0, 0, 1);
    expect_violation(v, state(v, 1, 0, 1), "c1: item 1 (0:d) was already reported as channel state of 1");
}

BS_TEST(verify_unaligned, a_pre_report_of_the_wrong_item_fails_when_the_channel_yields)
{
    verify *v = overtaken_two();
    cr_assert_eq(state(v, 1, 0, 2), 0, "%s", verify_message(v)); /* the second, named first */
    cr_assert_eq(state(v, 1, 0, 1), 0, "%s", verify_message(v));
    expect_violation(v, yield_n(v, BS_DATA, 0, 0, 1, 0),
                     "channel state of 1 reported item 2 (0:d, 16 bytes) as overtaken, but the channel then yielded 1");
}

BS_TEST(verify_unaligned, a_pre_report_of_more_items_than_were_overtaken_fails)
{
    verify *v = overtaken_two();
    cr_assert_eq(state(v, 1, 0, 1), 0, "%s", verify_message(v));
    cr_assert_eq(state(v, 1, 0, 2), 0, "%s", verify_message(v));
    expect_violation(v, state(v, 1, 0, 3), "c1: the handler reported data on channel 0 (16 bytes) that was neither yielded nor overtaken");
}

BS_TEST(verify_unaligned, a_newer_checkpoint_may_pre_report_what_an_ended_one_did)
{
    verify *v = checker(2);
    cr_assert_eq(yield_n(v, BS_BARRIER, 0, 1, 10, 1), 0);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    cr_assert_eq(verify_trigger(v, 1), 0, "%s", verify_message(v));
    cr_assert_eq(state(v, 1, 0, 1), 0, "%s", verify_message(v));
    cr_assert_eq(yield_n(v, BS_BARRIER, 1, 2, 11, 0), 0);
    cr_assert_eq(verify_abort(v, 1, BS_ABORT_SUBSUMED), 0, "%s", verify_message(v));
    cr_assert_eq(verify_begin(v, 2), 0);
    cr_assert_eq(verify_unaligned(v, 2), 0);
    cr_assert_eq(verify_trigger(v, 2), 0, "%s", verify_message(v));
    cr_assert_eq(yield_n(v, BS_BARRIER, 0, 2, 12, 1), 0, "%s", verify_message(v));
    cr_assert_eq(state(v, 2, 0, 1), 0, "%s", verify_message(v)); /* the same item, for 2 */
    cr_assert_eq(verify_done(v, 2), 0, "%s", verify_message(v));
    yield(v, BS_DATA, 0, 0, 1);
    cr_assert_eq(give_back(v, 0, 1), 0, "%s", verify_message(v));
    verify_close(v);
}

BS_TEST(verify_unaligned, snapshots_carry_pre_reported_items)
{
    verify *v = overtaken_two(), *w = checker(1);
    cr_assert_eq(state(v, 1, 0, 1), 0, "%s", verify_message(v));
    bs_buf a = {0}, b = {0};
    cr_assert_eq(verify_snapshot(v, &a), 0);
    cr_assert_eq(verify_restore(w, a.p, a.len), 0);
    cr_assert_eq(verify_snapshot(w, &b), 0);
    cr_assert(a.len == b.len && memcmp(a.p, b.p, a.len) == 0, "the restored state differs");
    /* both know which item was named: another one filling the placeholder is caught */
    verify *both[] = {v, w};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(yield_n(both[i], BS_DATA, 0, 0, 7, 0), VERIFY_VIOLATION);
        cr_assert(strstr(verify_message(both[i]), "reported item 1 (0:d, 16 bytes) as overtaken, but the channel then yielded 7"),
                  "%s", verify_message(both[i]));
    }
    bs_buf_free(&a);
    bs_buf_free(&b);
    verify_close(v);
    verify_close(w);
}

/* The model checker writes the checker's part of a renamed state from the live checker
 * (verify_snapshot_renamed, verify_channel_keys): for every renaming of 3 channels it gives
 * exactly what renaming the snapshot's bytes gives, on a state with labels of every kind
 * (implied (channel << 32 | position), naming another channel, naming no channel), returned
 * items, a barrier, and an unaligned checkpoint whose per-channel records move. */
BS_TEST(verify_unaligned, a_state_renamed_live_is_the_snapshot_renamed)
{
    verify *v = checker(3);
    yield(v, BS_DATA, 0, 0, (uint64_t)0 << 32 | 0);  /* implied */
    yield(v, BS_DATA, 1, 0, (uint64_t)2 << 32 | 7);  /* names channel 2 */
    yield(v, BS_DATA, 2, 0, (uint64_t)9 << 32 | 1);  /* names no channel */
    cr_assert_eq(give_back(v, 0, 0), 0, "%s", verify_message(v));
    yield(v, BS_DATA, 2, 0, (uint64_t)2 << 32 | 1);  /* implied */
    cr_assert_eq(give_back(v, 2, (uint64_t)9 << 32 | 1), 0, "%s", verify_message(v));
    yield(v, BS_BARRIER, 1, 1, 40);
    cr_assert_eq(verify_begin(v, 1), 0);
    cr_assert_eq(verify_unaligned(v, 1), 0);
    cr_assert_eq(verify_trigger(v, 1), 0, "%s", verify_message(v));
    cr_assert_eq(state(v, 1, 1, (uint64_t)2 << 32 | 7), 0, "%s", verify_message(v));
    bs_buf snap = {0}, bytes = {0}, live = {0};
    static const unsigned flags[] = {0, VERIFY_SNAP_FORGETTING}; /* the full snapshot and the identity */
    for (size_t f = 0; f < 2; f++) {
        snap.len = 0;
        cr_assert_eq(verify_snapshot_identity(v, flags[f], &snap), 0);
        uint64_t kb[3], kl[3];
        cr_assert_eq(verify_snapshot_channel_keys(snap.p, snap.len, 3, kb), 0);
        cr_assert_eq(verify_channel_keys(v, flags[f], kl), 0);
        for (int k = 0; k < 3; k++)
            cr_assert_eq(kb[k], kl[k], "channel %d's key (flags %u)", k, flags[f]);
        cr_assert(kl[0] != kl[1] && kl[1] != kl[2] && kl[0] != kl[2]);
        static const uint32_t perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        for (int i = 0; i < 6; i++) {
            bytes.len = live.len = 0;
            cr_assert_eq(verify_snapshot_relabel(snap.p, snap.len, 3, perms[i], &bytes), 0);
            cr_assert_eq(verify_snapshot_renamed(v, perms[i], flags[f], &live), 0);
            cr_assert(bytes.len == live.len && memcmp(bytes.p, live.p, live.len) == 0, "renaming %d", i);
            cr_assert(i == 0 || memcmp(live.p, snap.p, snap.len) != 0, "renaming %d changed nothing", i);
        }
    }
    bs_buf_free(&snap);
    bs_buf_free(&bytes);
    bs_buf_free(&live);
    verify_close(v);
}
