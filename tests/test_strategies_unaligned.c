/*
 * test_strategies_unaligned.c: the `unaligned` strategy over a gate whose barriers
 * overtake queued data, with every observation checked; its channel-state files under
 * I/O faults; and planted bugs the checker must catch.
 */
#include "bs_test.h"
#include "planted/planted.h"
#include "prio_gate.h"

#include <string.h>

static pg_run unaligned_run_peek(const char *input, uint32_t channels, bool priority, bool peek)
{
    pg_run r = {.strategy = "unaligned", .channels = channels, .check = true, .priority = priority, .peek = peek};
    pg_run_input(&r, input);
    cr_assert_str_empty(r.violation, "%s | %s", r.violation, r.trace);
    cr_assert_str_empty(r.error, "%s", r.error);
    cr_assert_eq(r.live_files, 0);
    return r;
}

static pg_run unaligned_run(const char *input, uint32_t channels, bool priority)
{
    return unaligned_run_peek(input, channels, priority, false);
}

/* 0:b1 (2) overtakes 0:d (0) and 0:d (1); 1:b1 (4) overtakes 1:d (3). */
#define OVERTAKING "0:d 0:d 0:b1 1:d 1:b1 0:eop 1:eop"

BS_TEST(unaligned, barriers_overtake_queued_data_which_becomes_channel_state)
{
    pg_run r = unaligned_run(OVERTAKING, 2, true);
    cr_assert_str_eq(r.trace, "t1 c1:0 0 c1:1 1 c1:3 d1 3 5 6 end");
    cr_assert_eq(r.files_created, 1); /* one channel-state file for checkpoint 1 */
}

BS_TEST(unaligned, without_a_priority_read_barriers_wait_their_turn)
{
    pg_run r = unaligned_run(OVERTAKING, 2, false);
    cr_assert_str_eq(r.trace, "0 1 t1 c1:3 3 d1 5 6 end");
}

BS_TEST(unaligned, a_newer_overtaking_barrier_subsumes_and_takes_the_overtaken_data)
{
    /* 0:b1 (1) overtakes 0:d (0); 1:b2 (3) overtakes 1:d (2) and subsumes 1 at once;
     * 0:b2 (5) overtakes 0:d (0) (still queued) and 0:d (4). */
    pg_run r = unaligned_run("0:d 0:b1 1:d 1:b2 0:d 0:b2 0:eop 1:eop", 2, true);
    cr_assert_str_eq(r.trace, "t1 a1:subsumed t2 c2:0 0 c2:2 2 c2:4 d2 4 6 7 end");
}

BS_TEST(unaligned, a_cancel_overtakes_and_aborts)
{
    pg_run r = unaligned_run("0:b1 1:d 1:x1 1:b1 0:eop 1:eop", 2, true);
    cr_assert_str_eq(r.trace, "t1 a1:cancelled 1 4 5 end");
}

BS_TEST(unaligned, data_overtaken_by_the_barrier_of_a_cancelled_checkpoint_is_plain)
{
    /* 0:b1 (1) overtakes 0:d (0); 1:x1 (2) cancels 1 before 0:d is read; then 0:eop. */
    pg_run r = unaligned_run("0:d 0:b1 1:x1 0:eop 1:eop", 2, true);
    cr_assert_str_eq(r.trace, "t1 a1:cancelled 0 3 4 end");
}

BS_TEST(unaligned, single_channel_triggers_and_completes_when_the_overtaken_data_is_read)
{
    pg_run r = unaligned_run("0:d 0:b1 0:d 0:eop", 1, true);
    cr_assert_str_eq(r.trace, "t1 c1:0 d1 0 2 3 end");
}

BS_TEST(unaligned, every_write_fault_on_channel_state_stops_the_handler_and_leaves_no_file)
{
    for (int nth = 1; nth <= 3; nth++) {
        pg_run r = {.strategy = "unaligned", .channels = 2, .check = true, .priority = true,
                    .fail_write_nth = nth};
        pg_run_input(&r, OVERTAKING);
        cr_assert(strstr(r.error, "channel state of 1") && strstr(r.error, "No space left"),
                  "write %d: %s | %s", nth, r.error, r.trace);
        cr_assert_str_empty(r.violation, "write %d: %s", nth, r.violation);
        cr_assert_eq(r.live_files, 0, "write %d left a file", nth);
    }
}

