/*
 * test_strategies_timeout.c: the `aligned-timeout` strategy against a test clock (1000 ns
 * per item yielded; idle time advanced to the handler's wake-up).
 */
#include "bs_test.h"
#include "prio_gate.h"

#include <string.h>

#define SLOW_CHANNEL_0 "0:b1 0:d 1:d 1:d 1:d 1:b1 0:eop 1:eop"

static pg_run timeout_run(const char *input, uint64_t timeout_ns, bool clock)
{
    pg_run r = {.strategy = "aligned-timeout", .channels = 2, .check = true, .timeout_ns = timeout_ns,
                .no_clock = !clock};
    pg_run_input(&r, input);
    cr_assert_str_empty(r.violation, "%s | %s", r.violation, r.trace);
    cr_assert_eq(r.live_files, 0);
    return r;
}

BS_TEST(aligned_timeout, switches_to_unaligned_once_the_alignment_lasts_longer_than_the_timeout)
{
    pg_run r = timeout_run(SLOW_CHANNEL_0, 1500, true);
    cr_assert_str_eq(r.trace, "2 3 t1 1 c1:4 4 d1 6 7 end");
}

BS_TEST(aligned_timeout, behaves_as_block_before_the_timeout)
{
    pg_run r = timeout_run(SLOW_CHANNEL_0, 100000, true);
    cr_assert_str_eq(r.trace, "2 3 4 t1 1 6 7 end");
}

BS_TEST(aligned_timeout, never_times_out_without_a_clock_or_a_timeout)
{
    cr_assert_str_eq(timeout_run(SLOW_CHANNEL_0, 1, false).trace, "2 3 4 t1 1 6 7 end");
    cr_assert_str_eq(timeout_run(SLOW_CHANNEL_0, 0, true).trace, "2 3 4 t1 1 6 7 end");
}

BS_TEST(aligned_timeout, equal_is_not_longer_and_the_wake_up_ends_the_wait)
{
    /* start 1000; at 2000 elapsed 1000 is not longer than 1000: wait; the wake-up at
     * 2001 switches. */
    pg_run r = timeout_run("0:b1 1:d 0:d 0:eop", 1000, true);
    cr_assert_str_eq(r.trace, "1 t1 2 3 a1:eop end");
}

BS_TEST(aligned_timeout, the_timeout_does_not_carry_over)
{
    pg_run r = timeout_run("0:b1 1:d 1:d 1:d 1:b1 0:b2 1:d 1:b2 0:eop 1:eop", 1500, true);
    cr_assert_str_eq(r.trace, "1 2 t1 c1:3 3 d1 6 t2 8 9 end");
}

BS_TEST(aligned_timeout, barriers_never_overtake_even_when_the_gate_could)
{
    pg_run r = {.strategy = "aligned-timeout", .channels = 2, .check = true, .timeout_ns = 1500,
                .priority = true};
    pg_run_input(&r, SLOW_CHANNEL_0);
    cr_assert_str_empty(r.violation, "%s", r.violation);
    cr_assert_str_eq(r.trace, "2 3 t1 1 c1:4 4 d1 6 7 end");
}

BS_TEST(aligned_timeout, a_write_fault_on_channel_state_stops_the_handler)
{
    pg_run r = {.strategy = "aligned-timeout", .channels = 2, .check = true, .timeout_ns = 1500,
                .fail_write_nth = 1};
    pg_run_input(&r, SLOW_CHANNEL_0);
    cr_assert(strstr(r.error, "No space left"), "%s | %s", r.error, r.trace);
    cr_assert_str_empty(r.violation, "%s", r.violation);
    cr_assert_eq(r.live_files, 0);
}

/* ---- the alignment clock (traces with wake-up requests, derived by hand) -------------
 * The clock is 1000 ns per item yielded. An alignment starts at the clock value just after
 * its first barrier was read, and the handler asks to be woken at start + timeout + 1
 * (token `w<at>@<now>`). These pin when the clock starts, not only that it times out. */
static pg_run clock_run(const char *input, uint64_t timeout_ns)
{
    pg_run r = {.strategy = "aligned-timeout", .channels = 2, .check = true, .timeout_ns = timeout_ns,
                .trace_wakes = true};
    pg_run_input(&r, input);
    cr_assert_str_empty(r.violation, "%s | %s", r.violation, r.trace);
    cr_assert_str_empty(r.error, "%s | %s", r.error, r.trace);
    cr_assert_eq(r.live_files, 0);
    return r;
}

