/*
 * test_check.c: the model checker. The real strategies exhaust small configurations with
 * no violation; every planted bug is found with a counterexample that replays to the same
 * violation and that is shortest (no violation within one step less); the partial-order
 * reduction visits exactly the states of the unreduced search; the symmetry reduction
 * visits exactly one state per orbit of the unreduced search's states and finds the same
 * violations; forgetting ended checkpoints visits exactly the images of the states a
 * search keeping them visits; bitstate and shards find what the exact search finds; packed level blobs
 * unpack to the same bytes and visit the same states.
 */
#include "bs_test.h"

#include "../sim/check/check.h"
#include "../sim/check/pack.h"
#include "../sim/run/hrun.h"
#include "../sim/strategies.h"
#include "planted/planted.h"

#include <string.h>

static check_config config(const char *strategy, uint32_t channels, uint32_t checkpoints)
{
    sim_strategy st;
    cr_assert(sim_strategy_find(strategy, &st), "unknown strategy %s", strategy);
    const bs_strategy *ops = st.ops ? st.ops : bs_strategy_find(strategy);
    check_config c = {.strategy = strategy, .ops = ops, .guarantee = st.guarantee,
                      .check_progress = st.check_progress, .channels = channels, .checkpoints = checkpoints,
                      .data = 1, .eop = true, .cancel = true, .sleep_sets = true, .symmetry = true, .shards = 1};
    if (bs_strategy_option_slot(ops, BS_OPT_ALIGNMENT_TIMEOUT_NS))
        c.alignment_timeout_ns = 1; /* as cmd_check from flags */
    return c;
}

static const char *const every_strategy[] = {"spill", "tracker", "block", "unaligned", "aligned-timeout"};

static void run_check(const check_config *cfg, check_result *r)
{
    cr_assert_eq(check_run(cfg, r), 0);
}

/* The counterexample replays through `run`'s runner to the violation the search found. */
static void expect_replays(const check_config *c, const check_result *r)
{
    scenario sc;
    char err[512];
    cr_assert_eq(scenario_load_bytes("cx.yaml", (const uint8_t *)r->counterexample, strlen(r->counterexample), &sc,
                                     err, sizeof err), 0, "%s\n%s", err, r->counterexample);
    hrun_options opt = {c->ops, c->guarantee, c->check_progress, true};
    hrun_result res;
    cr_assert_eq(hrun_scenario(&sc, &opt, &res), 0);
    cr_assert_eq(res.outcome, HRUN_VIOLATION, "%s: replay did not fail: %s", c->strategy, res.trace);
    cr_assert_str_eq(res.message, r->message);
    hrun_result_free(&res);
    scenario_free(&sc);
}

BS_TEST(check, every_strategy_exhausts_small_configurations_without_violation)
{
    for (size_t i = 0; i < 5; i++) {
        check_config c = config(every_strategy[i], 2, 2);
        c.disk_fault = true;
        /* block may deadlock when a barrier goes missing (see the deadlock test) */
        c.skip = strcmp(every_strategy[i], "block") != 0;
        check_result r;
        run_check(&c, &r);
        cr_assert(!r.violation, "%s: %s", every_strategy[i], r.message);
        cr_assert(r.complete);
        cr_assert_gt(r.states, 50);
        cr_log_info("%s: 2x2 eop cancel skip disk-fault: %llu states", every_strategy[i],
                    (unsigned long long)r.states);
        check_result_free(&r);
    }
}

BS_TEST(check, a_lost_barrier_deadlocks_block_and_the_timeout_frees_aligned_timeout)
{
    check_config c = config("block", 2, 1);
    c.eop = c.cancel = false;
    c.skip = true;
    check_result r;
    run_check(&c, &r);
    cr_assert(r.violation);
    cr_assert(strncmp(r.message, "deadlock:", 9) == 0, "%s", r.message);
    expect_replays(&c, &r);
    check_config shorter = c;
    shorter.max_depth = r.counterexample_steps - 1;
    check_result r2;
    run_check(&shorter, &r2);
    cr_assert(!r2.violation, "not the shortest deadlock");
    check_config at = config("aligned-timeout", 2, 1);
    at.eop = at.cancel = false;
    at.skip = true;
    check_result r3;
    run_check(&at, &r3);
    cr_assert(!r3.violation && r3.complete, "aligned-timeout: %s", r3.message);
    check_result_free(&r);
    check_result_free(&r2);
    check_result_free(&r3);
}

