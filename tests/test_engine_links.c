/*
 * test_engine_links.c: the link kinds' partitioners (sim_link, sim/engine/partition.c)
 * against values worked out by hand: Flink's murmur hash and key-group mapping for given
 * Integer keys (computed from MathUtils.murmurHash's steps in a separate Python script, see
 * each test), the default max parallelism, the rebalance order, broadcast copies, a single
 * key on one task, Zipf key frequencies against the formula; scenario files refuse bad
 * values at file:line:col, and scenario and replay files carry the new keys.
 */
#include "bs_test.h"

#include "../sim/engine/engine_int.h"
#include "../sim/report/simconf.h"
#include "../sim/simscen/simscen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MathUtils.murmurHash(k) for k = 0 .. 7, -1, 12345 (Python, the same 32-bit steps:
 * *0xcc9e2d51, rotl 15, *0x1b873593, rotl 13, *5+0xe6546b64, ^4, the murmur3 finaliser,
 * negated when negative). */
BS_TEST(links, murmur_hash_of_integer_keys)
{
    static const int32_t keys[] = {0, 1, 2, 3, 4, 5, 6, 7, -1, 12345};
    static const int32_t want[] = {593689054, 68075478, 1085422463, 847579505, 1889779975,
                                   236698494, 975490194, 1343918321, 1982413648, 638799361};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_assert_eq(part_murmur_hash(keys[i]), want[i], "key %d: %d", keys[i], part_murmur_hash(keys[i]));
}

/* computeDefaultMaxParallelism: min(max(roundUpToPowerOfTwo(p + p/2), 128), 32768). */
BS_TEST(links, default_max_parallelism)
{
    cr_assert_eq(part_default_max_parallelism(1), 128u);
    cr_assert_eq(part_default_max_parallelism(4), 128u);
    cr_assert_eq(part_default_max_parallelism(85), 128u);  /* 85 + 42 = 127 */
    cr_assert_eq(part_default_max_parallelism(86), 256u);  /* 86 + 43 = 129 */
    cr_assert_eq(part_default_max_parallelism(256), 512u); /* 384 */
    cr_assert_eq(part_default_max_parallelism(30000), 32768u);
}

/* key -> key group (murmur % 128) -> operator (group * p / 128), p = 4 and p = 3. */
BS_TEST(links, key_to_operator_index)
{
    static const int32_t keys[] = {0, 1, 2, 3, 4, 5, 6, 7};
    static const uint32_t p4[] = {2, 2, 3, 3, 0, 3, 0, 3}; /* groups 94 86 127 113 7 126 18 113 */
    static const uint32_t p3[] = {2, 2, 2, 2, 0, 2, 0, 2};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        cr_assert_eq(part_key_to_operator(keys[i], 128, 4), p4[i], "key %d", keys[i]);
        cr_assert_eq(part_key_to_operator(keys[i], 128, 3), p3[i], "key %d", keys[i]);
    }
    /* max parallelism 256 (murmur % 256 = 222, 214, 127, 113; * 3 / 256) */
    cr_assert_eq(part_key_to_operator(0, 256, 3), 2u);
    cr_assert_eq(part_key_to_operator(2, 256, 3), 1u);
}

static char *traced(const sim_config *c, uint64_t seed, sim_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    cr_assert_eq(sim_run(c, seed, r, f), 0, "%s", r->message);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(r->outcome, SIM_OK, "%s", r->message);
    return buf;
}

/* One source into one stage of `p` tasks over `link`; no checkpoints. */
static void fan_out(sim_config *c, sim_link link, uint32_t p, uint64_t records)
{
    sim_config_default(c);
    c->sources = 1;
    c->stages = 1;
    c->parallelism = p;
    c->link[0] = link;
    c->records_per_source = records;
    c->checkpoint_interval_ns = 0;
    c->strategy = "block";
}

/* The task ("s0t<i>") whose line "arrive d0:<seq>" the trace holds, or -1. */
static int arrived_at(const char *trace, uint64_t seq, uint32_t p)
{
    char what[64];
    for (uint32_t i = 0; i < p; i++) {
        snprintf(what, sizeof what, " s0t%u arrive d0:%llu in", i, (unsigned long long)seq);
        if (strstr(trace, what))
            return (int)i;
    }
    return -1;
}

