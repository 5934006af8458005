/*
 * cmp_claims.c: the claims a scenario file declares (`claims:`, simscen.h; the format is
 * docs/compare.md), checked against the study's groups with their confidence intervals.
 * Nothing here knows any particular claim: a study without claims reports none.
 *
 * A claim names a metric and a statistic of one group (a strategy at the grid points its
 * `at:` selects; a key it does not name matches every value), optionally compared with a
 * second group (`to:`, whose `at:` overrides the first point's values) as a ratio or a
 * difference, against a threshold (`holds-if: ">= 2"`, or `"<= 1.2 * KEY"`: times the
 * key's value at the point). At each selected point the comparison's 95% interval comes
 * from the groups' bootstrap replicates (independent PRNG streams, combined replicate by
 * replicate). The point holds when the whole interval meets the threshold, fails when the
 * whole interval misses it, and is inconclusive otherwise; a claim fails if any point
 * fails, is inconclusive if any point is, holds if every point holds, and is not tested
 * when no point or no sample matches (the evidence says why).
 */
#include "compare.h"

#include "../strategies.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *cmp_verdict_name(cmp_verdict v)
{
    static const char *const names[] = {"holds", "fails", "inconclusive", "not tested"};
    return (unsigned)v < 4 ? names[v] : "?";
}

static int pos_err(const cmp_study *s, uint32_t sc, simscen_pos p, char *err, size_t len, const char *what,
                   const char *name, const char *known)
{
    snprintf(err, len, "%s:%u:%u: %s '%s'%s%s%s", s->scenario_paths[sc], p.line, p.col, what, name,
             known ? " (known: " : "", known ? known : "", known ? ")" : "");
    return -1;
}

static int check_side(const cmp_study *s, uint32_t sc, const simscen_side *side, char *err, size_t len)
{
    sim_strategy st;
    if (side->strategy[0] && !sim_strategy_find(side->strategy, &st))
        return pos_err(s, sc, side->strategy_pos, err, len, "claim: unknown strategy", side->strategy, NULL);
    for (uint32_t i = 0; i < side->n_at; i++) {
        const simscen_key *k = simscen_key_find(side->at[i].key);
        if (!k || !simscen_key_numeric(k)) {
            char keys[1024];
            simscen_keys_numeric(keys, sizeof keys);
            return pos_err(s, sc, side->at[i].pos, err, len, "claim: at: unknown simulation key", side->at[i].key,
                           keys);
        }
    }
    return 0;
}

int cmp_claims_validate(const cmp_study *s, char *err, size_t err_len)
{
    char known[1024];
    for (uint32_t sc = 0; sc < s->n_scen; sc++)
        for (uint32_t i = 0; i < s->scen[sc].n_claims; i++) {
            const simscen_claim *c = &s->scen[sc].claims[i];
            if (cmp_metric_find(c->metric) < 0) {
                size_t used = 0;
                for (int m = 0; m < CM_COUNT && used < sizeof known; m++)
                    used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", m ? ", " : "",
                                             cmp_metric_get((cmp_metric)m)->name);
                return pos_err(s, sc, c->metric_pos, err, err_len, "metric: unknown metric", c->metric, known);
            }
            if (cmp_statistic_find(c->statistic) < 0)
                return pos_err(s, sc, c->statistic_pos, err, err_len, "statistic: unknown statistic", c->statistic,
                               "median, p90, p99, mean");
            if (check_side(s, sc, &c->of, err, err_len) || check_side(s, sc, &c->to, err, err_len))
                return -1;
            const simscen_key *k = c->threshold_key[0] ? simscen_key_find(c->threshold_key) : NULL;
            if (c->threshold_key[0] && (!k || !simscen_key_numeric(k))) {
                simscen_keys_numeric(known, sizeof known);
                return pos_err(s, sc, c->holds_pos, err, err_len, "holds-if: unknown simulation key",
                               c->threshold_key, known);
            }
        }
    return 0;
}

/* ---- evaluation ------------------------------------------------------------------------- */

/* The value of key at point p of scenario sc (swept, or the file's). */
static uint64_t key_at(const cmp_study *s, uint32_t sc, uint32_t p, const simscen_key *k)
{
    for (uint32_t d = 0; d < s->n_sweeps; d++)
        if (s->sweep[d].key == k)
            return cmp_point_value(s, p, d);
    return simscen_key_get(k, &s->scen[sc].cfg);
}

static bool matches(const cmp_study *s, uint32_t sc, uint32_t p, const simscen_side *side)
{
    for (uint32_t i = 0; i < side->n_at; i++)
        if (key_at(s, sc, p, simscen_key_find(side->at[i].key)) != side->at[i].value)
            return false;
    return true;
}

