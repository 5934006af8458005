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
