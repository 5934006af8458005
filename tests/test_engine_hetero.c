/*
 * test_engine_hetero.c: heterogeneity (sim_config.hetero, sim/engine/topo.c): a per-task
 * service time, a per-source interval and a per-channel latency change exactly what they
 * name, against timings worked out by hand; without overrides nothing changes; overrides
 * that name what the topology lacks are refused; scenario files and replay configurations
 * carry them.
 */
#include "bs_test.h"

#include "../sim/engine/sim.h"
#include "../sim/report/simconf.h"
#include "../sim/simscen/simscen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The time of the first trace line holding `what`, or UINT64_MAX. */
static uint64_t first_time(const char *trace, const char *what)
{
    const char *p = strstr(trace, what);
    if (!p)
        return UINT64_MAX;
    while (p > trace && p[-1] != '\n')
        p--;
    return strtoull(p, NULL, 10);
}

/* The shortest time between two consecutive trace lines holding `what`. */
static uint64_t min_gap(const char *trace, const char *what)
{
    uint64_t gap = UINT64_MAX, last = UINT64_MAX;
    for (const char *p = trace; (p = strstr(p, what)) != NULL; p++) {
        const char *line = p;
        while (line > trace && line[-1] != '\n')
            line--;
        uint64_t at = strtoull(line, NULL, 10);
        if (last != UINT64_MAX && at - last < gap)
            gap = at - last;
        last = at;
    }
    return gap;
}

/* 2 sources -> 2 tasks, all-to-all, constant latencies and service times, no checkpoints. */
static void two_by_two(sim_config *c)
{
    sim_config_default(c);
    c->sources = 2;
    c->stages = 1;
    c->parallelism = 2;
    c->records_per_source = 40;
    c->latency = (sim_dist){1000, 1000, 1000};
    c->service[0] = (sim_dist){100, 100, 100};
    c->source_interval_ns = 2000;
    c->checkpoint_interval_ns = 0;
    c->strategy = "block";
}

BS_TEST(hetero, a_channel_latency_applies_to_that_channel_only)
{
    sim_config c;
    two_by_two(&c);
    c.hetero[c.n_hetero++] = (sim_hetero){SIM_HETERO_LATENCY, 0, 3, {50000, 50000, 50000}}; /* src0 -> s0t1 */
    sim_result r;
    char *t = traced(&c, 1, &r);
    /* every record src0 sends to s0t1 arrives 50 us after it was sent, the others 1 us */
    uint64_t slow = first_time(t, "s0t1 arrive d0:"), fast = first_time(t, "s0t0 arrive d0:");
    cr_assert_neq(slow, UINT64_MAX);
    cr_assert_neq(fast, UINT64_MAX);
    cr_assert_geq(slow, 50000u, "%llu", (unsigned long long)slow);
    cr_assert_lt(fast, 50000u, "%llu", (unsigned long long)fast);
    cr_assert_lt(first_time(t, "s0t1 arrive d1:"), 50000u);
    cr_assert(strstr(t, " hetero=latency:src0->s0t1=50000/50000/50000"), "the header names the override");
    free(t);
}

BS_TEST(hetero, a_straggler_task_is_slower_and_only_it)
{
    sim_config c;
    two_by_two(&c);
    c.source_interval_ns = 100;
    sim_result base, slow;
    free(traced(&c, 2, &base));
    c.hetero[c.n_hetero++] = (sim_hetero){SIM_HETERO_SERVICE, 3, 0, {20000, 20000, 20000}}; /* s0t1 */
    char *t = traced(&c, 2, &slow);
    /* s0t1 takes 20 us per record: its ~40 records need ~800 us; s0t0 ends far earlier */
    cr_assert_gt(slow.time_ns, base.time_ns + 500000, "%llu vs %llu", (unsigned long long)slow.time_ns,
                 (unsigned long long)base.time_ns);
    /* only s0t1 is slow: its handler returns a record at most every 20 us, s0t0's faster */
    cr_assert_geq(min_gap(t, " s0t1 ret d"), 20000u);
    cr_assert_lt(min_gap(t, " s0t0 ret d"), 1000u);
    free(t);
}