static void expect_found_shortest(const char *name, uint32_t channels, uint32_t checkpoints, bool skip)
{
    check_config c = config(name, channels, checkpoints);
    c.skip = skip;
    c.eop = c.cancel = !skip; /* with skip alone: a late eop would free a stuck channel */
    check_result r;
    run_check(&c, &r);
    cr_assert(r.violation, "%s not found", name);
    cr_assert(r.counterexample);
    expect_replays(&c, &r);
    check_config shorter = c;
    shorter.max_depth = r.counterexample_steps - 1;
    check_result r2;
    run_check(&shorter, &r2);
    cr_assert(!r2.violation, "%s: a path of %u steps exists, shorter than %u", name, r2.counterexample_steps,
              r.counterexample_steps);
    cr_log_info("%s: %u steps, %llu states: %s", name, r.counterexample_steps, (unsigned long long)r.states,
                r.message);
    check_result_free(&r);
    check_result_free(&r2);
}

BS_TEST(check, every_planted_bug_is_found_with_a_shortest_counterexample_that_replays)
{
    for (plant_bug b = PLANT_NONE + 1; b < PLANT_COUNT; b++)
        expect_found_shortest(planted_name(b), 3, 2, false);
    /* the bugs planted in block, unaligned and aligned-timeout that the checker's gate can
     * show (the others need barriers overtaking data: the checker's gate has no priority
     * read, as a handler-level scenario has none) */
    expect_found_shortest(planted_comparison_strategy(PLANT_BLOCK_EARLY_RELEASE)->name, 2, 2, false);
    expect_found_shortest(planted_comparison_strategy(PLANT_UNALIGNED_FORGET_CHANNEL)->name, 2, 2, false);
    /* keeping channels blocked after a timeout shows when a barrier is lost (skip) */
    expect_found_shortest(planted_comparison_strategy(PLANT_TIMEOUT_KEEPS_BLOCKING)->name, 2, 1, true);
}

/* The three searches of a test that a reduction stores the images of the unreduced search:
 * `reduced` as given (every reduction on); `keeping` (reduced with the reduction under test
 * turned off) without symmetry, counting the images of its states under every reduction
 * (count_orbits); and `alone`, reduced without symmetry. */
typedef struct images_run {
    check_result reduced, keeping, alone;
} images_run;

static void run_images(const check_config *reduced, const check_config *keeping, images_run *r)
{
    check_config full = *keeping, alone = *reduced;
    full.symmetry = alone.symmetry = false;
    full.count_orbits = true;
    run_check(reduced, &r->reduced);
    run_check(&full, &r->keeping);
    run_check(&alone, &r->alone);
}

static void images_run_free(images_run *r)
{
    check_result_free(&r->reduced);
    check_result_free(&r->keeping);
    check_result_free(&r->alone);
}

/* Forgetting ended checkpoints: the search stores exactly the images of the states that a
 * search keeping them stores (count_orbits: images under symmetry and forgetting, so the
 * reference runs with neither), with the same verdict; and it stores fewer. */
BS_TEST(check, forgetting_ended_checkpoints_visits_the_images_of_the_unreduced_search)
{
    static const char *const strategies[] = {"spill", "tracker", "block", "unaligned", "aligned-timeout",
                                             "planted-replay-order", "planted-lose-on-rollover"};
    for (size_t i = 0; i < 7; i++) {
        for (uint32_t n = 2; n <= 3; n++) {
            check_config reduced = config(strategies[i], n, n == 2 ? 2 : 1);
            reduced.skip = strcmp(strategies[i], "block") != 0;
            check_config full = reduced;
            full.keep_ended = true;
            images_run r;
            run_images(&reduced, &full, &r);
            const check_result *a = &r.reduced, *b = &r.keeping, *c = &r.alone;
            cr_assert_eq(a->states, b->orbits, "%s %ux: %llu states forgetting, %llu images of %llu states kept",
                         strategies[i], n, (unsigned long long)a->states, (unsigned long long)b->orbits,
                         (unsigned long long)b->states);
            cr_assert_eq(a->violation, b->violation);
            cr_assert_eq(c->violation, b->violation);
            cr_assert(a->violation || (a->complete && b->complete && c->complete));
            if (!a->violation)
                cr_assert_lt(c->states, b->states, "%s %ux: forgetting alone stored no fewer states", strategies[i], n);
            cr_log_info("%s %ux%u: %llu states kept, %llu forgetting, %llu with symmetry too", strategies[i], n,
                        n == 2 ? 2 : 1, (unsigned long long)b->states, (unsigned long long)c->states,
                        (unsigned long long)a->states);
            images_run_free(&r);
        }
    }
}

