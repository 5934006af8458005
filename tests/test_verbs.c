/*
 * test_verbs.c: the library behind fuzz, replay, soak and merge (sim/report/): shards
 * partition the seeds and merge back to the unsharded totals, seeds draw valid and
 * reproducible configurations, the configuration file round-trips and reports its
 * errors by line, reports survive JSON and escape for XML, and shrinking keeps the
 * failure while making the run smaller.
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../sim/report/fuzz.h"
#include "../sim/report/report.h"
#include "../sim/report/simconf.h"
#include "../sim/report/swarm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void totals_equal(const fuzz_totals *a, const fuzz_totals *b)
{
    cr_assert_eq(a->seeds, b->seeds);
    cr_assert_eq(a->passed, b->passed);
    cr_assert_eq(a->failed, b->failed);
    cr_assert_eq(a->events, b->events);
    cr_assert_eq(a->checkpoints_started, b->checkpoints_started);
    cr_assert_eq(a->checkpoints_completed, b->checkpoints_completed);
    cr_assert_eq(a->checkpoints_declined, b->checkpoints_declined);
    cr_assert_eq(a->checkpoints_timed_out, b->checkpoints_timed_out);
    cr_assert_eq(a->checkpoints_abandoned, b->checkpoints_abandoned);
    cr_assert_eq(a->records_delivered, b->records_delivered);
    cr_assert_eq(a->faults_fired, b->faults_fired);
    cr_assert_eq(a->restarts, b->restarts);
    cr_assert_eq(a->hash_sum, b->hash_sum);
}

BS_TEST(verbs, shards_partition_the_seed_range)
{
    for (uint64_t base = 0; base < 7; base++) {
        for (uint32_t n = 1; n <= 5; n++) {
            unsigned hits[40] = {0};
            for (uint32_t k = 0; k < n; k++) {
                uint64_t s;
                cr_assert(fuzz_shard_first(base, k, n, &s));
                cr_assert_geq(s, base);
                cr_assert_lt(s, base + n);
                for (; s < base + 30; s += n) {
                    cr_assert_eq(s % n, k);
                    hits[s - base]++;
                }
            }
            for (int i = 0; i < 30; i++)
                cr_assert_eq(hits[i], 1, "base %llu, %u shards: seed %d run %u times", (unsigned long long)base, n,
                             (int)base + i, hits[i]);
        }
    }
}

/* Runs 4 shards, merges their JSON reports read back from files, and compares. */
BS_TEST(verbs, four_shards_merged_equal_the_unsharded_totals)
{
    fuzz_opts o = {.strategy = "any", .seed_base = 5, .seeds = 24, .shards = 1};
    fuzz_report whole, sum, part, back;
    cr_assert_eq(fuzz_loop(&o, &whole, NULL, NULL), 0);
    cr_assert_eq(whole.totals.seeds, 24);
    memset(&sum, 0, sizeof sum);
    char err[1400];
    for (uint32_t k = 0; k < 4; k++) {
        o.shards = 4;
        o.shard = k;
        cr_assert_eq(fuzz_loop(&o, &part, NULL, NULL), 0);
        char path[] = "/tmp/barriersim-test-verbs-XXXXXX";
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        FILE *f = fdopen(fd, "w");
        report_write_json(f, &part, "barriersim");
        fclose(f);
        cr_assert_eq(report_read_json(path, &back, err, sizeof err), 0, "%s", err);
        unlink(path);
        totals_equal(&back.totals, &part.totals);
        cr_assert_eq(report_merge(&sum, &back, err, sizeof err), 0, "%s", err);
        fuzz_report_free(&back);
        fuzz_report_free(&part);
    }
    cr_assert_eq(report_shards_covered(&sum), 4);
    totals_equal(&sum.totals, &whole.totals);
    cr_assert_eq(sum.n_failures, whole.n_failures);
    fuzz_report_free(&sum);
    fuzz_report_free(&whole);
}

BS_TEST(verbs, merge_refuses_a_shard_twice_and_foreign_reports)
{
    fuzz_opts o = {.strategy = "spill", .seeds = 4, .shards = 2, .shard = 1};
    fuzz_report a, sum;
    cr_assert_eq(fuzz_loop(&o, &a, NULL, NULL), 0);
    memset(&sum, 0, sizeof sum);
    char err[1400];
    cr_assert_eq(report_merge(&sum, &a, err, sizeof err), 0);
    cr_assert_eq(report_merge(&sum, &a, err, sizeof err), -1);
    cr_assert(strstr(err, "shard 1 is given twice"), "%s", err);
    snprintf(a.strategy, sizeof a.strategy, "tracker");
    a.shard_bits[0] = 1;
    cr_assert_eq(report_merge(&sum, &a, err, sizeof err), -1);
    cr_assert(strstr(err, "not shards of one run"), "%s", err);
    fuzz_report_free(&a);
    fuzz_report_free(&sum);
}