BS_TEST(hetero, a_source_interval_applies_to_that_source_only)
{
    sim_config c;
    two_by_two(&c);
    c.hetero[c.n_hetero++] = (sim_hetero){SIM_HETERO_INTERVAL, 1, 0, {20000, 20000, 20000}}; /* src1 */
    sim_result r;
    char *t = traced(&c, 3, &r);
    /* exponential gaps with means 2 us and 20 us: 40 records take ~80 us and ~800 us */
    uint64_t end0 = first_time(t, "src0 eop"), end1 = first_time(t, "src1 eop");
    cr_assert_lt(end0, 250000u, "%llu", (unsigned long long)end0);
    cr_assert_gt(end1, 400000u, "%llu", (unsigned long long)end1);
    free(t);
}

BS_TEST(hetero, no_override_changes_nothing)
{
    sim_config c;
    two_by_two(&c);
    sim_result a, b;
    cr_assert_eq(sim_run(&c, 4, &a, NULL), 0, "%s", a.message);
    /* an override that repeats the job-wide value draws the same numbers: the same run but
     * for its header line */
    c.hetero[c.n_hetero++] = (sim_hetero){SIM_HETERO_SERVICE, 2, 0, c.service[0]};
    cr_assert_eq(sim_run(&c, 4, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.events, b.events);
    cr_assert_eq(a.time_ns, b.time_ns);
    cr_assert_eq(a.sink_fold, b.sink_fold);
    cr_assert_neq(a.trace_hash, b.trace_hash);
}

BS_TEST(hetero, overrides_the_topology_lacks_are_refused)
{
    sim_config c;
    two_by_two(&c);
    sim_result r;
    c.hetero[0] = (sim_hetero){SIM_HETERO_SERVICE, 1, 0, {1, 1, 1}}; /* src1 is not a task */
    c.n_hetero = 1;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    cr_assert(strstr(r.message, "not a task"), "%s", r.message);
    c.hetero[0] = (sim_hetero){SIM_HETERO_INTERVAL, 2, 0, {1, 1, 1}}; /* s0t0 is not a source */
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    c.hetero[0] = (sim_hetero){SIM_HETERO_LATENCY, 2, 3, {1, 1, 1}}; /* s0t0 -> s0t1: no channel */
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    cr_assert(strstr(r.message, "lacks"), "%s", r.message);
    c.link[0] = SIM_LINK_FORWARD;
    c.hetero[0] = (sim_hetero){SIM_HETERO_LATENCY, 0, 3, {1, 1, 1}}; /* forward: src0 feeds s0t0 only */
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    c.hetero[0] = (sim_hetero){SIM_HETERO_LATENCY, 1, 3, {1, 1, 1}};
    cr_assert_eq(sim_run(&c, 1, &r, NULL), 0, "%s", r.message);
}

static simscen *load(const char *text, char *err, size_t err_len)
{
    simscen *sc = calloc(1, sizeof *sc);
    cr_assert_not_null(sc);
    if (simscen_load_bytes("h.yaml", (const uint8_t *)text, strlen(text), sc, err, err_len) != 0) {
        free(sc);
        return NULL;
    }
    return sc;
}

BS_TEST(hetero, scenario_keys_by_name)
{
    static const char text[] = "name: h\nstrategy: block\nsimulation:\n  sources: 2\n  stages: 2\n  parallelism: 2\n"
                               "  per-task-service-ns: {s1t0: {min: 3000}, s0t1: {min: 10, mean: 20, max: 90}}\n"
                               "  per-source-interval-ns: {src1: 8000}\n"
                               "  per-channel-latency-ns: {src0->s0t1: {min: 500}, s0t0->s1t1: {min: 7}}\n";
    char err[600];
    simscen *sc = load(text, err, sizeof err);
    cr_assert_not_null(sc, "%s", err);
    const sim_config *c = &sc->cfg;
    cr_assert_eq(c->n_hetero, 5u);
    cr_assert_eq(c->hetero[0].kind, SIM_HETERO_INTERVAL); /* rows in table order */
    cr_assert_eq(c->hetero[0].node, 1u);
    cr_assert_eq(c->hetero[0].d.mean_ns, 8000u);
    cr_assert_eq(c->hetero[1].kind, SIM_HETERO_SERVICE);
    cr_assert_eq(c->hetero[1].node, 2u + 2u);             /* s1t0 */
    cr_assert_eq(c->hetero[1].d.mean_ns, 3000u);
    cr_assert_eq(c->hetero[2].node, 3u);                  /* s0t1 */
    cr_assert_eq(c->hetero[2].d.max_ns, 90u);
    cr_assert_eq(c->hetero[3].kind, SIM_HETERO_LATENCY);
    cr_assert_eq(c->hetero[3].node, 0u);
    cr_assert_eq(c->hetero[3].to, 3u);
    cr_assert_eq(c->hetero[4].node, 2u);
    cr_assert_eq(c->hetero[4].to, 5u);
    free(sc);
}

BS_TEST(hetero, scenario_errors_name_the_place)
{
    static const struct {
        const char *keys, *want;
    } bad[] = {
        {"  per-task-service-ns: {s2t0: {min: 1}}\n", "h.yaml:7:25: per-task-service-ns: 's2t0' is not a task (s0t0 .. s1t1)"},
        {"  per-task-service-ns: {src0: {min: 1}}\n", "h.yaml:7:25: per-task-service-ns: 'src0' is not a task"},
        {"  per-source-interval-ns: {src2: 5}\n", "h.yaml:7:28: per-source-interval-ns: 'src2' is not a source (src0 .. src1)"},
        {"  per-channel-latency-ns: {s0t0->s0t1: {min: 1}}\n", "h.yaml:7:28: per-channel-latency-ns: 's0t0->s0t1' is not a channel"},
        {"  per-channel-latency-ns: {src0: {min: 1}}\n", "h.yaml:7:28: per-channel-latency-ns: 'src0' is not a channel"},
        {"  per-task-service-ns: [s0t0]\n", "h.yaml:7:24: per-task-service-ns: expected a mapping"},
        {"  per-source-interval-ns: {src1: x}\n", "h.yaml:7:34: per-source-interval-ns: expected an integer"},
        {"  per-task-service-ns: {s0t0: {min: 5, mean: 2}}\n", "h.yaml:7:46: mean: must be from min to max"},
        {"  per-task-service-ns: {s0t0: {min: 5}, s0t0: {min: 6}}\n", "h.yaml:7:41: per-task-service-ns: 's0t0' is given twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[512], err[600];
        snprintf(text, sizeof text, "name: h\nstrategy: block\nsimulation:\n  sources: 2\n  stages: 2\n"
                 "  parallelism: 2\n%s", bad[i].keys);
        simscen *sc = load(text, err, sizeof err);
        cr_assert_null(sc, "%s", bad[i].keys);
        cr_assert(strstr(err, bad[i].want), "got: %s\nwanted: %s", err, bad[i].want);
    }
}

BS_TEST(hetero, replay_configurations_carry_them)
{
    sim_config c;
    two_by_two(&c);
    c.hetero[c.n_hetero++] = (sim_hetero){SIM_HETERO_LATENCY, 1, 2, {10, 20, 30}};
    c.hetero[c.n_hetero++] = (sim_hetero){SIM_HETERO_SERVICE, 3, 0, {1, 2, 3}};
    c.hetero[c.n_hetero++] = (sim_hetero){SIM_HETERO_INTERVAL, 0, 0, {900, 900, 900}};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    simconf_write(f, &c, 5, NULL, NULL);
    fclose(f);
    simconf *sc = calloc(1, sizeof *sc);
    char err[600];
    cr_assert_not_null(sc);
    cr_assert_eq(simconf_parse(text, len, "h.conf", sc, err, sizeof err), 0, "%s\n%s", err, text);
    cr_assert_eq(sc->cfg.n_hetero, 3u, "%s", text);
    sim_result a, b;
    cr_assert_eq(sim_run(&c, 5, &a, NULL), 0, "%s", a.message);
    cr_assert_eq(sim_run(&sc->cfg, 5, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.trace_hash, b.trace_hash, "%s", text);
    free(sc);
    free(text);
}