/* Merging arrival orders (sim/check/model.c, MERGING ARRIVAL ORDERS): the search stores
 * exactly the images of the states a search keeping the orders stores (count_orbits:
 * images under symmetry, forgetting and merged orders, so the reference runs with the
 * orders kept and no symmetry), with the same verdict; and merging alone stores fewer.
 * test_check_order.c shows that the merged states step alike. */
BS_TEST(check, merging_arrival_orders_visits_the_images_of_the_unreduced_search)
{
    static const struct { uint32_t n, k; bool skip; } cfgs[] = {{3, 2, false}, {3, 2, true}, {4, 1, true}};
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        check_config reduced = config("spill", cfgs[i].n, cfgs[i].k);
        reduced.skip = cfgs[i].skip;
        check_config full = reduced;
        full.keep_order = true;
        images_run r;
        run_images(&reduced, &full, &r);
        const check_result *a = &r.reduced, *b = &r.keeping, *c = &r.alone;
        cr_assert_str_eq(a->order_off, "");
        cr_assert_str_eq(b->order_off, "--keep-order");
        cr_assert_eq(a->states, b->orbits, "%ux%u: %llu states merged, %llu images of %llu states kept", cfgs[i].n,
                     cfgs[i].k, (unsigned long long)a->states, (unsigned long long)b->orbits,
                     (unsigned long long)b->states);
        cr_assert(!a->violation && !b->violation && !c->violation);
        cr_assert(a->complete && b->complete && c->complete);
        cr_assert_lt(c->states, b->states, "%ux%u: merging alone stored no fewer states", cfgs[i].n, cfgs[i].k);
        cr_log_info("spill %ux%u%s: %llu states kept, %llu merged, %llu with symmetry too", cfgs[i].n, cfgs[i].k,
                    cfgs[i].skip ? " skip" : "", (unsigned long long)b->states, (unsigned long long)c->states,
                    (unsigned long long)a->states);
        images_run_free(&r);
    }
    /* with fault choices the orders are kept, and the summary says why */
    check_config f = config("spill", 2, 1);
    f.disk_fault = true;
    check_result r;
    run_check(&f, &r);
    cr_assert(strstr(r.order_off, "--disk-fault"), "%s", r.order_off);
    check_result_free(&r);
}

BS_TEST(check, sleep_sets_visit_every_state_of_the_unreduced_search)
{
    static const char *const strategies[] = {"spill", "tracker", "planted-replay-order", "block", "unaligned",
                                             "aligned-timeout"};
    for (size_t i = 0; i < 6; i++) {
        check_config with = config(strategies[i], 3, 1), without = with;
        with.skip = without.skip = true;
        without.sleep_sets = false;
        check_result a, b;
        run_check(&with, &a);
        run_check(&without, &b);
        cr_assert_eq(a.states, b.states, "%s: %llu states with POR, %llu without", strategies[i],
                     (unsigned long long)a.states, (unsigned long long)b.states);
        cr_assert_leq(a.transitions, b.transitions);
        cr_assert_eq(a.violation, b.violation);
        check_result_free(&a);
        check_result_free(&b);
    }
}

/* Symmetry: the reduced search stores exactly one state per orbit of the unreduced
 * search's state set (count_orbits: the distinct canonical forms of the states the
 * unreduced search stored), with and without sleep sets and with two jobs. */