BS_TEST(aligned_timeout, the_clock_starts_when_the_first_barrier_is_read)
{
    /* 0:b1 read at 1000: wake at 1000 + 1500 + 1; then as switches_to_unaligned_... */
    pg_run r = clock_run(SLOW_CHANNEL_0, 1500);
    cr_assert_str_eq(r.trace, "w2501@1000 2 3 t1 1 c1:4 4 d1 6 7 end");
}

BS_TEST(aligned_timeout, a_newer_barrier_that_subsumes_restarts_the_clock)
{
    /* 0:b1 (0) at 1000: wake 4501; 1:d (1) at 2000; 1:b2 (2) at 3000 subsumes 1 and starts
     * 2's clock at 3000: wake 6501. Before 0:d (3,4,5) the elapsed times are 0, 1000, 2000;
     * before 0:b2 (6) 3000, not longer than 3500: 0:b2 completes, t2. Measured from 1000
     * instead, the alignment would time out before item 5. */
    pg_run r = clock_run("0:b1 1:d 1:b2 0:d 0:d 0:d 0:b2 0:eop 1:eop", 3500);
    cr_assert_str_eq(r.trace, "w4501@1000 1 a1:subsumed w6501@3000 3 4 5 t2 7 8 end");
}

BS_TEST(aligned_timeout, a_newer_barrier_while_unaligned_starts_its_own_clock)
{
    /* 0:b1 (0) at 1000: wake 2501; 1:d (1), 1:d (2) at 2000, 3000; 2000 > 1500: switch, t1;
     * 1:d (3) is channel state of 1; 0:b2 (4) at 5000 subsumes 1 and starts an aligned
     * alignment of 2 at 5000: wake 6501; 1:b1 (5) is ignored, 1:b2 (6) completes it at
     * 7000 (elapsed 1000 before that read): t2. */
    pg_run r = clock_run("0:b1 1:d 1:d 1:d 0:b2 1:b1 1:b2 0:eop 1:eop", 1500);
    cr_assert_str_eq(r.trace, "w2501@1000 1 2 t1 c1:3 3 a1:subsumed w6501@5000 t2 7 8 end");
}

BS_TEST(aligned_timeout, no_timeout_asks_for_no_wake_up)
{
    pg_run r = clock_run(SLOW_CHANNEL_0, 0);
    cr_assert_str_eq(r.trace, "2 3 4 t1 1 6 7 end");
}

BS_TEST(aligned_timeout, a_timeout_near_2_to_the_64_never_fires_and_asks_no_wrapped_wake_up)
{
    /* start 1000: start + timeout + 1 would wrap to 500, a wake-up in the past; it
     * saturates instead, so no wake-up is asked for and the alignment behaves as block. */
    pg_run r = clock_run(SLOW_CHANNEL_0, UINT64_MAX - 500);
    cr_assert_str_eq(r.trace, "2 3 4 t1 1 6 7 end");
}

/* ---- Flink 1.14+: the start in the barrier, announcements, conversion (traces derived by
 * hand; the gate's tokens: n<K>:<ch> an announcement taken, v<K>:<ch>+<n> a conversion
 * overtaking n queued data items, w<at>@<now> a wake-up request) ---- */
static pg_run flink_run(const char *input, uint64_t timeout_ns, bool announce, bool poll_first)
{
    pg_run r = {.strategy = "aligned-timeout", .channels = 2, .check = true, .timeout_ns = timeout_ns,
                .trace_wakes = true, .peek = true, .announce = announce, .poll_first = poll_first};
    pg_run_input(&r, input);
    cr_assert_str_empty(r.violation, "%s | %s", r.violation, r.trace);
    cr_assert_str_empty(r.error, "%s | %s", r.error, r.trace);
    cr_assert_eq(r.live_files, 0);
    return r;
}

BS_TEST(aligned_timeout, the_timeout_counts_from_the_start_the_barrier_carries)
{
    /* b1 carries start 0: read at 1000, the wake-up is 0 + 1500 + 1, and at 2000 the
     * alignment has lasted 2000 > 1500 since the start: one item earlier than a clock
     * started at the first barrier (start 1000, wake-up 2501, switch at 3000). */
    pg_run r = flink_run("0:b1@0 0:d 1:d 1:d 1:d 1:b1@0 0:eop 1:eop", 1500, false, false);
    cr_assert_str_eq(r.trace, "w1501@1000 2 t1 1 c1:3 3 c1:4 4 d1 6 7 end");
    r = flink_run("0:b1 0:d 1:d 1:d 1:d 1:b1 0:eop 1:eop", 1500, false, false);
    cr_assert_str_eq(r.trace, "w2501@1000 2 3 t1 1 c1:4 4 d1 6 7 end");
}