/* A poll that found nothing to do leaves no error behind: the write fault that stops the
 * handler later is the one its message names (a mutant that took poll's 0 for an error
 * set the message to bs_strerror(0), and the real one was lost). */
BS_TEST(unaligned, a_quiet_poll_first_leaves_the_later_write_fault_its_message)
{
    pg_run r = {.strategy = "unaligned", .channels = 2, .check = true, .priority = true,
                .fail_write_nth = 1, .poll_first = true};
    pg_run_input(&r, "0:d 0:d 1:d 0:b1 1:b1 0:eop 1:eop");
    cr_assert(strstr(r.trace, "poll ") == r.trace, "%s", r.trace);
    cr_assert(strstr(r.error, "No space left"), "%s | %s", r.error, r.trace);
    cr_assert_eq(r.live_files, 0);
}

BS_TEST(unaligned, the_checker_catches_forgotten_overtaken_channel_state)
{
    pg_run control = {.ops = planted_comparison_strategy(PLANT_UNALIGNED_FORGET_OVERTAKEN),
                      .channels = 2, .check = true, .priority = false};
    pg_run_input(&control, OVERTAKING); /* nothing overtakes: the bug cannot show */
    cr_assert_str_empty(control.violation, "%s", control.violation);
    pg_run r = control;
    r.priority = true;
    pg_run_input(&r, OVERTAKING);
    cr_assert(strstr(r.violation, "exactly-once: d1: item ? (0:d, overtaken, not yet yielded) precedes the barrier but is neither"),
              "%s | %s", r.violation, r.trace);
}

BS_TEST(unaligned, the_checker_catches_a_block_handler_that_releases_a_channel_early)
{
    pg_run r = {.ops = planted_comparison_strategy(PLANT_BLOCK_EARLY_RELEASE), .channels = 2, .check = true};
    pg_run_input(&r, "0:b1 0:d 1:d 1:b1 0:eop 1:eop");
    cr_assert(strstr(r.violation, "exactly-once: t1: item 1 (0:d) was returned before the trigger"),
              "%s | %s", r.violation, r.trace);
    pg_run ok = {.strategy = "block", .channels = 2, .check = true};
    pg_run_input(&ok, "0:b1 0:d 1:d 1:b1 0:eop 1:eop");
    cr_assert_str_empty(ok.violation, "%s", ok.violation);
}

/* A back-pressured caller polls: the queued barriers trigger without any item returned. */
BS_TEST(unaligned, polling_takes_the_queued_barriers_without_returning_data)
{
    pg_run r = {.strategy = "unaligned", .channels = 2, .priority = true, .check = true, .poll_first = true};
    pg_run_input(&r, "0:d 1:d 0:d 0:b1 1:b1 0:eop 1:eop");
    cr_assert_str_empty(r.violation, "%s", r.violation);
    cr_assert(strncmp(r.trace, "poll t1 ", 8) == 0, "trace: %s", r.trace);
    pg_run s = {.strategy = "block", .channels = 2, .priority = true, .check = true, .poll_first = true};
    pg_run_input(&s, "0:d 1:d 0:b1 1:b1 0:eop 1:eop");
    cr_assert_str_empty(s.violation, "%s", s.violation);
    cr_assert(strncmp(s.trace, "poll 0 ", 7) == 0, "an aligned strategy takes nothing on a poll: %s", s.trace);
}

/* ---- a gate with peek: overtaken data persisted when the barrier arrives ------------- */

BS_TEST(unaligned, with_peek_overtaken_data_is_channel_state_before_it_is_read)
{
    pg_run r = unaligned_run_peek(OVERTAKING, 2, true, true);
    /* d1 comes before the operator reads any of the overtaken items */
    cr_assert_str_eq(r.trace, "t1 c1:0 c1:1 c1:3 d1 0 1 3 5 6 end");
    cr_assert_eq(r.files_created, 1);
}