BS_TEST(check, symmetry_visits_one_state_per_orbit_of_the_unreduced_search)
{
    static const char *const strategies[] = {"spill", "tracker", "block", "unaligned", "aligned-timeout",
                                             "planted-replay-order", "planted-lose-on-rollover"};
    for (size_t i = 0; i < 7; i++) {
        for (uint32_t n = 2; n <= 3; n++) {
            check_config reduced = config(strategies[i], n, n == 2 ? 2 : 1), full = reduced;
            /* block may deadlock when a barrier goes missing: without skip it exhausts */
            reduced.skip = full.skip = strcmp(strategies[i], "block") != 0;
            full.symmetry = false;
            full.count_orbits = true;
            check_config no_por = reduced, two = reduced;
            no_por.sleep_sets = false;
            two.jobs = 2;
            check_result a, b, c, d;
            run_check(&reduced, &a);
            run_check(&full, &b);
            run_check(&no_por, &c);
            run_check(&two, &d);
            cr_assert(a.symmetry && !b.symmetry && d.symmetry, "%s: symmetry not on", strategies[i]);
            cr_assert_eq(a.symmetry_inexact, 0);
            cr_assert_eq(a.states, b.orbits, "%s %ux: %llu states with symmetry, %llu orbits of %llu states without",
                         strategies[i], n, (unsigned long long)a.states, (unsigned long long)b.orbits,
                         (unsigned long long)b.states);
            cr_assert_lt(a.states, b.states);
            cr_assert_eq(c.states, a.states, "%s: sleep sets changed the orbits stored", strategies[i]);
            cr_assert_eq(d.states, a.states, "%s: two jobs stored other orbits", strategies[i]);
            cr_assert_eq(a.violation, b.violation);
            cr_assert(a.violation || (a.complete && b.complete));
            cr_log_info("%s %ux%u skip: %llu states, %llu orbits", strategies[i], n, n == 2 ? 2 : 1,
                        (unsigned long long)b.states, (unsigned long long)a.states);
            check_result_free(&a);
            check_result_free(&b);
            check_result_free(&c);
            check_result_free(&d);
        }
    }
    /* a shim whose bug singles out channel 0 has no relabel hook: explored without symmetry */
    check_config shim = config("planted-unaligned-lose-state", 3, 1);
    check_result r;
    run_check(&shim, &r);
    cr_assert(!r.symmetry);
    cr_assert(strstr(r.symmetry_off, "relabel"), "%s", r.symmetry_off);
    check_result_free(&r);
}

/* With symmetry, every planted bug is found at the same depth as without, and its
 * counterexample (a concrete path: no renaming) replays in `run` to the same violation. */
BS_TEST(check, symmetry_finds_every_planted_bug_with_a_counterexample_that_replays)
{
    for (plant_bug b = PLANT_NONE + 1; b < PLANT_COUNT; b++) {
        check_config with = config(planted_name(b), 3, 2), without = with;
        without.symmetry = false;
        check_result x, y;
        run_check(&with, &x);
        run_check(&without, &y);
        cr_assert(x.symmetry, "%s: symmetry off: %s", planted_name(b), x.symmetry_off);
        cr_assert(x.violation && y.violation, "%s not found", planted_name(b));
        cr_assert_eq(x.counterexample_steps, y.counterexample_steps, "%s: %u steps with symmetry, %u without",
                     planted_name(b), x.counterexample_steps, y.counterexample_steps);
        cr_assert_lt(x.states, y.states);
        expect_replays(&with, &x);
        check_result_free(&x);
        check_result_free(&y);
    }
}

/* Hash compaction (only 128-bit hashes stored, blobs dropped after expansion) visits the
 * same states as storing and comparing every state's canonical bytes, and finds the same
 * violations with counterexamples of the same length. */
