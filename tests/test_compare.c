/*
 * test_compare.c: the pieces behind `barriersim compare` (sim/compare/): sweeps from the
 * simulation key table and grids, readable units, the checkpoint-free baseline of scripted
 * scenarios, pooled statistics with seeded bootstrap intervals, declared claims judged by
 * their intervals, and the Markdown summary, on hand-made studies whose numbers are known.
 */
#include "bs_test.h"

#include "../sim/compare/compare.h"

#include <stdlib.h>
#include <string.h>

BS_TEST(compare, sweep_takes_any_numeric_key_of_the_table)
{
    cmp_sweep sw;
    char err[1400];
    cr_assert_eq(cmp_sweep_parse("sink-service-ns=500,2000,3000", &sw, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(sw.key->name, "sink-service-ns");
    cr_assert_eq(sw.n, 3);
    cr_assert_eq(sw.vals[2], 3000);
    for (size_t i = 0; simscen_key_at(i); i++) { /* every numeric row is sweepable */
        const simscen_key *k = simscen_key_at(i);
        char arg[128];
        snprintf(arg, sizeof arg, "%s=%llu", k->name, (unsigned long long)(k->min ? k->min : 1));
        if (simscen_key_numeric(k))
            cr_assert_eq(cmp_sweep_parse(arg, &sw, err, sizeof err), 0, "%s: %s", k->name, err);
        else
            cr_assert_eq(cmp_sweep_parse(arg, &sw, err, sizeof err), -1, "%s is not numeric", k->name);
    }
    cr_assert_eq(cmp_sweep_parse("parallelism=1,2,8", &sw, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cmp_sweep_parse("payload-bytes=64,4096", &sw, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cmp_sweep_parse("bogus=1", &sw, err, sizeof err), -1);
    cr_assert(strstr(err, "unknown key 'bogus'"), "%s", err);
    cr_assert(strstr(err, "credits"), "the message lists the keys: %s", err);
    cr_assert_eq(cmp_sweep_parse("credits=2,x", &sw, err, sizeof err), -1);
    cr_assert_eq(cmp_sweep_parse("credits=0", &sw, err, sizeof err), -1, "credits must be >= 1");
    cr_assert(strstr(err, "out of range"), "%s", err);
    cr_assert_eq(cmp_sweep_parse("credits=4,4", &sw, err, sizeof err), -1, "a value twice");
    cr_assert_eq(cmp_sweep_parse("credits=", &sw, err, sizeof err), -1);
    cr_assert_eq(cmp_sweep_parse("link=1", &sw, err, sizeof err), -1, "link is not numeric");
}

BS_TEST(compare, sweeps_set_the_configuration_through_the_key_table)
{
    sim_config c;
    char err[256];
    sim_config_default(&c);
    cr_assert_eq(simscen_key_set(simscen_key_find("sink-service-ns"), &c, 50000, err, sizeof err), 0);
    cr_assert_eq(c.service[c.stages - 1].mean_ns, 50000);
    cr_assert_geq(c.service[c.stages - 1].max_ns, 50000, "the max is widened to hold the mean");
    sim_config d;
    sim_config_default(&d);
    cr_assert_eq(c.service[0].mean_ns, d.service[0].mean_ns, "other stages keep theirs");
    cr_assert_eq(simscen_key_set(simscen_key_find("credits"), &c, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "credits: 0 is out of range (1 .. 4096)"), "%s", err);
    cr_assert_eq(simscen_key_set(simscen_key_find("parallelism"), &c, 7, err, sizeof err), 0);
    cr_assert_eq(c.parallelism, 7);
    cr_assert_eq(simscen_key_get(simscen_key_find("parallelism"), &c), 7);
}

BS_TEST(compare, the_key_table_has_unique_names)
{
    for (size_t i = 0; simscen_key_at(i); i++)
        for (size_t j = i + 1; simscen_key_at(j); j++)
            cr_assert_str_neq(simscen_key_at(i)->name, simscen_key_at(j)->name);
}

BS_TEST(compare, repeated_sweeps_form_a_grid_and_a_key_twice_is_refused)
{
    cmp_study s;
    memset(&s, 0, sizeof s);
    cmp_sweep a, b, again;
    char err[1400];
    cr_assert_eq(cmp_sweep_parse("credits=2,4,8", &a, err, sizeof err), 0);
    cr_assert_eq(cmp_sweep_parse("alignment-timeout-ns=5000,40000", &b, err, sizeof err), 0);
    cr_assert_eq(cmp_sweep_parse("credits=16", &again, err, sizeof err), 0);
    cr_assert_eq(cmp_grid_add(s.sweep, &s.n_sweeps, &a, err, sizeof err), 0);
    cr_assert_eq(cmp_grid_add(s.sweep, &s.n_sweeps, &b, err, sizeof err), 0);
    cr_assert_eq(cmp_grid_add(s.sweep, &s.n_sweeps, &again, err, sizeof err), -1);
    cr_assert(strstr(err, "'credits' is swept twice"), "%s", err);
    cr_assert_eq(cmp_points(&s), 6);
    cr_assert_eq(cmp_point_value(&s, 0, 0), 2);
    cr_assert_eq(cmp_point_value(&s, 1, 1), 40000, "the last sweep varies fastest");
    cr_assert_eq(cmp_point_value(&s, 5, 0), 8);
    char pl[128];
    cmp_point_label(&s, 3, pl, sizeof pl);
    cr_assert_str_eq(pl, "credits=4, alignment-timeout-ns=40000");
    cr_assert_eq(cmp_point_find(&s, (uint64_t[]){8, 5000}), 4);
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
    /* a slow sink's 19,644 records/s is not "0 M/s" */
    cmp_human(19644.4, "records/s", b, sizeof b);
    cr_assert_str_eq(b, "19.6 k/s");
    cmp_human(1.49e6, "records/s", b, sizeof b);
    cr_assert_str_eq(b, "1.49 M/s");
    cmp_human(250, "records/s", b, sizeof b);
    cr_assert_str_eq(b, "250 /s");
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

BS_TEST(compare, the_baseline_of_a_scripted_scenario_has_no_barriers)
{
    static simscen sc;
    static sim_step buf[SIMSCEN_STEPS_MAX];
    cmp_study s;
    memset(&s, 0, sizeof s);
    sim_config_default(&sc.cfg);
    sc.steps[0] = (sim_step){.source = 0, .kind = SIM_STEP_RECORDS, .at_ns = SIM_STEP_NEXT, .n = 3};
    sc.steps[1] = (sim_step){.source = 0, .kind = SIM_STEP_BARRIER, .at_ns = SIM_STEP_NEXT, .n = 1};
    sc.steps[2] = (sim_step){.source = 0, .kind = SIM_STEP_CANCEL, .at_ns = SIM_STEP_NEXT, .n = 1};
    sc.steps[3] = (sim_step){.source = 0, .kind = SIM_STEP_EOP, .at_ns = SIM_STEP_NEXT, .n = 0};
    sc.cfg.steps = sc.steps;
    sc.cfg.n_steps = 4;
    s.scen = &sc;
    s.n_scen = 1;
    s.strategies[0] = "spill";
    s.n_strat = 1;
    sim_config c;
    cmp_config(&s, 0, 0, CMP_BASELINE, &c, buf);
    cr_assert_eq(c.checkpoint_interval_ns, 0);
    cr_assert_eq(c.n_steps, 2, "barrier and cancel steps are gone");
    for (uint32_t i = 0; i < c.n_steps; i++)
        cr_assert(c.steps[i].kind != SIM_STEP_BARRIER && c.steps[i].kind != SIM_STEP_CANCEL);
    cmp_config(&s, 0, 0, 0, &c, buf);
    cr_assert_eq(c.n_steps, 4, "a strategy's run keeps its script");
}

/* ---- a hand-made study: two points (credits 2, 16), spill and unaligned, three seeds ---- */
static double *vals(uint32_t n, double base, double step)
{
    double *v = malloc(n * sizeof *v);
    for (uint32_t i = 0; i < n; i++)
        v[i] = base + step * i;
    return v;
}

static void toy_study(cmp_study *s, double spill_hi, double un_hi, const simscen_claim *claims, uint32_t n_claims)
{
    memset(s, 0, sizeof *s);
    s->scen = calloc(1, sizeof *s->scen);
    snprintf(s->scen[0].name, sizeof s->scen[0].name, "toy");
    sim_config_default(&s->scen[0].cfg);
    if (n_claims)
        memcpy(s->scen[0].claims, claims, n_claims * sizeof *claims);
    s->scen[0].n_claims = n_claims;
    s->scenario_paths[0] = "toy.yaml";
    s->n_scen = 1;
    s->strategies[0] = "spill";
    s->strategies[1] = "unaligned";
    s->n_strat = 2;
    s->seeds = 3;
    s->seed_base = 1;
    s->bootstrap = 400;
    s->bootstrap_seed = 7;
    char err[256];
    cmp_sweep_parse("credits=2,16", &s->sweep[0], err, sizeof err);
    s->n_sweeps = 1;
    s->cap_runs = 32;
    s->runs = calloc(s->cap_runs, sizeof *s->runs);
    for (uint32_t p = 0; p < 2; p++)
        for (uint64_t seed = 1; seed <= 3; seed++)
            for (uint32_t k = 0; k < 3; k++) {
                cmp_run *r = &s->runs[s->n_runs++];
                r->point = p, r->seed = seed, r->strategy = k < 2 ? k : CMP_BASELINE;
                r->samples[CM_RESTARTS] = (cmp_samples){vals(1, 0, 0), 1};
                if (k == 2)
                    continue;
                double d = p == 0 ? 20000 : k == 0 ? spill_hi : un_hi;
                /* 20 checkpoints a run, d .. d + 19 us, shifted 1 us per seed */
                r->samples[CM_CK_DURATION] = (cmp_samples){vals(20, d + (double)seed * 1000, 1000), 20};
            }
}

BS_TEST(compare, group_statistics_pool_every_seed_with_intervals)
{
    cmp_study s;
    toy_study(&s, 200000, 25000, NULL, 0);
    const cmp_stat *st = cmp_group(&s, 0, 1, 0, CM_CK_DURATION);
    cr_assert_eq(st->n, 60, "20 checkpoints x 3 seeds");
    cr_assert_eq(st->runs, 3);
    /* pooled: 201..220, 202..221, 203..222 us; nearest-rank median is the 30th of 60 */
    cr_assert_float_eq(st->est[CS_MEDIAN], 211000, 1e-9);
    cr_assert_float_eq(st->est[CS_MEAN], 211500, 1e-9);
    cr_assert_leq(st->lo[CS_MEDIAN], st->est[CS_MEDIAN]);
    cr_assert_geq(st->hi[CS_MEDIAN], st->est[CS_MEDIAN]);
    cr_assert_gt(st->hi[CS_MEDIAN], st->lo[CS_MEDIAN], "the interval has a width");
    cr_assert_gt(st->lo[CS_MEDIAN], 200000);
    cr_assert_lt(st->hi[CS_MEDIAN], 223000);
    cr_assert_eq(cmp_group(&s, 0, 1, CMP_BASELINE, CM_CK_DURATION)->n, 0, "the baseline has no checkpoints");
    cmp_stat first = *st;
    cmp_study_free(&s);
    toy_study(&s, 200000, 25000, NULL, 0);
    st = cmp_group(&s, 0, 1, 0, CM_CK_DURATION);
    cr_assert(memcmp(&first, st, sizeof first) == 0, "the same seed gives the same intervals");
    cmp_study_free(&s);
}

static simscen_claim ratio_claim(const char *strategy, const char *to, double threshold, simscen_op op)
{
    simscen_claim c;
    memset(&c, 0, sizeof c);
    snprintf(c.text, sizeof c.text, "unaligned stays short");
    snprintf(c.source, sizeof c.source, "a test");
    snprintf(c.metric, sizeof c.metric, "checkpoint_duration_ns");
    snprintf(c.statistic, sizeof c.statistic, "median");
    snprintf(c.of.strategy, sizeof c.of.strategy, "%s", strategy);
    c.of.n_at = 1;
    snprintf(c.of.at[0].key, sizeof c.of.at[0].key, "credits");
    c.of.at[0].value = 16;
    c.compare = SIMSCEN_CMP_RATIO;
    snprintf(c.to.strategy, sizeof c.to.strategy, "%s", to);
    c.op = op;
    c.threshold = threshold;
    return c;
}

BS_TEST(compare, declared_claims_are_judged_by_their_intervals)
{
    cmp_study s;
    cmp_claim_result r[3];
    simscen_claim claims[3] = {
        ratio_claim("unaligned", "spill", 0.5, SIMSCEN_OP_LE), /* 36/211: holds */
        ratio_claim("unaligned", "spill", 0.1, SIMSCEN_OP_LE), /* fails */
        ratio_claim("nope", "spill", 0.5, SIMSCEN_OP_LE),      /* not run: not tested */
    };
    toy_study(&s, 200000, 25000, claims, 3);
    char err[1400];
    cr_assert_eq(cmp_claims_validate(&s, err, sizeof err), -1, "an unknown strategy is named");
    cr_assert(strstr(err, "unknown strategy 'nope'"), "%s", err);
    s.scen[0].n_claims = 2;
    cr_assert_eq(cmp_claims_validate(&s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cmp_claims_eval(&s, r, 3), 2);
    cr_assert_eq(r[0].verdict, CMP_HOLDS, "%s", r[0].evidence);
    cr_assert_eq(r[1].verdict, CMP_FAILS, "%s", r[1].evidence);
    cr_assert(strstr(r[0].evidence, "95% CI"), "%s", r[0].evidence);
    cr_assert(strstr(r[0].evidence, "n=60 from 3 runs"), "%s", r[0].evidence);
    cmp_study_free(&s);
    toy_study(&s, 200000, 25000, NULL, 0);
    cr_assert_eq(cmp_claims_eval(&s, NULL, 0), 0, "no claims declared, none reported");
    cmp_study_free(&s);
}

BS_TEST(compare, markdown_says_simulated_and_shows_n_and_intervals)
{
    cmp_study s;
    toy_study(&s, 200000, 25000, NULL, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cmp_write_markdown(f, &s, true, "");
    fclose(f);
    cr_assert(strstr(buf, "### toy: spill, every metric"));
    cr_assert(strstr(buf, "### toy: unaligned, every metric"));
    cr_assert(strstr(buf, "| metric (simulated; median [95% CI], n samples / runs) | one sample per | credits=2 | "
                          "credits=16 |"), "%s", buf);
    cr_assert(strstr(buf, "| checkpoint duration, end to end | checkpoint | 31 µs [") != NULL, "%s", buf);
    cr_assert(strstr(buf, "n=60/3"), "%s", buf);
    cr_assert(strstr(buf, "No claims declared"), "%s", buf);
    cr_assert(strstr(buf, "| baseline (no checkpoints) |"));
    cr_assert(strstr(buf, "checkpoint duration median (simulated)"));
    free(buf);
    cmp_study_free(&s);
}
