/*
 * test_engine_twoin.c: two-input stages (sim.h, SIM_IN2_NONE; topo.c, partition.c, task.c).
 * One barrier handler aligns over the channels of both inputs (Flink's
 * InputProcessorUtil.createCheckpointBarrierHandler): a blocking task triggers K only after
 * b<K> came on every channel of both inputs, and an unaligned one persists in-flight
 * records of both inputs as channel state. The wiring, the copies the sinks count, the
 * alternation between inputs, the loader's errors at file:line:col and the replay and
 * scenario files are pinned too.
 */
#include "bs_test.h"

#include "../sim/engine/engine_int.h"
#include "../sim/report/simconf.h"
#include "../sim/simscen/simscen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2 sources, 4 stages of 2 tasks; s2 reads s1 (forward) and s0 (all-to-all): s2t0's gate
 * has in0 (s1t0) and in1, in2 (s0t0, s0t1). Checkpoints every 100 us. */
static void diamond(sim_config *c, const char *strategy)
{
    sim_config_default(c);
    c->sources = 2;
    c->parallelism = 2;
    c->stages = 4;
    c->link[0] = SIM_LINK_ALL_TO_ALL;
    c->link[1] = SIM_LINK_REBALANCE;
    c->link[2] = SIM_LINK_FORWARD;
    c->link[3] = SIM_LINK_HASH;
    c->in2_from[2] = 1; /* stage 0 */
    c->in2_link[2] = SIM_LINK_ALL_TO_ALL;
    c->records_per_source = 300;
    c->checkpoint_interval_ns = 100000;
    c->strategy = strategy;
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

BS_TEST(twoin, wiring_puts_both_inputs_behind_one_gate)
{
    sim_config c;
    diamond(&c, "block");
    cr_assert_null(sim_in2_problem(&c));
    cr_assert_eq(sim_in2_stage(&c, 2), 0u);
    cr_assert_eq(sim_in2_consumer(&c, 0), 2u);
    cr_assert_eq(sim_in2_stage(&c, 1), SIM_NONE_STAGE);
    /* s1t0 -> s2t0 (forward) and s0t0, s0t1 -> s2t0; s1t1 -> s2t0 is not a channel */
    uint32_t s0t0 = 2, s0t1 = 3, s1t0 = 4, s1t1 = 5, s2t0 = 6, s3t0 = 8;
    cr_assert(sim_channel_exists(&c, s1t0, s2t0));
    cr_assert(!sim_channel_exists(&c, s1t1, s2t0));
    cr_assert(sim_channel_exists(&c, s0t0, s2t0) && sim_channel_exists(&c, s0t1, s2t0));
    cr_assert(!sim_channel_exists(&c, s0t0, s3t0));
    /* every record reaches the sinks twice: once down the chain, once through s0 -> s2 */
    cr_assert_eq(sim_link_copies(&c, 2), 1u);
    cr_assert_eq(sim_link_copies(&c, 3), 2u);
    cr_assert_eq(sim_link_copies(&c, 4), 2u);
    c.in2_link[2] = SIM_LINK_BROADCAST; /* 1 + 2 copies */
    cr_assert_eq(sim_link_copies(&c, 4), 3u);
    /* shapes the engine refuses */
    c.in2_from[2] = 2; /* s1: the first input's own stage */
    cr_assert_not_null(sim_in2_problem(&c));
    c.in2_from[2] = 1;
    c.in2_from[3] = 1; /* s0 would feed two second inputs */
    cr_assert_not_null(sim_in2_problem(&c));
    sim_result r;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
}

/* The ports on which task `who` took b<k> before its trigger of k (a bit per port), for
 * every trigger of k at `who` in the trace; returns the triggers seen. */
static int ports_before_trigger(const char *trace, const char *who, uint32_t n_in, uint32_t *missing)
{
    char want_take[64], want_trig[64];
    int triggers = 0;
    snprintf(want_take, sizeof want_take, " %s take b", who);
    snprintf(want_trig, sizeof want_trig, " %s trigger ", who);
    uint64_t seen[64] = {0}; /* by checkpoint id */
    for (const char *l = trace; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *t = strstr(l, want_take), *g = strstr(l, want_trig), *nl = strchr(l, '\n');
        unsigned long long k = 0, port = 0;
        if (t && (!nl || t < nl) && sscanf(t + strlen(want_take), "%llu in%llu", &k, &port) == 2 && k < 64)
            seen[k] |= 1ULL << port;
        if (g && (!nl || g < nl) && sscanf(g + strlen(want_trig), "%llu", &k) == 1 && k < 64) {
            triggers++;
            if (seen[k] != (1ULL << n_in) - 1)
                *missing |= (uint32_t)(((1ULL << n_in) - 1) & ~seen[k]);
        }
    }
    return triggers;
}

/* Exactly-once on a join under block: each trigger of the two-input tasks comes after b<K>
 * on the first input's channel AND both of the second input's; the engine's consistent cut
 * (coord.c) holds on every channel of both, and the sinks count every record twice. A
 * handler aligned over one input only would trigger before the other input's barriers. */
BS_TEST(twoin, block_aligns_over_the_channels_of_both_inputs)
{
    sim_config c;
    diamond(&c, "block");
    for (uint64_t seed = 1; seed <= 4; seed++) {
        sim_result r;
        char *trace = traced(&c, seed, &r);
        cr_assert(r.checkpoints_completed >= 3, "seed %llu: %llu completed", (unsigned long long)seed,
                  (unsigned long long)r.checkpoints_completed);
        cr_assert_eq(r.sink_records, 2 * r.reference_records, "seed %llu", (unsigned long long)seed);
        uint32_t missing = 0;
        int t0 = ports_before_trigger(trace, "s2t0", 3, &missing);
        int t1 = ports_before_trigger(trace, "s2t1", 3, &missing);
        cr_assert(t0 >= 3 && t1 >= 3, "seed %llu: triggers %d, %d", (unsigned long long)seed, t0, t1);
        cr_assert_eq(missing, 0u, "seed %llu: a trigger before b<K> on ports %#x", (unsigned long long)seed, missing);
        free(trace);
    }
}

/* Unaligned on a join under back-pressure (a slow sink): the channel state a two-input task
 * persists holds records of both inputs: copy 0 comes down the chain (first input), copy 1
 * straight from s0 (second input; "d<src>:<seq>/1"). */
BS_TEST(twoin, unaligned_persists_in_flight_records_of_both_inputs)
{
    sim_config c;
    diamond(&c, "unaligned");
    c.service[3] = (sim_dist){4000, 8000, 20000};
    c.checkpoint_bound_ns *= 20;
    sim_result r;
    char *trace = traced(&c, 3, &r);
    cr_assert(r.checkpoints_completed >= 1);
    bool first = false, second = false;
    for (const char *l = trace; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *nl = strchr(l, '\n'), *s = strstr(l, " state ");
        if (!s || (nl && s > nl) || (!strstr(l, " s2t0 state ") && !strstr(l, " s2t1 state ")))
            continue;
        const char *d = strchr(s + 7, 'd'), *slash = d ? strchr(d, '/') : NULL;
        if (!d || (nl && d > nl))
            continue;
        if (slash && (!nl || slash < nl))
            second = true;
        else
            first = true;
    }
    cr_assert(first && second, "channel state of the first input %d, of the second %d", first, second);
    free(trace);
}

/* Flink's InputSelection.fairSelectNextIndex: with records waiting on both inputs, a
 * two-input task alternates. No checkpoints (nothing blocked): whenever s2t0 takes a record
 * of the input it read last, the other input must have had nothing arrived and untaken;
 * and with the join the bottleneck, both inputs queue, so it alternates often. Taking items
 * in arrival order instead breaks the first rule hundreds of times in this run. */
BS_TEST(twoin, inputs_alternate_when_both_have_records)
{
    sim_config c;
    diamond(&c, "spill");
    c.checkpoint_interval_ns = 0;
    c.service[2] = (sim_dist){3000, 3000, 3000}; /* the join is the bottleneck: both inputs queue */
    c.checkpoint_bound_ns = 0;
    sim_result r;
    char *trace = traced(&c, 7, &r);
    int alternations = 0, unfair = 0, last = -1, queued[2] = {0, 0};
    for (const char *l = trace; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *nl = strchr(l, '\n'), *a = strstr(l, " s2t0 arrive "), *t = strstr(l, " s2t0 take ");
        const char *at = a && (!nl || a < nl) ? a : t && (!nl || t < nl) ? t : NULL;
        if (!at)
            continue;
        const char *in = strstr(at, " in");
        int input = in && atoi(in + 3) >= 1; /* in0: the first input; in1, in2: the second */
        if (at == a) {
            queued[input]++;
            continue;
        }
        cr_assert(queued[input] > 0, "a take before its arrival");
        queued[input]--;
        if (strncmp(at + 11, "d", 1) != 0) /* records only: eops end an input */
            continue;
        if (last >= 0 && input == last && queued[!input] > 0)
            unfair++;
        alternations += last >= 0 && input != last;
        last = input;
    }
    cr_assert_eq(unfair, 0, "took input %d again while the other had items waiting (%d times)", last, unfair);
    cr_assert(alternations > 100, "alternations %d", alternations);
    free(trace);
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

#define HEAD "name: e\nstrategy: block\nsimulation:\n  stages: 4\n  two-input:\n"

BS_TEST(twoin, scenario_files_refuse_bad_shapes_at_their_place)
{
    expect_error(HEAD "    s3: {inputs: [s2]}\n", "t.yaml:6:18: inputs: a two-input stage needs two inputs, s3 has 1");
    expect_error(HEAD "    s3: {inputs: [s2, s9]}\n", "t.yaml:6:23: inputs: unknown stage 's9' (the stages are s0 .. s3)");
    expect_error(HEAD "    s7: {inputs: [s2, s0]}\n", "t.yaml:6:5: two-input: unknown stage 's7' (the stages are s0 .. s3)");
    expect_error(HEAD "    s2: {inputs: [s1, s3]}\n",
                 "t.yaml:6:23: inputs: s2 reading s3 would make a cycle: a second input comes from a stage before "
                 "the first input (s0 .. s0)");
    expect_error(HEAD "    s3: {inputs: [s2, s2]}\n",
                 "t.yaml:6:23: inputs: s3 reads s2 twice: a second input comes from a stage before the first input "
                 "(s0 .. s1)");
    expect_error(HEAD "    s3: {inputs: [s1, s0]}\n",
                 "t.yaml:6:19: inputs: the first input of s3 is s2, the stage before it (the chain)");
    expect_error(HEAD "    s1: {inputs: [s0, s0]}\n",
                 "t.yaml:6:5: two-input: s1 cannot have a second input: it needs a stage before its first input s0 "
                 "(a two-input stage is s2 or later)");
    expect_error(HEAD "    s2: {inputs: [s1, s0]}\n    s3: {inputs: [s2, s0]}\n",
                 "t.yaml:7:23: inputs: s0 already feeds the second input of s2 (a stage feeds at most one)");
    expect_error(HEAD "    s3: {inputs: [s2, sources]}\n",
                 "t.yaml:6:23: inputs: the sources feed stage s0 only; a second input comes from a stage");
    expect_error(HEAD "    s3: {inputs: [s2, s0], link: hashh}\n",
                 "t.yaml:6:34: link: unknown link 'hashh' (did you mean 'hash'?)");
}

BS_TEST(twoin, scenario_and_replay_files_carry_them)
{
    sim_config c;
    diamond(&c, "spill");
    c.in2_link[2] = SIM_LINK_HASH;
    sim_result a, b;
    cr_assert_eq(sim_run(&c, 5, &a, NULL), 0, "%s", a.message);
    cr_assert_eq(a.outcome, SIM_OK, "%s", a.message);
    char *text = NULL, err[600];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    simconf_write(f, &c, 5, NULL, NULL);
    fclose(f);
    cr_assert_not_null(strstr(text, "two-input: s2<-s0:hash\n"), "%s", text);
    simconf *sc = calloc(1, sizeof *sc);
    cr_assert_not_null(sc);
    cr_assert_eq(simconf_parse(text, len, "h.conf", sc, err, sizeof err), 0, "%s\n%s", err, text);
    cr_assert_eq(sim_run(&sc->cfg, 5, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.trace_hash, b.trace_hash, "%s", text);
    free(sc);
    free(text);
    text = NULL;
    f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    simscen_write(f, &c, 5, "twoin", NULL, NULL);
    fclose(f);
    simscen *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    cr_assert_eq(simscen_load_bytes("w.yaml", (const uint8_t *)text, len, s, err, sizeof err), 0, "%s\n%s", err, text);
    cr_assert_eq(sim_run(&s->cfg, 5, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.trace_hash, b.trace_hash, "%s", text);
    free(s);
    free(text);
}