BS_TEST(check, hash_compaction_visits_every_state_of_the_byte_exact_search)
{
    static const char *const strategies[] = {"spill", "tracker", "planted-replay-order", "block", "unaligned",
                                             "aligned-timeout"};
    for (size_t i = 0; i < 6; i++) {
        check_config compact = config(strategies[i], 3, 1), exact = compact;
        compact.skip = exact.skip = strcmp(strategies[i], "block") != 0;
        exact.no_compaction = true;
        check_result a, b;
        run_check(&compact, &a);
        run_check(&exact, &b);
        cr_assert_eq(a.states, b.states, "%s: %llu states compacted, %llu byte-exact", strategies[i],
                     (unsigned long long)a.states, (unsigned long long)b.states);
        cr_assert_eq(a.transitions, b.transitions);
        cr_assert_eq(a.violation, b.violation);
        cr_assert_eq(a.counterexample_steps, b.counterexample_steps);
        check_result_free(&a);
        check_result_free(&b);
    }
    check_config bug = config("planted-replay-order", 3, 2), bug_exact = bug;
    bug_exact.no_compaction = true;
    check_result x, y;
    run_check(&bug, &x);
    run_check(&bug_exact, &y);
    cr_assert(x.violation && y.violation);
    cr_assert_eq(x.states, y.states);
    cr_assert_eq(x.counterexample_steps, y.counterexample_steps);
    expect_replays(&bug, &x);
    check_result_free(&x);
    check_result_free(&y);
}

/* Zero-byte packing round-trips every length (whole and partial 8-byte groups) and mix of
 * zero and non-zero bytes, and rejects what is not a packed form of the length asked. */
BS_TEST(check, packed_blobs_unpack_to_the_same_bytes)
{
    uint8_t in[67], packed[MC_PACK_BOUND(67)], out[67];
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)round % (sizeof in + 1);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            in[i] = x % 3 == 0 ? (uint8_t)(x >> 40) : 0; /* mostly zero, some 0x80 and 0xff */
        }
        size_t n = mc_pack(in, len, packed);
        cr_assert_leq(n, MC_PACK_BOUND(len));
        memset(out, 0xa5, sizeof out);
        cr_assert_eq(mc_unpack(packed, n, out, len), 0, "length %zu", len);
        cr_assert(len == 0 || memcmp(in, out, len) == 0, "length %zu round %d", len, round);
        if (len >= 9) {
            cr_assert_eq(mc_unpack(packed, n - 1, out, len), -1); /* truncated */
            cr_assert_eq(mc_unpack(packed, n, out, len - 8), -1); /* bytes left over */
        }
    }
    uint8_t last[] = {0x10, 0x01}; /* the mask names a byte past a 4-byte blob's end */
    cr_assert_eq(mc_unpack(last, sizeof last, out, 4), -1);
}

/* Every strategy and one planted bug, for the tests of how states are held. */
static const char *const strategies_and_a_bug[] = {"spill", "tracker", "block", "unaligned", "aligned-timeout",
                                                   "planted-replay-order"};

/* Two configurations that differ only in how states are held search alike: the same states
 * and transitions, the same verdict and counterexample length. */
static void expect_same_search(const check_config *x, const check_config *y, const char *what)
{
    check_result a, b;
    run_check(x, &a);
    run_check(y, &b);
    cr_assert_eq(a.states, b.states, "%s: %llu states, %llu %s", x->strategy, (unsigned long long)a.states,
                 (unsigned long long)b.states, what);
    cr_assert_eq(a.transitions, b.transitions);
    cr_assert_eq(a.violation, b.violation);
    cr_assert_eq(a.counterexample_steps, b.counterexample_steps);
    check_result_free(&a);
    check_result_free(&b);
}

/* A search that packs every blob (LEVEL BLOBS) visits the same states and transitions,
 * and finds the same violations, as one that packs none; with one job and with two. */
BS_TEST(check, packing_every_blob_visits_the_same_states)
{
    for (size_t i = 0; i < 6; i++) {
        check_config plain = config(strategies_and_a_bug[i], 3, 1), packed = plain;
        plain.skip = packed.skip = true;
        plain.jobs = packed.jobs = 1 + (uint32_t)(i % 2);
        packed.pack_from_bytes = 1;
        expect_same_search(&plain, &packed, "packed");
    }
}

/* ARENA RECYCLING: with 64 KiB chunks every chunk of a level is handed to the pool as the
 * expansion passes it and reused by the next level; the search visits the same states and
 * transitions, and finds the same violations, as with 4 MiB chunks (which these small
 * searches never recycle); packed and not, with one job and with two. */