BS_TEST(links, rebalance_cycles_through_the_channels_from_a_drawn_start)
{
    sim_config c;
    fan_out(&c, SIM_LINK_REBALANCE, 4, 40);
    bool started[4] = {false};
    for (uint64_t seed = 1; seed <= 40; seed++) {
        sim_result r;
        char *t = traced(&c, seed, &r);
        int first = arrived_at(t, 0, 4);
        cr_assert_geq(first, 0);
        started[first] = true;
        for (uint64_t q = 1; q < 40; q++) /* record q goes to the channel after record q-1's */
            cr_assert_eq(arrived_at(t, q, 4), (first + (int)q) % 4, "seed %llu record %llu",
                         (unsigned long long)seed, (unsigned long long)q);
        free(t);
    }
    /* the start is drawn per run (40 seeds: every channel starts some run) */
    for (int i = 0; i < 4; i++)
        cr_assert(started[i], "no run started at channel %d", i);
}

BS_TEST(links, broadcast_copies_every_record_to_every_task)
{
    sim_config c;
    fan_out(&c, SIM_LINK_BROADCAST, 3, 10);
    sim_result r;
    char *t = traced(&c, 3, &r);
    cr_assert_eq(r.records_emitted, 10u);
    cr_assert_eq(r.records_delivered, 30u);
    cr_assert_eq(r.sink_records, 30u);
    /* copy i goes to task i; copy 0 keeps the record's own label */
    cr_assert(strstr(t, " s0t0 arrive d0:9 in0"), "%s", t);
    cr_assert(strstr(t, " s0t1 arrive d0:9/1 in0"), "%s", t);
    cr_assert(strstr(t, " s0t2 arrive d0:9/2 in0"), "%s", t);
    free(t);
    /* through a second broadcast: 3 x 3 copies reach the sinks */
    c.stages = 2;
    c.link[1] = SIM_LINK_BROADCAST;
    cr_assert_eq(sim_run(&c, 3, &r, NULL), 0, "%s", r.message);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_eq(r.records_delivered, 90u);
    /* 4 x 4 x 4 = 64 copies is the most; 5 x 5 x 5 is refused */
    c.stages = 3;
    c.parallelism = 5;
    c.link[2] = SIM_LINK_BROADCAST;
    cr_assert_eq(sim_run(&c, 3, &r, NULL), BS_EINVAL);
    cr_assert(strstr(r.message, "more than 64 copies"), "%s", r.message);
}

BS_TEST(links, one_key_sends_every_record_to_its_task)
{
    sim_config c;
    fan_out(&c, SIM_LINK_HASH, 4, 30);
    c.key_count = 1; /* key 0: group 94 of 128, operator 94 * 4 / 128 = 2 */
    sim_result r;
    char *t = traced(&c, 9, &r);
    for (uint64_t q = 0; q < 30; q++)
        cr_assert_eq(arrived_at(t, q, 4), 2, "record %llu", (unsigned long long)q);
    cr_assert(strstr(t, " key-count=1 key-skew=0\n"), "the header names the keys");
    free(t);
    /* keys 0 .. 7 map to operators 2 2 3 3 0 3 0 3: task 1 gets nothing */
    c.key_count = 8;
    t = traced(&c, 9, &r);
    cr_assert(!strstr(t, " s0t1 arrive d0:"), "task 1 holds no key of 0 .. 7");
    cr_assert(strstr(t, " s0t0 arrive d0:") && strstr(t, " s0t2 arrive d0:") && strstr(t, " s0t3 arrive d0:"));
    free(t);
}

/* Draws the keys of labels 0 .. n-1 of source 0 and counts them. */
static void key_counts(uint32_t keys, uint32_t skew_milli, uint64_t n, uint64_t *count)
{
    sim_config c;
    fan_out(&c, SIM_LINK_HASH, 4, 1);
    c.key_count = keys;
    c.key_skew_milli = skew_milli;
    sim_world w = {.cfg = &c, .seed = 77};
    cr_assert_eq(part_open(&w), 0);
    for (uint64_t q = 0; q < n; q++) {
        uint32_t k = part_key(&w, sim_label(0, q));
        cr_assert_lt(k, keys);
        count[k]++;
        /* broadcast copies keep the key */
        cr_assert_eq(part_key(&w, sim_label_copy_of(sim_label(0, q), 5)), k);
    }
    part_free(&w);
}

/* Zipf with s = 1 over 4 keys: k^-1 / (1 + 1/2 + 1/3 + 1/4) = 0.48, 0.24, 0.16, 0.12; with
 * 100000 draws each share is within 0.005 (over 3 standard deviations). */
