/*
 * test_engine_checks.c: the table of engine-wide checks (sim/engine/checks.c): every row
 * is a named check with a hook, named once, and a run gathers the hot hooks in table
 * order (engine internals, engine_int.h). What each check catches is pinned beside its
 * behaviour (test_engine_cut.c, test_engine.c, the scenarios).
 */
#include "bs_test.h"

#include "../sim/engine/engine_int.h"

#include <string.h>

static bool has_hook(const sim_check *c)
{
    return c->on_event || c->on_queue_empty || c->on_step || c->on_complete || c->on_coord || c->on_end;
}

BS_TEST(engine_checks, every_row_is_a_named_check_with_a_hook_named_once)
{
    size_t n = 0;
    for (const sim_check *const *c = sim_checks; *c; c++, n++) {
        cr_assert((*c)->name && (*c)->name[0], "row %zu has no name", n);
        cr_assert(has_hook(*c), "check '%s' has no hook", (*c)->name);
        for (const sim_check *const *d = sim_checks; d != c; d++)
            cr_assert_str_neq((*d)->name, (*c)->name);
    }
    cr_assert(n >= 5 && n <= SIM_CHECKS_MAX, "%zu checks", n);
}

BS_TEST(engine_checks, the_five_engine_wide_checks_are_registered)
{
    static const char *const want[] = {"consistent cut", "liveness", "bounds", "deadlock", "final state"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        bool found = false;
        for (const sim_check *const *c = sim_checks; *c; c++)
            found = found || strcmp((*c)->name, want[i]) == 0;
        cr_assert(found, "no check named '%s'", want[i]);
    }
}

BS_TEST(engine_checks, a_run_gathers_the_hot_hooks_in_table_order)
{
    sim_world w;
    memset(&w, 0, sizeof w);
    sim_checks_open(&w);
    uint32_t ev = 0, st = 0;
    for (const sim_check *const *c = sim_checks; *c; c++) {
        if ((*c)->on_event)
            cr_assert(w.chk_event[ev++] == (*c)->on_event, "on_event of '%s'", (*c)->name);
        if ((*c)->on_step)
            cr_assert(w.chk_step[st++] == (*c)->on_step, "on_step of '%s'", (*c)->name);
    }
    cr_assert_eq(w.chk_event_n, ev);
    cr_assert_eq(w.chk_step_n, st);
    cr_assert(ev >= 1 && st >= 1); /* deadlock's stall bound, bounds */
}
