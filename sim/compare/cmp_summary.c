/*
 * cmp_summary.c: what people read: groups of runs that differ only by seed reduced to
 * median (min-max), the verdicts on the four published behaviours of checkpoint
 * alignment, summary.md and the summary JSON. Spread is min-max over seeds (with a few
 * seeds, percentiles of the seeds would be the extremes anyway).
 */
#include "compare.h"

#include "../cli/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double dmin(double a, double b) { return a < b ? a : b; }
static double dmax(double a, double b) { return a > b ? a : b; }
static double dabs(double a) { return a < 0 ? -a : a; }

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

cmp_stat cmp_group_stat(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m)
{
    cmp_stat st = {0};
    double v[CMP_SEEDS_MAX];
    for (size_t i = 0; i < s->n_runs && st.n < CMP_SEEDS_MAX; i++) {
        const cmp_run *r = &s->runs[i];
        if (r->scenario == scen && r->sweep == point && r->strategy == strat && r->has[m])
            v[st.n++] = r->v[m];
    }
    if (st.n == 0)
        return st;
    qsort(v, st.n, sizeof *v, cmp_dbl);
    st.min = v[0];
    st.max = v[st.n - 1];
    st.median = st.n % 2 ? v[st.n / 2] : (v[st.n / 2 - 1] + v[st.n / 2]) / 2;
    return st;
}

void cmp_human(double v, const char *unit, char *out, size_t len)
{
    double a = dabs(v);
    if (strcmp(unit, "ns") == 0) {
        if (a < 1e3)
            snprintf(out, len, "%.0f ns", v);
        else if (a < 1e6)
            snprintf(out, len, "%.3g µs", v / 1e3);
        else if (a < 1e9)
            snprintf(out, len, "%.3g ms", v / 1e6);
        else
            snprintf(out, len, "%.3g s", v / 1e9);
    } else if (strcmp(unit, "bytes") == 0) {
        if (a < 1024)
            snprintf(out, len, "%.0f B", v);
        else if (a < 1048576)
            snprintf(out, len, "%.3g KiB", v / 1024);
        else
            snprintf(out, len, "%.3g MiB", v / 1048576);
    } else if (strcmp(unit, "share") == 0) {
        snprintf(out, len, "%.1f%%", v * 100);
    } else if (strcmp(unit, "records/s") == 0) {
        snprintf(out, len, "%.3g M/s", v / 1e6);
    } else {
        snprintf(out, len, v == (double)(long long)v ? "%.0f" : "%.1f", v);
    }
}

/* "1.2 ms (1.1 ms–1.3 ms)", or "–" when no run measured it. */
void cmp_stat_cell(const cmp_stat *st, const char *unit, char *out, size_t len)
{
    if (st->n == 0) {
        snprintf(out, len, "–");
        return;
    }
    char a[32], b[32], c[32];
    cmp_human(st->median, unit, a, sizeof a);
    if (st->min == st->max) {
        snprintf(out, len, "%s", a);
        return;
    }
    cmp_human(st->min, unit, b, sizeof b);
    cmp_human(st->max, unit, c, sizeof c);
    snprintf(out, len, "%s (%s–%s)", a, b, c);
}

/* ---- verdicts ---------------------------------------------------------------------------- */

static int strat_index(const cmp_study *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_strat; i++)
        if (strcmp(s->strategies[i], name) == 0)
            return (int)i;
    return -1;
}

static double med(const cmp_study *s, uint32_t scen, uint32_t p, int strat, cmp_metric m)
{
    cmp_stat st = cmp_group_stat(s, scen, p, (uint32_t)strat, m);
    return st.n ? st.median : NAN;
}

static double maxv(const cmp_study *s, uint32_t scen, int strat, cmp_metric m)
{
    double x = NAN;
    for (uint32_t p = 0; p < cmp_points(s); p++) {
        cmp_stat st = cmp_group_stat(s, scen, p, (uint32_t)strat, m);
        if (st.n && (isnan(x) || st.max > x))
            x = st.max;
    }
    return x;
}