BS_TEST(check, recycling_arena_chunks_visits_the_same_states)
{
    for (size_t i = 0; i < 6; i++) {
        check_config plain = config(strategies_and_a_bug[i], 3, 1), small = plain;
        plain.skip = small.skip = true;
        plain.jobs = small.jobs = 1 + (uint32_t)(i % 2);
        plain.pack_from_bytes = small.pack_from_bytes = i % 3 == 0 ? 1 : 0;
        small.arena_chunk_bytes = 64u << 10;
        expect_same_search(&plain, &small, "recycling");
    }
}

/* DEPTH-FIRST ORDER: the same states as breadth-first (sleep sets, symmetry and compaction
 * on; without sleep sets the same transitions too), and every planted bug found with a
 * counterexample that replays and is no shorter than the shortest. */
BS_TEST(check, depth_first_visits_the_same_states_and_finds_every_planted_bug)
{
    for (size_t i = 0; i < 5; i++) {
        check_config bfs = config(every_strategy[i], 3, 1), dfs = bfs;
        bfs.skip = dfs.skip = true;
        dfs.depth_first = true;
        check_result a, b;
        run_check(&bfs, &a);
        run_check(&dfs, &b);
        cr_assert_eq(a.states, b.states, "%s: %llu states, %llu depth-first", every_strategy[i],
                     (unsigned long long)a.states, (unsigned long long)b.states);
        cr_assert(b.complete && !b.violation);
        bfs.sleep_sets = dfs.sleep_sets = false;
        check_result c, d;
        run_check(&bfs, &c);
        run_check(&dfs, &d);
        cr_assert_eq(c.states, d.states);
        cr_assert_eq(c.transitions, d.transitions);
        check_result_free(&a);
        check_result_free(&b);
        check_result_free(&c);
        check_result_free(&d);
    }
    for (plant_bug p = PLANT_NONE + 1; p < PLANT_COUNT; p++) {
        check_config bfs = config(planted_name(p), 3, 2), dfs = bfs;
        dfs.depth_first = true;
        check_result a, b;
        run_check(&bfs, &a);
        run_check(&dfs, &b);
        cr_assert(a.violation && b.violation, "%s", planted_name(p));
        cr_assert_geq(b.counterexample_steps, a.counterexample_steps);
        expect_replays(&dfs, &b);
        check_result_free(&a);
        check_result_free(&b);
    }
}

/* A set stop flag (what check's signal handler sets) ends the search, breadth-first with
 * one and two jobs and depth-first, as incomplete "interrupted", never complete. */
BS_TEST(check, a_stop_flag_ends_the_search_incomplete)
{
    static volatile sig_atomic_t stop = 1;
    check_config all = config("spill", 3, 2);
    check_result whole;
    run_check(&all, &whole); /* the whole space, for comparison */
    for (int i = 0; i < 3; i++) {
        check_config c = config("spill", 3, 2);
        c.jobs = i == 1 ? 2 : 1;
        c.depth_first = i == 2;
        c.stop = &stop;
        check_result r;
        run_check(&c, &r);
        cr_assert(!r.complete && !r.violation);
        cr_assert_str_eq(r.incomplete, "interrupted");
        cr_assert_lt(r.states, whole.states);
        check_result_free(&r);
    }
    check_result_free(&whole);
}

BS_TEST(check, bitstate_and_shards_find_what_the_exact_search_finds)
{
    check_config c = config("planted-replay-order", 3, 2);
    check_result exact, bits;
    run_check(&c, &exact);
    check_config cb = c;
    cb.bitstate_log2 = 22;
    cb.sleep_sets = false;
    run_check(&cb, &bits);
    cr_assert(exact.violation && bits.violation);
    cr_assert_eq(exact.counterexample_steps, bits.counterexample_steps);
    cr_assert(!bits.complete);
    bool found = false;
    uint64_t states = 0;
    for (uint32_t k = 0; k < 3; k++) {
        check_config cs = c;
        cs.shard = k;
        cs.shards = 3;
        check_result r;
        run_check(&cs, &r);
        found = found || r.violation;
        states += r.states;
        check_result_free(&r);
    }
    cr_assert(found, "no shard found the violation");
    check_config clean = config("spill", 3, 1);
    check_result whole;
    run_check(&clean, &whole);
    uint64_t sum = 0;
    for (uint32_t k = 0; k < 4; k++) {
        check_config cs = clean;
        cs.shard = k;
        cs.shards = 4;
        check_result r;
        run_check(&cs, &r);
        cr_assert(!r.violation && !r.complete);
        cr_assert_str_eq(r.incomplete, "shard");
        sum += r.states;
        check_result_free(&r);
    }
    cr_assert_geq(sum, whole.states, "shards covered %llu states of %llu", (unsigned long long)sum,
                  (unsigned long long)whole.states);
    (void)states;
    check_result_free(&exact);
    check_result_free(&bits);
    check_result_free(&whole);
}

