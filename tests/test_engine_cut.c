/*
 * test_engine_cut.c: the simulator's global invariant, pinned on a hand-built world: a
 * checkpoint that completes must be a consistent cut (engine internals, engine_int.h).
 */
#include "bs_test.h"

#include "../sim/engine/engine_int.h"

#include <string.h>

typedef struct cut_world {
    sim_world w;
    sim_config cfg;
    sim_result res;
    topo_node nodes[2];
    topo_chan chan;
} cut_world;

/* One source feeding one task; checkpoint 3 pending with every acknowledgement but the
 * task's; the channel saw b3 after `sent` records, the task's snapshot of `snap_k`
 * counted `counted`. */
static void build(cut_world *c, verify_guarantee g, uint64_t sent, uint64_t snap_k, uint64_t counted)
{
    memset(c, 0, sizeof *c);
    sim_config_default(&c->cfg);
    c->w.cfg = &c->cfg;
    c->w.res = &c->res;
    c->w.guarantee = g;
    c->w.nodes = c->nodes;
    c->w.n_nodes = 2;
    c->w.n_sources = 1;
    c->w.chans = &c->chan;
    c->w.n_chans = 1;
    snprintf(c->nodes[0].name, sizeof c->nodes[0].name, "src0");
    snprintf(c->nodes[1].name, sizeof c->nodes[1].name, "s0t0");
    c->nodes[1].id = 1;
    c->chan = (topo_chan){.from = 0, .to = 1, .bar_k = 3, .bar_before = sent, .snap_k = snap_k,
                          .snap_count = counted};
    c->w.ck_last = c->w.ck_pending = 3;
    c->w.ck_acks = 1;
    cr_assert_eq(ev_queue_init(&c->w.q, 4), 0);
}

BS_TEST(engine_cut, equal_counts_complete_the_checkpoint)
{
    cut_world c;
    build(&c, VERIFY_EXACTLY_ONCE, 10, 3, 10);
    sim_coord_ack(&c.w, &c.nodes[1], 3);
    cr_assert_eq(c.res.outcome, SIM_OK, "%s", c.res.message);
    cr_assert_eq(c.res.checkpoints_completed, 1);
    cr_assert_eq(c.w.ck_pending, 0);
    ev_queue_free(&c.w.q);
}

BS_TEST(engine_cut, a_receiver_that_counted_more_breaks_exactly_once)
{
    cut_world c;
    build(&c, VERIFY_EXACTLY_ONCE, 10, 3, 11);
    sim_coord_ack(&c.w, &c.nodes[1], 3);
    cr_assert_eq(c.res.outcome, SIM_VIOLATION);
    cr_assert_eq(c.res.checkpoints_completed, 0);
    cr_assert_not_null(strstr(c.res.message, "consistent cut: checkpoint 3"), "%s", c.res.message);
    cr_assert_not_null(strstr(c.res.message, "src0 -> s0t0"), "%s", c.res.message);
    cr_assert(strncmp(c.res.message, "t=0 event 0: coord: ", 20) == 0, "%s", c.res.message);
    ev_queue_free(&c.w.q);
}

BS_TEST(engine_cut, at_least_once_allows_more_but_not_fewer)
{
    cut_world c;
    build(&c, VERIFY_AT_LEAST_ONCE, 10, 3, 12);
    sim_coord_ack(&c.w, &c.nodes[1], 3);
    cr_assert_eq(c.res.outcome, SIM_OK, "%s", c.res.message);
    ev_queue_free(&c.w.q);
    build(&c, VERIFY_AT_LEAST_ONCE, 10, 3, 9);
    sim_coord_ack(&c.w, &c.nodes[1], 3);
    cr_assert_eq(c.res.outcome, SIM_VIOLATION);
    ev_queue_free(&c.w.q);
}

BS_TEST(engine_cut, a_snapshot_of_another_checkpoint_does_not_count)
{
    cut_world c;
    build(&c, VERIFY_EXACTLY_ONCE, 10, 2, 10);
    sim_coord_ack(&c.w, &c.nodes[1], 3);
    cr_assert_eq(c.res.outcome, SIM_VIOLATION);
    cr_assert_not_null(strstr(c.res.message, "(of checkpoint 2)"), "%s", c.res.message);
    ev_queue_free(&c.w.q);
}

BS_TEST(engine_cut, a_late_acknowledgement_is_ignored)
{
    cut_world c;
    build(&c, VERIFY_EXACTLY_ONCE, 10, 3, 99);
    sim_coord_ack(&c.w, &c.nodes[1], 2);
    cr_assert_eq(c.res.outcome, SIM_OK);
    cr_assert_eq(c.w.ck_pending, 3);
    ev_queue_free(&c.w.q);
}

/* An unaligned checkpoint: the snapshot counted 7 of the 10 records before b3, and the
 * other 3 were reported as its channel state; one too few or too many breaks the cut. */
BS_TEST(engine_cut, channel_state_completes_the_count_of_an_unaligned_checkpoint)
{
    for (uint64_t state = 2; state <= 4; state++) {
        cut_world c;
        build(&c, VERIFY_EXACTLY_ONCE, 10, 3, 7);
        c.chan.snap_state = state;
        sim_coord_ack(&c.w, &c.nodes[1], 3);
        cr_assert_eq(c.res.outcome, state == 3 ? SIM_OK : SIM_VIOLATION, "state %llu: %s",
                     (unsigned long long)state, c.res.message);
        if (state != 3)
            cr_assert_not_null(strstr(c.res.message, "of them channel state"), "%s", c.res.message);
        ev_queue_free(&c.w.q);
    }
}