const char *cmp_verdict_state_name(cmp_verdict_state v)
{
    return v == CMP_REPRODUCED ? "reproduced" : v == CMP_NOT_REPRODUCED ? "not reproduced" : "not tested";
}

#define APPEND(v, ...)                                                                             \
    do {                                                                                           \
        size_t used_ = strlen((v)->evidence);                                                      \
        snprintf((v)->evidence + used_, sizeof (v)->evidence - used_, __VA_ARGS__);                \
    } while (0)

static const char *const aligned_names[] = {"spill", "block"};

static void fmt_ns(double v, char *b, size_t n) { cmp_human(v, "ns", b, n); }
static void fmt_b(double v, char *b, size_t n) { cmp_human(v, "bytes", b, n); }

static void verdict_pressure(const cmp_study *s, uint32_t sc, cmp_verdict *v)
{
    uint32_t lo = 0, hi = cmp_points(s) - 1;
    int un = strat_index(s, "unaligned");
    bool all = true, any = false;
    double aligned_hi_min = INFINITY;
    char a[32], b[32], c[32], d[32];
    for (size_t i = 0; i < 2; i++) {
        int k = strat_index(s, aligned_names[i]);
        if (k < 0 || hi == lo)
            continue;
        any = true;
        double d0 = med(s, sc, lo, k, CM_CK_P50), d1 = med(s, sc, hi, k, CM_CK_P50);
        double f0 = med(s, sc, lo, k, CM_IN_FLIGHT), f1 = med(s, sc, hi, k, CM_IN_FLIGHT);
        bool ok = d1 >= 2 * d0 && f1 > f0;
        all &= ok;
        aligned_hi_min = dmin(aligned_hi_min, d1);
        fmt_ns(d0, a, sizeof a), fmt_ns(d1, b, sizeof b), fmt_b(f0, c, sizeof c), fmt_b(f1, d, sizeof d);
        APPEND(v, "%s: checkpoint p50 %s -> %s while data in flight grows %s -> %s%s. ", aligned_names[i], a, b, c, d,
               ok ? "" : " (expected at least 2x longer)");
    }
    if (un >= 0 && any) {
        double d1 = med(s, sc, hi, un, CM_CK_P50), c0 = med(s, sc, lo, un, CM_CHANNEL_STATE),
               c1 = med(s, sc, hi, un, CM_CHANNEL_STATE);
        bool ok = d1 <= 0.5 * aligned_hi_min && c1 > c0 && c1 > 0;
        all &= ok;
        fmt_ns(d1, a, sizeof a), fmt_b(c0, b, sizeof b), fmt_b(c1, c, sizeof c);
        APPEND(v, "unaligned: checkpoint p50 %s under back-pressure; channel state per checkpoint %s -> %s%s.", a, b, c,
               ok ? "" : " (expected at most half the aligned duration and more channel state)");
    }
    if (!any || un < 0)
        APPEND(v, "Needs a sweep with two or more points and spill or block and unaligned among the strategies.");
    v->state = !any || un < 0 ? CMP_NOT_TESTED : all ? CMP_REPRODUCED : CMP_NOT_REPRODUCED;
}

static void verdict_no_pressure(const cmp_study *s, uint32_t sc, cmp_verdict *v)
{
    const char *names[] = {"spill", "block", "unaligned"};
    double lo = INFINITY, hi = 0;
    int n = 0;
    bool un = false;
    for (size_t i = 0; i < 3; i++) {
        int k = strat_index(s, names[i]);
        double d = k < 0 ? NAN : med(s, sc, 0, k, CM_CK_P50);
        if (isnan(d))
            continue;
        char a[32];
        fmt_ns(d, a, sizeof a);
        APPEND(v, "%s %s; ", names[i], a);
        lo = dmin(lo, d), hi = dmax(hi, d);
        n++;
        un |= i == 2;
    }
    if (n < 2 || !un) {
        APPEND(v, "needs unaligned and spill or block.");
        v->state = CMP_NOT_TESTED;
        return;
    }
    APPEND(v, "checkpoint p50 at the lowest back-pressure point, ratio %.2f (alike: at most 1.5).", hi / lo);
    v->state = hi <= 1.5 * lo ? CMP_REPRODUCED : CMP_NOT_REPRODUCED;
}

