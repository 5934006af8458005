/*
 * test_strategies_block.c: the `block` strategy: the spill table without spilling; a
 * blocked channel is left unread by the gate.
 */
#include "bs_test.h"
#include "prio_gate.h"

#include <string.h>

static pg_run block_run(const char *input, uint32_t channels)
{
    pg_run r = {.strategy = "block", .channels = channels, .check = true};
    pg_run_input(&r, input);
    cr_assert_str_empty(r.violation, "%s | %s", r.violation, r.trace);
    return r;
}

BS_TEST(block, a_blocked_channel_is_left_unread_and_nothing_is_spilled)
{
    pg_run r = block_run("0:b1 0:d 1:d 1:b1 0:eop 1:eop", 2);
    cr_assert_str_eq(r.trace, "2 t1 1 4 5 end");
    cr_assert_eq(r.files_created, 0);
}

BS_TEST(block, max_buffered_bytes_has_no_effect)
{
    pg_run r = {.strategy = "block", .channels = 2, .check = true, .max_buffered_bytes = 1};
    pg_run_input(&r, "0:b1 0:d 0:d 1:d 1:b1 0:eop 1:eop");
    cr_assert_str_empty(r.violation, "%s", r.violation);
    cr_assert_str_eq(r.trace, "3 t1 1 2 5 6 end");
}

BS_TEST(block, a_newer_barrier_subsumes_and_releases)
{
    pg_run r = block_run("0:b1 1:b2 0:d 0:b2 1:eop 0:eop", 2);
    cr_assert_str_eq(r.trace, "a1:subsumed 2 t2 4 5 end");
}

BS_TEST(block, eop_during_alignment_aborts)
{
    pg_run r = block_run("0:b1 0:d 1:eop 0:eop", 2);
    cr_assert_str_eq(r.trace, "a1:eop 2 1 3 end");
}

BS_TEST(block, waits_when_only_blocked_channels_hold_input)
{
    pg_run r = block_run("0:b1 0:d", 2);
    cr_assert_str_eq(r.error, "deadlock");
    cr_assert_str_eq(r.trace, "");
}

BS_TEST(block, the_priority_read_is_never_used)
{
    pg_run r = {.strategy = "block", .channels = 2, .check = true, .priority = true};
    pg_run_input(&r, "0:d 0:b1 1:d 1:b1 0:eop 1:eop");
    cr_assert_str_empty(r.violation, "%s", r.violation);
    cr_assert_str_eq(r.trace, "0 2 t1 4 5 end");
}

BS_TEST(block, is_always_empty)
{
    bs_io io;
    bs_io_mem mem;
    bs_io_mem_init(&io, &mem);
    bs_gate gate = {.channels = 1};
    bs_handler_config cfg = {.strategy = "block", .channels = 1};
    bs_handler *h;
    cr_assert_eq(bs_handler_open(&h, &cfg, &gate, &io, NULL), 0);
    cr_assert(bs_handler_is_empty(h));
    cr_assert_eq(bs_handler_close(h, NULL, 0), 0);
    bs_io_mem_close(&mem);
}