BS_TEST(links, zipf_frequencies_follow_the_formula)
{
    uint64_t count[4] = {0};
    key_counts(4, 1000, 100000, count);
    static const double want[] = {0.48, 0.24, 0.16, 0.12};
    for (int k = 0; k < 4; k++) {
        double got = (double)count[k] / 100000.0;
        cr_assert(got > want[k] - 0.005 && got < want[k] + 0.005, "key %d: %f, want %f", k, got, want[k]);
    }
    /* s = 2 over 3 keys: 1, 1/4, 1/9 over 49/36: 0.7347, 0.1837, 0.0816 */
    uint64_t c3[3] = {0};
    key_counts(3, 2000, 100000, c3);
    cr_assert(c3[0] > 72970 && c3[0] < 73970, "%llu", (unsigned long long)c3[0]);
    cr_assert(c3[2] > 7660 && c3[2] < 8660, "%llu", (unsigned long long)c3[2]);
    /* s = 0: uniform over 5 keys, 0.2 each */
    uint64_t c5[5] = {0};
    key_counts(5, 0, 100000, c5);
    for (int k = 0; k < 5; k++)
        cr_assert(c5[k] > 19500 && c5[k] < 20500, "key %d: %llu", k, (unsigned long long)c5[k]);
    /* the weights themselves: 3^-1.5 = 0.19245 */
    double w = part_zipf_weight(3, 1500);
    cr_assert(w > 0.192449 && w < 0.192451, "%.9f", w);
}

static void expect_error(const char *text, const char *want)
{
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200] = "";
    cr_assert_not_null(sc);
    int rc = simscen_load_bytes("t.yaml", (const uint8_t *)text, strlen(text), sc, err, sizeof err);
    cr_assert_eq(rc, -1, "loaded, rc %d: %s", rc, text);
    cr_assert_str_eq(err, want);
    free(sc);
}

BS_TEST(links, scenario_files_refuse_bad_values_at_their_place)
{
    expect_error("name: e\nstrategy: spill\nsimulation:\n  stages: 2\n  link: [hash, rebalanse]\n",
                 "t.yaml:5:16: link: unknown link 'rebalanse' (did you mean 'rebalance'?)");
    expect_error("name: e\nstrategy: spill\nsimulation:\n  link: hash\n  key-count: 0\n",
                 "t.yaml:5:14: key-count: 0 is out of range (1..1048576)");
    expect_error("name: e\nstrategy: spill\nsimulation:\n  link: hash\n  key-skew: 5001\n",
                 "t.yaml:5:13: key-skew: 5001 is out of range (0..5000)");
    expect_error("name: e\nstrategy: spill\nsimulation:\n  link: all-to-all\n  key-skew: 900\n",
                 "t.yaml:5:13: key-skew: only hash links have keys, and no stage boundary has a hash link "
                 "(link: hash)");
    expect_error("name: e\nstrategy: spill\nsimulation:\n  stages: 3\n  parallelism: 5\n  link: broadcast\n",
                 "t.yaml:6:9: link: the broadcast links copy each record more than 64 times (parallelism 5 per "
                 "broadcast link, multiplied)");
}

BS_TEST(links, scenario_and_replay_files_carry_them)
{
    sim_config c;
    fan_out(&c, SIM_LINK_HASH, 4, 50);
    c.stages = 3;
    c.link[1] = SIM_LINK_BROADCAST;
    c.link[2] = SIM_LINK_REBALANCE;
    c.key_count = 7;
    c.key_skew_milli = 1200;
    sim_result a, b;
    cr_assert_eq(sim_run(&c, 5, &a, NULL), 0, "%s", a.message);
    cr_assert_eq(a.outcome, SIM_OK, "%s", a.message);
    /* a replay configuration */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    simconf_write(f, &c, 5, NULL, NULL);
    fclose(f);
    cr_assert(strstr(text, "links: hash, broadcast, rebalance\nkey-count: 7\nkey-skew: 1200\n") ||
              (strstr(text, "links: hash, broadcast, rebalance\n") && strstr(text, "key-count: 7\n") &&
               strstr(text, "key-skew: 1200\n")), "%s", text);
    simconf *sc = calloc(1, sizeof *sc);
    char err[600];
    cr_assert_not_null(sc);
    cr_assert_eq(simconf_parse(text, len, "h.conf", sc, err, sizeof err), 0, "%s\n%s", err, text);
    cr_assert_eq(sim_run(&sc->cfg, 5, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.trace_hash, b.trace_hash, "%s", text);
    free(sc);
    free(text);
    /* a scenario file */
    text = NULL;
    f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    simscen_write(f, &c, 5, "links", NULL, NULL);
    fclose(f);
    simscen *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    cr_assert_eq(simscen_load_bytes("w.yaml", (const uint8_t *)text, len, s, err, sizeof err), 0, "%s\n%s", err, text);
    cr_assert_eq(sim_run(&s->cfg, 5, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.trace_hash, b.trace_hash, "%s", text);
    free(s);
    free(text);
}