BS_TEST(aligned_timeout, an_announced_barrier_times_out_before_it_is_read_and_overtakes_the_input)
{
    /* Both b1 are announced at 0 (their start 0: wake-up at 1501) while data is queued
     * before them. At 2000 the checkpoint has lasted longer than 1500: it is adopted and
     * taken unaligned (t1) without any b1 read, and each announced b1 is converted,
     * overtaking one queued item, persisted at once as channel state (c1:2, c1:4); the
     * overtaken items are read afterwards. */
    pg_run r = flink_run("0:d 0:d 0:d 0:b1@0 1:d 1:b1@0 0:eop 1:eop", 1500, true, false);
    cr_assert_str_eq(r.trace, "n1:0 w1501@0 n1:1 0 1 t1 v1:0+1 c1:2 v1:1+1 c1:4 d1 2 4 6 7 end");
}

BS_TEST(aligned_timeout, without_announcements_a_barrier_read_after_its_time_is_up_switches_at_once)
{
    /* The same input through a gate that announces nothing: b1 is read only at 4000, after
     * the data queued before it; its checkpoint started at 0, so the alignment has already
     * lasted longer than 1500 and switches at once (Flink: a timed-out barrier received
     * while waiting for the first one), item 4 becoming channel state as it is read. */
    pg_run r = flink_run("0:d 0:d 0:d 0:b1@0 1:d 1:b1@0 0:eop 1:eop", 1500, false, false);
    cr_assert_str_eq(r.trace, "0 1 2 w1501@4000 t1 c1:4 4 d1 6 7 end");
}

BS_TEST(aligned_timeout, a_barrier_converted_upstream_makes_the_checkpoint_unaligned_at_once)
{
    /* b1u was converted to an unaligned barrier upstream: announced, the checkpoint goes
     * unaligned at once whatever the timeout, and both b1 overtake what is queued. */
    pg_run r = flink_run("0:d 0:d 0:b1u 1:b1 0:eop 1:eop", 1000000, true, false);
    cr_assert_str_eq(r.trace, "n1:0 w1000001@0 n1:1 t1 v1:0+2 c1:0 c1:1 v1:1+0 d1 0 1 4 5 end");
}

BS_TEST(aligned_timeout, a_back_pressured_poll_takes_announcements_and_the_switch_without_reading_data)
{
    pg_run r = flink_run("0:d 0:b1u 1:b1 0:eop 1:eop", 1000000, true, true);
    cr_assert_str_eq(r.trace, "poll n1:0 w1000001@0 n1:1 t1 v1:0+1 c1:0 v1:1+0 d1 0 3 4 end");
}

/* 64 channels, a whole word of blocked bits: the switch to unaligned visits channels 0..63
 * and no further (the mutant that visited channel 64 read past the blocked set: seen by
 * AddressSanitizer in the ASan run). */
BS_TEST(aligned_timeout, a_switch_with_64_channels_reads_no_channel_past_them)
{
    char input[1024];
    size_t at = (size_t)snprintf(input, sizeof input, "0:b1 1:d 1:d 1:d");
    for (int c = 1; c < 64; c++)
        at += (size_t)snprintf(input + at, sizeof input - at, " %d:b1", c);
    for (int c = 0; c < 64; c++)
        at += (size_t)snprintf(input + at, sizeof input - at, " %d:eop", c);
    cr_assert_lt(at, sizeof input);
    pg_run r = {.strategy = "aligned-timeout", .channels = 64, .check = true, .timeout_ns = 1500};
    pg_run_input(&r, input);
    cr_assert_str_empty(r.violation, "%s", r.violation);
    cr_assert_str_empty(r.error, "%s", r.error);
    cr_assert(strstr(r.trace, "t1"), "%s", r.trace);
    cr_assert(strstr(r.trace, "d1"), "the unaligned checkpoint ends: %s", r.trace);
    cr_assert(strstr(r.trace, "t1 c1:3 3 d1"), "switched: item 3 is channel state: %s", r.trace);
    cr_assert_eq(r.live_files, 0);
}
