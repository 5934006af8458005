/*
 * test_compare.c: the writers behind `barriersim compare` (sim/compare/): sweep parsing,
 * readable units, median and spread over seeds, CSV quoting, the Markdown summary and the
 * verdicts on a hand-made study whose numbers are known.
 */
#include "bs_test.h"

#include "../sim/compare/compare.h"

#include <stdlib.h>
#include <string.h>

BS_TEST(compare, sweep_parses_known_keys_and_refuses_the_rest)
{
    cmp_sweep sw;
    char err[256];
    cr_assert_eq(cmp_sweep_parse("sink-service-ns=500,2000,3000", &sw, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(sw.key, "sink-service-ns");
    cr_assert_eq(sw.n, 3);
    cr_assert_eq(sw.vals[2], 3000);
    cr_assert_eq(cmp_sweep_parse("bogus=1", &sw, err, sizeof err), -1);
    cr_assert(strstr(err, "unknown key 'bogus'"));
    cr_assert_eq(cmp_sweep_parse("credits=2,x", &sw, err, sizeof err), -1);
    cr_assert_eq(cmp_sweep_parse("credits=0", &sw, err, sizeof err), -1, "credits must be >= 1");
    cr_assert_eq(cmp_sweep_parse("credits=", &sw, err, sizeof err), -1);
    sim_config c;
    sim_config_default(&c);
    cr_assert(cmp_sweep_apply("sink-service-ns", 50000, &c));
    cr_assert_eq(c.service[c.stages - 1].mean_ns, 50000);
    cr_assert_geq(c.service[c.stages - 1].max_ns, 50000, "the max is widened to hold the mean");
    cr_assert_eq(c.service[0].mean_ns, 400, "other stages keep theirs");
}

BS_TEST(compare, values_are_written_in_readable_units)
{
    char b[32];
    cmp_human(512, "ns", b, sizeof b);
    cr_assert_str_eq(b, "512 ns");
    cmp_human(22500, "ns", b, sizeof b);
    cr_assert_str_eq(b, "22.5 µs");
    cmp_human(3.5e6, "ns", b, sizeof b);
    cr_assert_str_eq(b, "3.5 ms");
    cmp_human(2048, "bytes", b, sizeof b);
    cr_assert_str_eq(b, "2 KiB");
    cmp_human(0.25, "share", b, sizeof b);
    cr_assert_str_eq(b, "25.0%");
    cmp_human(7, "", b, sizeof b);
    cr_assert_str_eq(b, "7");
}

BS_TEST(compare, csv_fields_are_quoted_only_when_needed)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cmp_csv_str(f, "plain");
    fputc('|', f);
    cmp_csv_str(f, "a,b \"q\"");
    fclose(f);
    cr_assert_str_eq(buf, "plain|\"a,b \"\"q\"\"\"");
    free(buf);
}

/* Two points, two strategies and a baseline, three seeds; checkpoint p50 in ns. */
static void toy_study(cmp_study *s, double spill_hi, double un_hi)
{
    memset(s, 0, sizeof *s);
    s->scen = calloc(1, sizeof *s->scen);
    snprintf(s->scen[0].name, sizeof s->scen[0].name, "toy");
    s->scenario_paths[0] = "toy.yaml";
    s->n_scen = 1;
    s->strategies[0] = "spill";
    s->strategies[1] = "unaligned";
    s->n_strat = 2;
    s->seeds = 3;
    s->seed_base = 1;
    cmp_sweep_parse("credits=2,16", &s->sweep, (char[64]){0}, 64);
    s->cap_runs = 32;
    s->runs = calloc(s->cap_runs, sizeof *s->runs);
    for (uint32_t p = 0; p < 2; p++)
        for (uint64_t seed = 1; seed <= 3; seed++)
            for (uint32_t k = 0; k < 3; k++) {
                cmp_run *r = &s->runs[s->n_runs++];
                r->sweep = p, r->seed = seed, r->strategy = k < 2 ? k : CMP_BASELINE;
                r->has[CM_RESTARTS] = true;
                if (k == 2)
                    continue;
                double d = p == 0 ? 20000 : k == 0 ? spill_hi : un_hi;
                r->has[CM_CK_P50] = r->has[CM_IN_FLIGHT] = r->has[CM_CHANNEL_STATE] = true;
                r->v[CM_CK_P50] = d + (double)seed * 1000; /* seeds 1..3: +1, +2, +3 us */
                r->v[CM_IN_FLIGHT] = p == 0 ? 1000 : 9000;
                r->v[CM_CHANNEL_STATE] = k == 1 ? (p == 0 ? 100 : 5000) : 0;
            }
}

BS_TEST(compare, group_stats_are_median_min_and_max_over_seeds)
{
    cmp_study s;
    toy_study(&s, 200000, 25000);
    cmp_stat st = cmp_group_stat(&s, 0, 1, 0, CM_CK_P50);
    cr_assert_eq(st.n, 3);
    cr_assert_float_eq(st.median, 202000, 1e-9);
    cr_assert_float_eq(st.min, 201000, 1e-9);
    cr_assert_float_eq(st.max, 203000, 1e-9);
    cr_assert_eq(cmp_group_stat(&s, 0, 1, CMP_BASELINE, CM_CK_P50).n, 0, "the baseline has no checkpoints");
    cmp_study_free(&s);
}

BS_TEST(compare, markdown_has_a_table_per_strategy_with_spread)
{
    cmp_study s;
    toy_study(&s, 200000, 25000);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cmp_write_markdown(f, &s, true, "");
    fclose(f);
    cr_assert(strstr(buf, "### toy: spill, every metric"));
    cr_assert(strstr(buf, "### toy: unaligned, every metric"));
    cr_assert(strstr(buf, "| metric (median, min–max over seeds) | credits=2 | credits=16 |"));
    cr_assert(strstr(buf, "| checkpoint duration p50 | 22 µs (21 µs–23 µs) | 202 µs (201 µs–203 µs) |"), "%s", buf);
    cr_assert(strstr(buf, "| baseline (no checkpoints) |"));
    free(buf);
    cmp_study_free(&s);
}

BS_TEST(compare, verdicts_follow_the_numbers)
{
    cmp_study s;
    cmp_verdict v[CMP_VERDICTS];
    toy_study(&s, 200000, 25000); /* aligned 10x longer under pressure, unaligned stays short */
    cmp_verdicts(&s, v);
    cr_assert_eq(v[0].state, CMP_REPRODUCED, "%s", v[0].evidence);
    cr_assert_eq(v[1].state, CMP_REPRODUCED, "%s", v[1].evidence);
    cr_assert_eq(v[2].state, CMP_NOT_TESTED, "no tracker: %s", v[2].evidence);
    cr_assert_eq(v[3].state, CMP_NOT_TESTED, "no aligned-timeout");
    cmp_study_free(&s);
    toy_study(&s, 200000, 190000); /* unaligned as slow as aligned: not reproduced */
    cmp_verdicts(&s, v);
    cr_assert_eq(v[0].state, CMP_NOT_REPRODUCED, "%s", v[0].evidence);
    cmp_study_free(&s);
}