/* Clean scenarios (no restore): the tracker never holds data back and adds no latency
 * beyond noise (added p50 within 5% of the baseline's p50). Scenarios with restores: its
 * sinks see duplicates, the exactly-once strategies' none. */
static void verdict_tracker(const cmp_study *s, uint32_t sc, cmp_verdict *v, bool clean)
{
    int tr = strat_index(s, "tracker");
    if (tr < 0) {
        APPEND(v, "needs tracker among the strategies.");
        v->state = CMP_NOT_TESTED;
        return;
    }
    uint32_t hi = cmp_points(s) - 1;
    char a[32], b[32], c[32];
    if (clean) {
        double buf = maxv(s, sc, tr, CM_BUFFERED), add = med(s, sc, hi, tr, CM_ADD_P50);
        double base = med(s, sc, hi, (int)CMP_BASELINE, CM_LAT_P50);
        fmt_b(buf, a, sizeof a), fmt_ns(add, b, sizeof b), fmt_ns(base, c, sizeof c);
        APPEND(v, "tracker holds back at most %s per checkpoint; at the highest back-pressure it adds %s to the "
                  "p50 latency (baseline p50 %s)", a, b, c);
        for (size_t i = 0; i < 2; i++) {
            int k = strat_index(s, aligned_names[i]);
            double ak = k < 0 ? NAN : med(s, sc, hi, k, CM_ADD_P50), bk = k < 0 ? NAN : med(s, sc, hi, k, CM_BUFFERED);
            if (isnan(ak))
                continue;
            fmt_ns(ak, a, sizeof a), fmt_b(bk, b, sizeof b);
            APPEND(v, "; %s adds %s and buffers %s per checkpoint", aligned_names[i], a, b);
        }
        APPEND(v, ".");
        v->state = buf == 0 && add <= 0.05 * base ? CMP_REPRODUCED : CMP_NOT_REPRODUCED;
        return;
    }
    double dup = maxv(s, sc, tr, CM_DUPLICATES), rs = maxv(s, sc, tr, CM_RESTARTS), exact_dup = 0;
    for (uint32_t i = 0; i < s->n_strat; i++)
        if ((int)i != tr && !isnan(maxv(s, sc, (int)i, CM_DUPLICATES)))
            exact_dup = dmax(exact_dup, maxv(s, sc, (int)i, CM_DUPLICATES));
    APPEND(v, "after restores (up to %.0f a run) the tracker's sinks saw up to %.0f duplicates (the checker's "
              "at-least-once verdict: none lost), the exactly-once strategies' %.0f.", rs, dup, exact_dup);
    if (isnan(dup)) {
        APPEND(v, " Duplicates were not tracked (too many records).");
        v->state = CMP_NOT_TESTED;
        return;
    }
    v->state = dup > 0 && exact_dup == 0 ? CMP_REPRODUCED : CMP_NOT_REPRODUCED;
}