/* The point of `to`: p's values with to's overrides; -1 when there is none. */
static int to_point(const cmp_study *s, uint32_t sc, uint32_t p, const simscen_side *to)
{
    for (uint32_t q = 0; q < cmp_points(s); q++) {
        bool same = matches(s, sc, q, to);
        for (uint32_t d = 0; d < s->n_sweeps && same; d++) {
            bool overridden = false;
            for (uint32_t i = 0; i < to->n_at; i++)
                overridden |= simscen_key_find(to->at[i].key) == s->sweep[d].key;
            same = overridden || cmp_point_value(s, q, d) == cmp_point_value(s, p, d);
        }
        if (same)
            return (int)q;
    }
    return -1;
}

static bool meets(simscen_op op, double x, double t)
{
    switch (op) {
    case SIMSCEN_OP_LT: return x < t;
    case SIMSCEN_OP_LE: return x <= t;
    case SIMSCEN_OP_GT: return x > t;
    case SIMSCEN_OP_GE: return x >= t;
    }
    return false;
}

static const char *op_name(simscen_op op)
{
    static const char *const n[] = {"<", "<=", ">", ">="};
    return (unsigned)op < 4 ? n[op] : "?";
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define EVID(r, ...)                                                                               \
    do {                                                                                           \
        size_t u_ = strlen((r)->evidence);                                                         \
        if (u_ < sizeof (r)->evidence)                                                             \
            snprintf((r)->evidence + u_, sizeof (r)->evidence - u_, __VA_ARGS__);                  \
    } while (0)

typedef struct side_val {
    const cmp_stat *st;
    int strat;
    uint32_t point;
} side_val;

static void side_text(cmp_study *s, const side_val *v, cmp_statistic which, const char *unit, char *out, size_t len)
{
    char cell[128];
    cmp_stat_cell(v->st, which, unit, cell, sizeof cell);
    snprintf(out, len, "%s %s %s (n=%u from %u runs)", s->strategies[v->strat], cmp_statistic_name(which), cell,
             v->st->n, v->st->runs);
}

/* The combined estimate and interval of one point; false when a side measured nothing. */
static bool combine(cmp_study *s, uint32_t sc, const simscen_claim *c, cmp_metric m, cmp_statistic which,
                    const side_val *a, const side_val *b, uint64_t stream, double *est, double *lo, double *hi)
{
    double ea = a->st->est[which], eb = b ? b->st->est[which] : 0;
    *est = c->compare == SIMSCEN_CMP_RATIO ? ea / eb : c->compare == SIMSCEN_CMP_DIFFERENCE ? ea - eb : ea;
    *lo = *hi = *est;
    if (s->bootstrap == 0)
        return isfinite(*est);
    double *ra = malloc(s->bootstrap * sizeof *ra), *rb = malloc(s->bootstrap * sizeof *rb);
    bool ok = ra && rb &&
              cmp_group_replicates(s, sc, a->point, (uint32_t)a->strat, m, which, stream * 2, ra) == s->bootstrap &&
              (!b || cmp_group_replicates(s, sc, b->point, (uint32_t)b->strat, m, which, stream * 2 + 1, rb) ==
                         s->bootstrap);
    if (ok) {
        for (uint32_t i = 0; i < s->bootstrap; i++)
            ra[i] = c->compare == SIMSCEN_CMP_RATIO ? ra[i] / rb[i]
                    : c->compare == SIMSCEN_CMP_DIFFERENCE ? ra[i] - rb[i] : ra[i];
        qsort(ra, s->bootstrap, sizeof *ra, dbl_cmp);
        uint32_t l = (uint32_t)(0.025 * s->bootstrap), h = (uint32_t)(0.975 * s->bootstrap + 0.999999999);
        *lo = ra[l];
        *hi = ra[(h ? h : 1) - 1];
    }
    free(ra), free(rb);
    return isfinite(*est);
}

/* Evaluates one point; returns its verdict and appends the evidence. */
static cmp_verdict eval_point(cmp_study *s, uint32_t sc, uint32_t ci, uint32_t p, cmp_claim_result *r)
{
    const simscen_claim *c = &s->scen[sc].claims[ci];
    cmp_metric m = (cmp_metric)cmp_metric_find(c->metric);
    cmp_statistic which = (cmp_statistic)cmp_statistic_find(c->statistic);
    const char *unit = cmp_metric_get(m)->unit;
    char pl[256], ta[512], tb[800] = "";
    cmp_point_label(s, p, pl, sizeof pl);
    side_val a = {.strat = cmp_strategy_index(s, c->of.strategy), .point = p}, b = {0};
    bool two = c->compare != SIMSCEN_CMP_VALUE;
    if (two) {
        b.strat = cmp_strategy_index(s, c->to.strategy[0] ? c->to.strategy : c->of.strategy);
        int q = to_point(s, sc, p, &c->to);
        if (q < 0) {
            EVID(r, "[%s] the 'to' point is not in the grid. ", pl);
            return CMP_NOT_TESTED;
        }
        b.point = (uint32_t)q;
    }
    if (a.strat < 0 || (two && b.strat < 0)) {
        EVID(r, "[%s] strategy %s was not run. ", pl, a.strat < 0 ? c->of.strategy : c->to.strategy);
        return CMP_NOT_TESTED;
    }
    a.st = cmp_group(s, sc, a.point, (uint32_t)a.strat, m);
    if (two)
        b.st = cmp_group(s, sc, b.point, (uint32_t)b.strat, m);
    if (a.st->n == 0 || (two && b.st->n == 0)) {
        EVID(r, "[%s] no samples of %s. ", pl, c->metric);
        return CMP_NOT_TESTED;
    }
    double est, lo, hi, t = c->threshold;
    if (c->threshold_key[0])
        t *= (double)key_at(s, sc, p, simscen_key_find(c->threshold_key));
    if (!combine(s, sc, c, m, which, &a, two ? &b : NULL, (uint64_t)ci, &est, &lo, &hi)) {
        EVID(r, "[%s] the comparison is undefined (division by zero). ", pl);
        return CMP_NOT_TESTED;
    }
    side_text(s, &a, which, unit, ta, sizeof ta);
    if (two) {
        char bl[256];
        cmp_point_label(s, b.point, bl, sizeof bl);
        side_text(s, &b, which, unit, tb, sizeof tb);
        snprintf(tb + strlen(tb), sizeof tb - strlen(tb), " at %s", bl);
    }
    cmp_verdict v = meets(c->op, lo, t) && meets(c->op, hi, t) ? CMP_HOLDS
                    : !meets(c->op, lo, t) && !meets(c->op, hi, t) ? CMP_FAILS : CMP_INCONCLUSIVE;
    const char *cu = c->compare == SIMSCEN_CMP_RATIO ? "" : unit;
    char e[48], l[48], h[48], th[48];
    cmp_human(est, cu, e, sizeof e), cmp_human(lo, cu, l, sizeof l), cmp_human(hi, cu, h, sizeof h);
    cmp_human(t, cu, th, sizeof th);
    if (c->compare == SIMSCEN_CMP_RATIO)
        snprintf(e, sizeof e, "%.3g", est), snprintf(l, sizeof l, "%.3g", lo), snprintf(h, sizeof h, "%.3g", hi),
            snprintf(th, sizeof th, "%.3g", t);
    EVID(r, "[%s] %s%s%s: %s%s = %s [95%% CI %s, %s] %s %s: %s. ", pl, ta, two ? (c->compare == SIMSCEN_CMP_RATIO ? " / " : " - ") : "",
         tb, c->compare == SIMSCEN_CMP_RATIO ? "ratio" : c->compare == SIMSCEN_CMP_DIFFERENCE ? "difference" : "value",
         "", e, l, h, op_name(c->op), th, cmp_verdict_name(v));
    return v;
}

uint32_t cmp_claims_eval(cmp_study *s, cmp_claim_result *out, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t sc = 0; sc < s->n_scen; sc++)
        for (uint32_t ci = 0; ci < s->scen[sc].n_claims; ci++, n++) {
            if (!out || n >= max)
                continue;
            cmp_claim_result *r = &out[n];
            memset(r, 0, sizeof *r);
            r->scenario = sc, r->claim = ci;
            bool any = false, fails = false, inconclusive = false, untested = false;
            /* The points that decide the verdict (fail, inconclusive, not tested) come first,
             * the holding ones after, so that a long grid never hides a deciding point. */
            static cmp_claim_result one, held;
            held.evidence[0] = '\0';
            uint32_t held_left_off = 0;
            for (uint32_t p = 0; p < cmp_points(s); p++) {
                if (!matches(s, sc, p, &s->scen[sc].claims[ci].of))
                    continue;
                one.evidence[0] = '\0';
                cmp_verdict v = eval_point(s, sc, ci, p, &one);
                if (v != CMP_HOLDS)
                    EVID(r, "%s", one.evidence);
                else if (strlen(held.evidence) + strlen(one.evidence) < sizeof held.evidence)
                    EVID(&held, "%s", one.evidence);
                else
                    held_left_off++;
                any = true;
                fails |= v == CMP_FAILS;
                inconclusive |= v == CMP_INCONCLUSIVE;
                untested |= v == CMP_NOT_TESTED;
            }
            EVID(r, "%s", held.evidence);
            if (held_left_off)
                EVID(r, "(%u more points hold; metrics.json and summary.md's tables have their figures.) ",
                     held_left_off);
            if (!any)
                EVID(r, "No grid point matches its 'at'.");
            r->verdict = !any ? CMP_NOT_TESTED
                         : fails ? CMP_FAILS
                         : inconclusive ? CMP_INCONCLUSIVE
                         : untested ? CMP_NOT_TESTED : CMP_HOLDS;
        }
    return n;
}