BS_TEST(verbs, a_seed_draws_the_same_valid_configuration_every_time)
{
    for (uint64_t seed = 0; seed < 300; seed++) {
        sim_config a, b;
        swarm_draw(seed, SWARM_ANY, &a);
        swarm_draw(seed, SWARM_ANY, &b);
        cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "seed %llu", (unsigned long long)seed);
        cr_assert(a.stages >= 1 && a.stages <= 3 && a.parallelism >= 1 && a.parallelism <= 4);
        cr_assert(a.link[0] != SIM_LINK_FORWARD || a.sources == a.parallelism);
        sim_config c;
        swarm_draw(seed, "tracker", &c);
        cr_assert_str_eq(c.strategy, "tracker");
        cr_assert_eq(c.sources, a.sources, "a named strategy keeps the topology the seed draws");
        cr_assert_eq(c.records_per_source, a.records_per_source);
        swarm_draw_faults(seed, SWARM_ANY, 0, &c);
        for (int k = 0; k < SIM_FAULT_KINDS; k++)
            cr_assert_eq(c.fault_ppm[k], 0);
        cr_assert_eq(c.latency.min_ns, a.latency.min_ns, "fault choices do not move the topology");
    }
}

BS_TEST(verbs, fault_lists_parse_by_kind_name)
{
    bool ok;
    cr_assert_eq(swarm_faults_parse("all", &ok), SWARM_FAULTS_ALL);
    cr_assert(ok);
    cr_assert_eq(swarm_faults_parse("none", &ok), 0);
    cr_assert(ok);
    cr_assert_eq(swarm_faults_parse("eop,fail", &ok), (1u << SIM_FAULT_EOP) | (1u << SIM_FAULT_FAIL));
    cr_assert(ok);
    swarm_faults_parse("eop,fial", &ok);
    cr_assert(!ok);
    swarm_faults_parse("eop,", &ok);
    cr_assert(ok, "a trailing comma ends the list");
}

BS_TEST(verbs, the_configuration_file_round_trips)
{
    for (uint64_t seed = 0; seed < 50; seed++) {
        sim_config c;
        swarm_draw(seed, SWARM_ANY, &c);
        char *text;
        size_t len;
        FILE *f = open_memstream(&text, &len);
        simconf_write(f, &c, seed * 1000003, "exactly-once", "a comment");
        fclose(f);
        simconf sc;
        char err[512];
        cr_assert_eq(simconf_parse(text, len, "x.conf", &sc, err, sizeof err), 0, "%s\n%s", err, text);
        free(text);
        cr_assert_eq(sc.seed, seed * 1000003);
        cr_assert_str_eq(sc.expect, "exactly-once");
        cr_assert_str_eq(sc.cfg.strategy, c.strategy);
        sc.cfg.strategy = c.strategy; /* the pointers differ, the names not */
        cr_assert_eq(memcmp(&sc.cfg, &c, sizeof c), 0, "seed %llu", (unsigned long long)seed);
    }
}

static void bad_conf(const char *text, const char *want)
{
    simconf sc;
    char err[512];
    cr_assert_eq(simconf_parse(text, strlen(text), "bad.conf", &sc, err, sizeof err), -1, "accepted: %s", text);
    cr_assert(strstr(err, want), "wanted '%s', got '%s'", want, err);
}

BS_TEST(verbs, a_malformed_configuration_names_file_and_line)
{
    bad_conf("seed: 1\nsources: 2\nsorces: 3\n", "bad.conf:3: unknown key 'sorces'");
    bad_conf("seed: 1\nseed: 2\n", "bad.conf:2: key 'seed' appears twice");
    bad_conf("# c\nseed: x\n", "bad.conf:2: seed: 'x' is not a whole number");
    bad_conf("sources: 2\n", "bad.conf:1: no 'seed' key");
    bad_conf("seed: 1\nstages: 2\nlinks: forward\n", "bad.conf:3: links: 1 given for 2 stages");
    bad_conf("seed: 1\nlatency: 1/2\n", "bad.conf:2: latency: '1/2' is not MIN/MEAN/MAX");
    bad_conf("seed: 1\nstrategy: nope\n", "bad.conf:2: strategy: unknown strategy 'nope'");
    bad_conf("seed: 1\nfaults: eop=2000000\n", "bad.conf:2: faults: eop");
    bad_conf("seed: 1\nfaults: fial=1\n", "bad.conf:2: faults: 'fial=1'");
    bad_conf("seed: 1\nsources 2\n", "bad.conf:2: expected 'key: value'");
    bad_conf("seed: 1\nsources:\n", "bad.conf:2: 'sources:' has no value");
    bad_conf("seed: 1\n\tsources: 2\n", "bad.conf:2: control character");
}

