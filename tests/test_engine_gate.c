/*
 * test_engine_gate.c: a task gate's optional operations on a hand-built world (engine
 * internals, engine_int.h): the priority read takes the earliest-arrived marker out of the
 * middle of its channel, counts the data it overtakes, never passes an older marker or an
 * eop nor reads a blocked channel, and frees exactly one credit; the clock is simulated
 * time; a wake-up request keeps one event per task; restored channel state comes first.
 * Output side: an unaligned barrier overtakes the records queued after the outbox's last
 * marker (never a marker; older unsent barriers are dropped), and with unaligned
 * checkpoints markers need no credit.
 */
#include "bs_test.h"

#include "../sim/engine/engine_int.h"

#include <string.h>

typedef struct gate_world {
    sim_world w;
    sim_config cfg;
    sim_result res;
} gate_world;

/* Two sources feeding one task (ports 0 and 1), four credits a channel. */
static void build(gate_world *g)
{
    memset(g, 0, sizeof *g);
    sim_config_default(&g->cfg);
    g->cfg.sources = 2;
    g->cfg.stages = 1;
    g->cfg.parallelism = 1;
    g->w.cfg = &g->cfg;
    g->w.res = &g->res;
    g->w.guarantee = VERIFY_EXACTLY_ONCE;
    cr_assert_eq(ev_queue_init(&g->w.q, 16), 0);
    char why[256] = "";
    cr_assert_eq(topo_build(&g->w, &g->cfg, why, sizeof why), 0, "%s", why);
}

static void destroy(gate_world *g)
{
    topo_free(&g->w);
    ev_queue_free(&g->w.q);
}

static sim_task *task(gate_world *g) { return g->w.nodes[2].task; }
static topo_chan *chan(gate_world *g, uint32_t port) { return &g->w.chans[g->w.nodes[2].in_first + port]; }

/* Sends and delivers one item on a port. */
static void arrive(gate_world *g, uint32_t port, bs_kind kind, uint64_t val)
{
    topo_chan *c = chan(g, port);
    cr_assert(c->len < c->cap);
    c->ring[(c->head + c->len++) % c->cap] = (sim_item){val, (uint8_t)kind, 0};
    c->markers_on += kind == BS_BARRIER || kind == BS_CANCEL;
    chan_arrive(&g->w, c);
}

static bs_item take(gate_world *g, bool priority, const uint64_t *blocked, int expect_rc)
{
    sim_task *t = task(g);
    bs_item it;
    memset(&it, 0, sizeof it);
    int rc = priority ? t->gate.next_priority(t->gate.ctx, blocked, &it) : t->gate.next(t->gate.ctx, blocked, &it);
    cr_assert_eq(rc, expect_rc, "rc %d, expected %d", rc, expect_rc);
    return it;
}

BS_TEST(engine_gate, a_barrier_overtakes_the_data_queued_before_it_and_frees_one_credit)
{
    gate_world g;
    build(&g);
    arrive(&g, 0, BS_DATA, sim_label(0, 0));
    arrive(&g, 1, BS_DATA, sim_label(1, 0));
    arrive(&g, 0, BS_DATA, sim_label(0, 1));
    arrive(&g, 0, BS_BARRIER, 1);
    arrive(&g, 1, BS_CANCEL, 2);
    cr_assert_eq(task(&g)->markers, 2);
    bs_item it = take(&g, true, NULL, 1);
    cr_assert(it.kind == BS_BARRIER && it.channel == 0 && it.id == 1 && it.overtaken == 2);
    cr_assert_eq(chan(&g, 0)->len, 2);
    cr_assert_eq(chan(&g, 0)->arrived, 2);
    cr_assert_eq(task(&g)->arr_len, 4);
    it = take(&g, true, NULL, 1);
    cr_assert(it.kind == BS_CANCEL && it.channel == 1 && it.id == 2 && it.overtaken == 1);
    cr_assert_eq(task(&g)->markers, 0);
    take(&g, true, NULL, 0); /* no marker left */
    /* The data comes after, in arrival order, FIFO per channel. */
    uint64_t want[][2] = {{0, sim_label(0, 0)}, {1, sim_label(1, 0)}, {0, sim_label(0, 1)}};
    for (size_t i = 0; i < 3; i++) {
        it = take(&g, false, NULL, 1);
        uint64_t label;
        cr_assert(it.kind == BS_DATA && it.channel == want[i][0]);
        cr_assert(verify_payload_parse(it.data, it.len, &label) && label == want[i][1]);
    }
    cr_assert_eq(chan(&g, 0)->len + chan(&g, 1)->len, 0);
    cr_assert_eq(task(&g)->arr_len, 0);
    take(&g, false, NULL, BS_EAGAIN);
    destroy(&g);
}