BS_TEST(check, bitstate_and_bounded_searches_never_claim_completeness)
{
    check_config c = config("planted-replay-order", 3, 2);
    c.bitstate_log2 = 10; /* far too small: it misses the violation the exact search finds */
    c.sleep_sets = false;
    c.symmetry = false; /* with it the space is small enough for 2^10 bits */
    check_result r;
    run_check(&c, &r);
    cr_assert(!r.violation, "a 2^10-bit search was expected to miss the bug");
    cr_assert(!r.complete);
    cr_assert_str_eq(r.incomplete, "bitstate");
    cr_assert_eq(r.bits_total, 1024);
    cr_assert(r.bits_set > 0 && r.bits_set <= 1024);
    cr_assert(r.hash_factor > 0 && r.hash_factor < 10, "hash factor %.2f", r.hash_factor);
    check_config bounded = config("spill", 3, 2);
    bounded.max_states = 100;
    check_result rb;
    run_check(&bounded, &rb);
    cr_assert(!rb.complete);
    cr_assert_str_eq(rb.incomplete, "max-states");
    check_config deep = config("spill", 3, 2);
    deep.max_depth = 5;
    check_result rd;
    run_check(&deep, &rd);
    cr_assert(!rd.complete);
    cr_assert_str_eq(rd.incomplete, "max-depth");
    check_config whole = config("spill", 2, 1);
    check_result rw;
    run_check(&whole, &rw);
    cr_assert(rw.complete);
    cr_assert_str_eq(rw.incomplete, "");
    check_result_free(&r);
    check_result_free(&rb);
    check_result_free(&rd);
    check_result_free(&rw);
}

BS_TEST(check, jobs_share_one_visited_set_and_store_each_state_once)
{
    static const char *const strategies[] = {"spill", "tracker"};
    for (size_t i = 0; i < 2; i++) {
        check_config one = config(strategies[i], 3, 2);
        /* without symmetry: with it, which member of an orbit is stored first (and so
         * which renaming its sleep set is kept under) depends on the order states arrive
         * in, so transition counts may differ; the states stored do not (symmetry test) */
        one.symmetry = false;
        check_config two = one, three = one;
        two.jobs = 2;
        three.jobs = 3;
        check_result a, b, c;
        run_check(&one, &a);
        run_check(&two, &b);
        run_check(&three, &c);
        cr_assert(a.complete && b.complete && c.complete);
        cr_assert_eq(a.states, b.states, "%s: %llu states with one job, %llu with two", strategies[i],
                     (unsigned long long)a.states, (unsigned long long)b.states);
        cr_assert_eq(a.states, c.states);
        cr_assert_eq(a.transitions, b.transitions);
        cr_assert_eq(a.depth, b.depth);
        check_result_free(&a);
        check_result_free(&b);
        check_result_free(&c);
    }
    check_config bug = config("planted-replay-order", 3, 2), bug2 = bug;
    bug2.jobs = 2;
    check_result x, y;
    run_check(&bug, &x);
    run_check(&bug2, &y);
    cr_assert(x.violation && y.violation);
    cr_assert_eq(x.counterexample_steps, y.counterexample_steps, "two jobs: not the shortest counterexample");
    /* a violation at depth d ends the search after level d: every state of depth <= d + 1
     * is stored, whoever found it, so J jobs store exactly what one does */
    cr_assert_eq(x.states, y.states, "stopped early: %llu states with one job, %llu with two",
                 (unsigned long long)x.states, (unsigned long long)y.states);
    cr_assert_eq(x.depth, y.depth);
    expect_replays(&bug2, &y);
    check_result_free(&x);
    check_result_free(&y);
}