static void verdict_timeout(const cmp_study *s, uint32_t sc, cmp_verdict *v)
{
    int at = strat_index(s, "aligned-timeout"), bl = strat_index(s, "block");
    uint64_t t = s->alignment_timeout_ns;
    if (at < 0 || t == 0) {
        APPEND(v, "needs aligned-timeout among the strategies and an alignment timeout.");
        v->state = CMP_NOT_TESTED;
        return;
    }
    uint32_t hi = cmp_points(s) - 1;
    double almax = maxv(s, sc, at, CM_AL_MAX), d = med(s, sc, hi, at, CM_CK_P50);
    double dblock = bl < 0 ? NAN : med(s, sc, hi, bl, CM_CK_P50);
    char a[32], b[32], c[32], e[32];
    fmt_ns((double)t, a, sizeof a), fmt_ns(almax, b, sizeof b), fmt_ns(d, c, sizeof c), fmt_ns(dblock, e, sizeof e);
    APPEND(v, "timeout %s: the longest aligned-timeout alignment took %s; its checkpoint p50 under back-pressure %s "
              "(block: %s).", a, b, c, e);
    if (!(dblock > (double)t)) {
        APPEND(v, " Block's checkpoints never outlast the timeout here, so nothing is capped.");
        v->state = CMP_NOT_TESTED;
        return;
    }
    bool ok = almax <= 1.2 * (double)t + 50000 && d < dblock;
    v->state = ok ? CMP_REPRODUCED : CMP_NOT_REPRODUCED;
}

static bool restored(const cmp_study *s, uint32_t sc)
{
    for (size_t i = 0; i < s->n_runs; i++)
        if (s->runs[i].scenario == sc && s->runs[i].v[CM_RESTARTS] > 0)
            return true;
    return false;
}

/* Folds one scenario's verdict into the study's: any "not reproduced" wins, then any
 * "reproduced". */
static void merge(cmp_verdict *into, const cmp_verdict *one, const char *scen)
{
    size_t used = strlen(into->evidence);
    snprintf(into->evidence + used, sizeof into->evidence - used, "%s[%s] %s", used ? " " : "", scen, one->evidence);
    if (one->state == CMP_NOT_REPRODUCED || (one->state == CMP_REPRODUCED && into->state == CMP_NOT_TESTED))
        into->state = one->state;
}

void cmp_verdicts(const cmp_study *s, cmp_verdict out[CMP_VERDICTS])
{
    static const char *const claims[CMP_VERDICTS] = {
        "Under back-pressure, aligned checkpoints take longer as in-flight data grows, while unaligned ones stay "
        "short and persist more channel state",
        "Without back-pressure, aligned and unaligned checkpoints are alike",
        "At-least-once (tracker) adds no alignment delay, but duplicates records after a restore",
        "aligned-timeout caps the checkpoint duration near the timeout",
    };
    for (int i = 0; i < CMP_VERDICTS; i++)
        out[i] = (cmp_verdict){.claim = claims[i]};
    bool any_clean = false;
    for (uint32_t sc = 0; sc < s->n_scen; sc++)
        any_clean |= !restored(s, sc);
    for (uint32_t sc = 0; sc < s->n_scen; sc++) {
        bool clean = !restored(s, sc);
        const char *name = s->scen[sc].name;
        cmp_verdict t;
        if (clean || !any_clean) { /* durations: from runs no restore disturbed, when there are any */
            t = (cmp_verdict){0}, verdict_pressure(s, sc, &t), merge(&out[0], &t, name);
            t = (cmp_verdict){0}, verdict_no_pressure(s, sc, &t), merge(&out[1], &t, name);
            t = (cmp_verdict){0}, verdict_timeout(s, sc, &t), merge(&out[3], &t, name);
        }
        t = (cmp_verdict){0}, verdict_tracker(s, sc, &t, clean), merge(&out[2], &t, name);
    }
    if (s->n_scen && any_clean && !(out[2].state == CMP_NOT_REPRODUCED)) {
        bool dup_tested = false;
        for (uint32_t sc = 0; sc < s->n_scen; sc++)
            dup_tested |= restored(s, sc);
        if (!dup_tested) {
            APPEND(&out[2], " No scenario restored: the duplicates after a restore are not tested (add a fail "
                            "fault).");
            out[2].state = CMP_NOT_TESTED;
        }
    }
}