BS_TEST(engine_gate, a_marker_never_passes_an_older_marker_and_a_blocked_channel_is_not_read)
{
    gate_world g;
    build(&g);
    arrive(&g, 0, BS_DATA, sim_label(0, 0));
    arrive(&g, 0, BS_BARRIER, 1);
    arrive(&g, 0, BS_DATA, sim_label(0, 1));
    arrive(&g, 0, BS_BARRIER, 2);
    arrive(&g, 1, BS_DATA, sim_label(1, 0));
    arrive(&g, 1, BS_EOP, 0);
    uint64_t blocked0 = 1;
    take(&g, true, &blocked0, 0); /* port 0 blocked; port 1 holds no marker: an eop is none */
    bs_item it = take(&g, true, NULL, 1);
    cr_assert(it.kind == BS_BARRIER && it.id == 1 && it.overtaken == 1);
    it = take(&g, true, NULL, 1);
    cr_assert(it.kind == BS_BARRIER && it.id == 2 && it.overtaken == 2);
    it = take(&g, false, &blocked0, 1);
    cr_assert(it.kind == BS_DATA && it.channel == 1);
    it = take(&g, false, &blocked0, 1);
    cr_assert(it.kind == BS_EOP && it.channel == 1);
    take(&g, false, &blocked0, BS_EAGAIN);
    cr_assert_eq(chan(&g, 0)->len, 2);
    destroy(&g);
}

BS_TEST(engine_gate, the_clock_is_simulated_time_and_wake_ups_keep_one_event)
{
    gate_world g;
    build(&g);
    sim_task *t = task(&g);
    cr_assert_eq(t->gate.now_ns(t->gate.ctx), 0);
    size_t before = g.w.q.len;
    t->gate.wake_at(t->gate.ctx, 5000);
    t->gate.wake_at(t->gate.ctx, 5000);
    cr_assert_eq(g.w.q.len, before + 1);
    t->gate.wake_at(t->gate.ctx, 3000); /* replaces the earlier request */
    cr_assert_eq(g.w.q.len, before + 1);
    const ev_event *e = ev_peek(&g.w.q);
    cr_assert(e && e->type == EV_WAKE && e->time_ns == 3000);
    ev_event got;
    cr_assert_eq(ev_pop(&g.w.q, &got), 0);
    cr_assert_eq(t->gate.now_ns(t->gate.ctx), 3000);
    topo_node *n = &g.w.nodes[2];
    n->idle = true;
    sim_gate_wake_event(&g.w, n, got.arg - 1); /* stale: nothing */
    cr_assert(n->idle && !n->run_pending);
    sim_gate_wake_event(&g.w, n, got.arg);
    cr_assert(!n->idle && n->run_pending);
    destroy(&g);
}

BS_TEST(engine_gate, restored_channel_state_comes_first_per_port_and_counts_as_sent)
{
    gate_world g;
    build(&g);
    sim_task *t = task(&g);
    /* Committed checkpoint 4 holds d0:7 (port 1), d1:3 (port 0), d0:8 (port 1). */
    t->cs_ck = (sim_cs){0};
    sim_cs_trigger(t, 4);
    uint8_t payload[64];
    uint64_t labels[] = {sim_label(0, 7), sim_label(1, 3), sim_label(0, 8)};
    uint32_t ports[] = {1, 0, 1};
    for (size_t i = 0; i < 3; i++) {
        verify_payload_fill(payload, g.cfg.payload_len, labels[i]);
        bs_item d = {.kind = BS_DATA, .channel = ports[i], .len = g.cfg.payload_len, .data = payload};
        sim_cs_report(t, 4, &d);
    }
    cr_assert_eq(chan(&g, 1)->snap_state, 2);
    sim_cs_commit(t, 4);
    g.w.ck_committed = 4;
    cr_assert_eq(sim_cs_restore(&g.w, &g.w.nodes[2]), 0);
    cr_assert_eq(t->rp_left, 3);
    cr_assert_eq(chan(&g, 0)->data_sent, 1);
    cr_assert_eq(chan(&g, 1)->data_sent, 2);
    arrive(&g, 1, BS_BARRIER, 5);
    bs_item it = take(&g, true, NULL, 1);
    cr_assert(it.kind == BS_BARRIER && it.overtaken == 2); /* the restored items are ahead */
    uint64_t blocked0 = 1, want[] = {sim_label(0, 7), sim_label(0, 8), sim_label(1, 3)};
    for (size_t i = 0; i < 3; i++) {
        it = take(&g, false, i < 2 ? &blocked0 : NULL, 1);
        uint64_t label;
        cr_assert(it.kind == BS_DATA && verify_payload_parse(it.data, it.len, &label) && label == want[i]);
    }
    cr_assert_eq(t->rp_left, 0);
    destroy(&g);
}