BS_TEST(verbs, the_invariant_name_is_taken_from_the_engine_message)
{
    char n[64];
    fuzz_invariant_name("t=5 event 9: s1t0: step 3: exactly-once: t1: item 4 ...", n, sizeof n);
    cr_assert_str_eq(n, "exactly-once");
    fuzz_invariant_name("t=5 event 9: coord: consistent cut: checkpoint 2 completed, but", n, sizeof n);
    cr_assert_str_eq(n, "consistent cut");
    fuzz_invariant_name("t=5 event 9: engine: deadlock: no event is left", n, sizeof n);
    cr_assert_str_eq(n, "deadlock");
    cr_assert_eq(fuzz_message_event("t=5 event 9: engine: deadlock"), 9);
}

BS_TEST(verbs, junit_and_tap_escape_what_a_message_holds)
{
    fuzz_opts o = {.strategy = "spill", .seeds = 1, .shards = 1};
    fuzz_report r;
    fuzz_report_init(&r, &o);
    fuzz_failure f = {.seed = 7, .kind = "violation", .invariant = "a<b"};
    snprintf(f.message, sizeof f.message, "x & \"y\" <z> 'q'\001");
    cr_assert_eq(fuzz_report_add_failure(&r, &f), 0);
    r.totals.seeds = r.totals.failed = 1;
    char *text;
    size_t len;
    FILE *m = open_memstream(&text, &len);
    report_write_junit(m, &r, "barriersim", "barriersim.fuzz");
    fclose(m);
    cr_assert(strstr(text, "x &amp; &quot;y&quot; &lt;z&gt; &apos;q&apos;?"), "%s", text);
    cr_assert(strstr(text, "type=\"a&lt;b\""));
    cr_assert(strstr(text, "tests=\"2\" failures=\"2\""), "%s", text);
    free(text);
    m = open_memstream(&text, &len);
    report_write_tap(m, &r, "barriersim");
    fclose(m);
    cr_assert(!strncmp(text, "TAP version 13\n1..2\nnot ok 1 - seed 7: a<b\n", 40), "%s", text);
    cr_assert(strstr(text, "'x & \"y\" <z> ''q'' '"), "%s", text);
    cr_assert(strstr(text, "not ok 2 - 1 seeds: 0 passed, 1 failed\n"), "%s", text);
    free(text);
    fuzz_report_free(&r);
}

/* A planted handler that does not block fails quickly; the shrunk run still fails the
 * same way and is no larger. */
BS_TEST(verbs, shrinking_keeps_the_failure_and_makes_the_run_smaller)
{
    fuzz_opts o = {.strategy = "planted-no-block", .seeds = 40, .shards = 1, .faults = "none"};
    fuzz_report r;
    cr_assert_eq(fuzz_loop(&o, &r, NULL, NULL), 0);
    cr_assert_gt(r.n_failures, 0, "the planted bug is found within 40 seeds");
    const fuzz_failure *x = &r.failures[0];
    sim_config cfg, best;
    fuzz_draw(&o, x->seed, &cfg);
    fuzz_shrink_stats st;
    uint64_t best_seed;
    cr_assert_eq(fuzz_shrink(&cfg, x->seed, x->invariant, 100, &best, &best_seed, &st), 0);
    cr_assert_leq(st.runs, 100);
    cr_assert_leq(best.records_per_source, cfg.records_per_source);
    cr_assert_leq(best.sources * best.parallelism * best.stages, cfg.sources * cfg.parallelism * cfg.stages);
    fuzz_seed s;
    cr_assert_eq(fuzz_run_config(&best, best_seed, true, &s), 0);
    cr_assert(s.failed);
    cr_assert_str_eq(s.failure.invariant, x->invariant);
    fuzz_report_free(&r);
}