BS_TEST(unaligned, with_peek_a_newer_barrier_pre_reports_again_what_it_overtook)
{
    /* 0:b1 (1) overtakes 0:d (0); 1:b2 (3) overtakes 1:d (2) and subsumes 1; 0:b2 (5)
     * overtakes 0:d (0) again and 0:d (4): channel state of 2 holds 0 too. */
    pg_run r = unaligned_run_peek("0:d 0:b1 1:d 1:b2 0:d 0:b2 0:eop 1:eop", 2, true, true);
    cr_assert_str_eq(r.trace, "t1 c1:0 a1:subsumed t2 c2:2 c2:0 c2:4 d2 0 2 4 6 7 end");
}

BS_TEST(unaligned, with_peek_pre_reported_data_read_before_a_newer_barrier_is_its_channel_state)
{
    /* 0:b1 (1) overtakes 0:d (0): pre-reported for 1, which completes at 1:b1 (2); 1:b2
     * (3) triggers 2 before 0:d is read, and channel 0 has no b2: 0 is channel state of 2. */
    pg_run r = unaligned_run_peek("0:d 0:b1 1:b1 1:b2 0:eop 1:eop", 2, true, true);
    cr_assert_str_eq(r.trace, "t1 c1:0 d1 t2 c2:0 0 d2 4 5 end");
}

BS_TEST(unaligned, with_peek_but_no_priority_read_nothing_changes)
{
    pg_run r = unaligned_run_peek(OVERTAKING, 2, false, true);
    cr_assert_str_eq(r.trace, "0 1 t1 c1:3 3 d1 5 6 end");
}

BS_TEST(unaligned, with_peek_every_write_fault_stops_the_handler_and_leaves_no_file)
{
    for (int nth = 1; nth <= 3; nth++) {
        pg_run r = {.strategy = "unaligned", .channels = 2, .check = true, .priority = true, .peek = true,
                    .fail_write_nth = nth};
        pg_run_input(&r, OVERTAKING);
        cr_assert(strstr(r.error, "channel state of 1") && strstr(r.error, "No space left"),
                  "write %d: %s | %s", nth, r.error, r.trace);
        cr_assert_str_empty(r.violation, "write %d: %s", nth, r.violation);
        cr_assert_eq(r.live_files, 0, "write %d left a file", nth);
    }
}

static pg_run planted_peek_run(plant_comparison_bug bug, bool peek)
{
    pg_run r = {.ops = planted_comparison_strategy(bug), .channels = 2, .check = true, .priority = true,
                .peek = peek};
    pg_run_input(&r, OVERTAKING);
    return r;
}

BS_TEST(unaligned, the_checker_catches_pre_reported_data_reported_again_when_read)
{
    pg_run control = planted_peek_run(PLANT_UNALIGNED_REPORT_TWICE, false); /* no peek: no bug */
    cr_assert_str_empty(control.violation, "%s | %s", control.violation, control.trace);
    pg_run r = planted_peek_run(PLANT_UNALIGNED_REPORT_TWICE, true);
    cr_assert(strstr(r.violation, "channel-state: c1: item 0 (0:d) reported as channel state after the checkpoint ended"),
              "%s | %s", r.violation, r.trace);
}

BS_TEST(unaligned, the_checker_catches_a_pre_report_that_was_not_persisted)
{
    pg_run control = planted_peek_run(PLANT_UNALIGNED_DROP_PRE_REPORT, false);
    cr_assert_str_empty(control.violation, "%s | %s", control.violation, control.trace);
    pg_run r = planted_peek_run(PLANT_UNALIGNED_DROP_PRE_REPORT, true);
    cr_assert(strstr(r.violation, "exactly-once: d1: item ? (0:d, overtaken, not yet yielded) precedes the barrier but is neither"),
              "%s | %s", r.violation, r.trace);
}