static void overtaken_cb(void *ctx, uint32_t port, uint64_t label)
{
    uint64_t *seen = ctx;
    seen[seen[0] + 1] = (uint64_t)port << 56 | label;
    seen[0]++;
}

BS_TEST(engine_gate, an_unaligned_barrier_overtakes_the_outbox_records_after_its_last_marker)
{
    gate_world g;
    build(&g);
    topo_node *src = &g.w.nodes[0]; /* one output: port 0 */
    cr_assert_eq(chan_send(&g.w, src, BS_DATA, sim_label(0, 0), 0), 0);
    cr_assert_eq(chan_send(&g.w, src, BS_BARRIER, 3, 0), 0);
    cr_assert_eq(chan_send(&g.w, src, BS_CANCEL, 3, 0), 0);
    cr_assert_eq(chan_send(&g.w, src, BS_DATA, sim_label(0, 1), 0), 0);
    cr_assert_eq(chan_send(&g.w, src, BS_DATA, sim_label(0, 2), 0), 0);
    uint64_t seen[8] = {0};
    cr_assert_eq(chan_broadcast_ahead(&g.w, src, 4, overtaken_cb, seen), 2);
    /* b3, older and not sent yet, is dropped; b4 goes after the last marker, x3 */
    cr_assert_eq(src->ob_len, 5);
    cr_assert_eq(src->ob_barriers, 1);
    static const uint8_t kinds[] = {BS_DATA, BS_CANCEL, BS_BARRIER, BS_DATA, BS_DATA};
    static const uint64_t vals[] = {0 << 8, 3, 4, 1 << 8, 2 << 8};
    for (uint32_t i = 0; i < 5; i++) {
        const topo_out *o = &src->outbox[(src->ob_head + i) % src->ob_cap];
        cr_assert(o->it.kind == kinds[i] && o->it.val == vals[i], "outbox slot %u", i);
    }
    cr_assert_eq(seen[0], 2);
    cr_assert_eq(seen[1], sim_label(0, 1));
    cr_assert_eq(seen[2], sim_label(0, 2));
    destroy(&g);
}

/* Fills port 0's channel with `credits` records, then offers a barrier behind them. */
static uint32_t barrier_after_full_channel(bool priority)
{
    gate_world g;
    build(&g);
    g.w.priority_barriers = priority;
    topo_node *src = &g.w.nodes[0];
    topo_chan *c = chan(&g, 0);
    for (uint32_t i = 0; i < c->credits; i++)
        cr_assert_eq(chan_send(&g.w, src, BS_DATA, sim_label(0, i), 0), 0);
    cr_assert_eq(chan_send(&g.w, src, BS_BARRIER, 1, 0), 0);
    cr_assert_eq(chan_send(&g.w, src, BS_DATA, sim_label(0, c->credits), 0), 0);
    chan_flush(&g.w, src);
    uint32_t len = c->len;
    cr_assert(src->waiting_credit, "the record after the barrier has no credit either way");
    destroy(&g);
    return len;
}

BS_TEST(engine_gate, with_unaligned_checkpoints_markers_need_no_credit)
{
    gate_world g;
    build(&g);
    uint32_t credits = chan(&g, 0)->credits;
    destroy(&g);
    cr_assert_eq(barrier_after_full_channel(false), credits);
    cr_assert_eq(barrier_after_full_channel(true), credits + 1);
}
