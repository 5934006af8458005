/*
 * test_planted.c: the checker catches planted bugs. Each broken handler (tests/planted/)
 * runs a scenario built to expose its bug and must be reported by the named invariant;
 * the same handler without the bug passes the same scenarios, and no bundled scenario
 * makes the control fail, so what is reported is the bug and nothing else.
 */
#include "bs_test.h"

#include "../sim/run/hrun.h"
#include "../sim/scenario/scenario.h"
#include "planted/planted.h"

#include <glob.h>
#include <stdio.h>
#include <string.h>

static void load_inline(const char *yaml, scenario *sc)
{
    char err[512];
    int rc = scenario_load_bytes("inline.yaml", (const uint8_t *)yaml, strlen(yaml), sc, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
}

/* Runs a planted handler over yaml; returns the outcome, the message in msg. */
static hrun_outcome run_planted(plant_bug bug, const char *yaml, char *msg, size_t msg_len)
{
    scenario sc;
    load_inline(yaml, &sc);
    hrun_options opt = {planted_strategy(bug), VERIFY_EXACTLY_ONCE, true, true};
    hrun_result res;
    cr_assert_eq(hrun_scenario(&sc, &opt, &res), 0);
    snprintf(msg, msg_len, "%s | trace: %s", res.message, res.trace);
    hrun_outcome out = res.outcome;
    hrun_result_free(&res);
    scenario_free(&sc);
    return out;
}

static void expect_caught(plant_bug bug, const char *yaml, const char *invariant)
{
    char msg[2048];
    cr_assert_eq(run_planted(PLANT_NONE, yaml, msg, sizeof msg), HRUN_END, "control failed: %s", msg);
    cr_assert_eq(run_planted(bug, yaml, msg, sizeof msg), HRUN_VIOLATION, "%s not caught: %s",
                 planted_name(bug), msg);
    cr_assert(strstr(msg, invariant), "%s caught by the wrong invariant: %s", planted_name(bug), msg);
}

BS_TEST(planted, a_handler_that_does_not_block_breaks_exactly_once)
{
    expect_caught(PLANT_NO_BLOCK,
                  "name: no-block\nstrategy: spill\nchannels: 2\ninput: |\n"
                  "  0:b1 0:d 1:b1 0:eop 1:eop\n",
                  "exactly-once: t1: item 1 (0:d) was returned before the trigger");
}

BS_TEST(planted, replaying_spilled_sequences_in_the_wrong_order_breaks_fifo)
{
    /* Cancel x2 arrives inside the replay of checkpoint 1's file, while item 3 sits in the
     * new file: it must come back before item 5, which is still in the old one. */
    expect_caught(PLANT_REPLAY_ORDER,
                  "name: replay-order\nstrategy: spill\nchannels: 3\ninput: |\n"
                  "  0:b1 1:b1 0:b2 0:d 1:x2 0:d 2:b1 2:eop 0:eop 1:eop\n",
                  "fifo: item 3 (0:d) returned after item 5 (0:d)");
}

BS_TEST(planted, a_handler_that_ignores_closed_channels_makes_no_progress)
{
    expect_caught(PLANT_IGNORE_CLOSED,
                  "name: ignore-closed\nstrategy: spill\nchannels: 2\ninput: |\n"
                  "  0:eop 1:d 1:b1 1:d 1:eop\n",
                  "progress: checkpoint 1 is still open when the handler asks its gate for more");
}

BS_TEST(planted, losing_a_record_on_roll_over_breaks_conservation)
{
    expect_caught(PLANT_LOSE_ON_ROLLOVER,
                  "name: lose-record\nstrategy: spill\nchannels: 2\ninput: |\n"
                  "  0:b1 0:d 1:b1 0:eop 1:eop\n",
                  "conservation: end reported but item 1 (0:d) was never returned");
}

/* Runs every bundled scenario through a planted handler; counts violations. */
static size_t violations_over_suite(plant_bug bug, size_t *total, char *first, size_t first_len)
{
    glob_t g;
    cr_assert_eq(glob("scenarios/handler/*.yaml", 0, NULL, &g), 0, "no bundled scenarios (run from the top)");
    size_t found = 0;
    first[0] = '\0';
    for (size_t i = 0; i < g.gl_pathc; i++) {
        scenario sc;
        char err[512];
        cr_assert_eq(scenario_load(g.gl_pathv[i], &sc, err, sizeof err), 0, "%s", err);
        hrun_options opt = {planted_strategy(bug), VERIFY_EXACTLY_ONCE, true, true};
        hrun_result res;
        cr_assert_eq(hrun_scenario(&sc, &opt, &res), 0);
        if (res.outcome == HRUN_VIOLATION && found++ == 0)
            snprintf(first, first_len, "%.200s: %.700s", g.gl_pathv[i], res.message);
        hrun_result_free(&res);
        scenario_free(&sc);
    }
    *total = g.gl_pathc;
    globfree(&g);
    return found;
}

BS_TEST(planted, the_control_handler_passes_every_bundled_scenario)
{
    char first[1024];
    size_t total;
    size_t bad = violations_over_suite(PLANT_NONE, &total, first, sizeof first);
    cr_assert_eq(bad, 0, "%zu of %zu scenarios report a violation for a correct handler; first: %s", bad, total, first);
}

BS_TEST(planted, the_bundled_suite_catches_every_planted_bug)
{
    for (plant_bug bug = PLANT_NONE + 1; bug < PLANT_COUNT; bug++) {
        char first[1024];
        size_t total;
        size_t caught = violations_over_suite(bug, &total, first, sizeof first);
        cr_assert_gt(caught, 0, "no bundled scenario catches %s", planted_name(bug));
        cr_log_info("%s: caught by %zu of %zu scenarios, e.g. %s", planted_name(bug), caught, total, first);
    }
}
