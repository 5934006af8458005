/*
 * cmp_stats.c: the statistics of a group of runs (the same scenario, grid point and
 * strategy; seeds differ): the samples of its runs pooled, their median, p90, p99 (nearest
 * rank, as the engine's latency percentiles) and mean, each with a 95% bootstrap
 * percentile interval.
 *
 * The bootstrap is two-stage, because samples of one run are not independent (the
 * checkpoints of a run share its back-pressure history): a replicate draws as many runs as
 * the group has, with replacement, then from each drawn run as many of its samples as it
 * has, with replacement. With one sample per run (run totals) it is the plain bootstrap
 * over seeds. A replicate is a count per pooled sample, so its quantiles are one walk over
 * the pooled sorted values (no sort per replicate).
 *
 * Determinism: the PRNG (splitmix64) of a group is seeded from the study's bootstrap seed
 * and the group's indices, so statistics do not depend on the order they are asked in,
 * and the same study gives the same intervals byte for byte.
 */
#include "compare.h"

#include <stdlib.h>
#include <string.h>

static const char *const stat_names[CS_COUNT] = {"median", "p90", "p99", "mean"};
static const double stat_q[CS_COUNT] = {0.5, 0.9, 0.99, 0};

const char *cmp_statistic_name(cmp_statistic s) { return (unsigned)s < CS_COUNT ? stat_names[s] : "?"; }

int cmp_statistic_find(const char *name)
{
    for (int i = 0; i < CS_COUNT; i++)
        if (strcmp(stat_names[i], name) == 0)
            return i;
    return strcmp(name, "p50") == 0 ? CS_MEDIAN : -1;
}

static uint64_t rank_of(double q, uint64_t n)
{
    uint64_t r = (uint64_t)(q * (double)n + 0.999999999);
    return r < 1 ? 1 : r > n ? n : r;
}

double cmp_stat_of_sorted(const double *v, uint32_t n, cmp_statistic st)
{
    if (n == 0)
        return 0;
    if (st == CS_MEAN) {
        double sum = 0;
        for (uint32_t i = 0; i < n; i++)
            sum += v[i];
        return sum / n;
    }
    return v[rank_of(stat_q[st], n) - 1];
}

/* ---- PRNG --------------------------------------------------------------------------------- */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t below(uint64_t *x, uint32_t n) { return (uint32_t)(((splitmix(x) >> 32) * (uint64_t)n) >> 32); }

/* ---- the pooled group ------------------------------------------------------------------- */
typedef struct pool {
    double *val;       /* N pooled values, sorted */
    uint32_t n;
    uint32_t runs;
    uint32_t *start;   /* per run: its first entry in pos */
    uint32_t *len;     /* per run: its samples */
    uint32_t *pos;     /* per run, in order: where its samples sit in val */
} pool;

static void pool_free(pool *p) { free(p->val), free(p->start), free(p->len), free(p->pos); }

typedef struct tagged {
    double v;
    uint32_t run, idx;
} tagged;

static int tagged_cmp(const void *a, const void *b)
{
    const tagged *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->run != y->run ? (x->run < y->run ? -1 : 1) : (x->idx > y->idx) - (x->idx < y->idx);
}

static bool in_group(const cmp_run *r, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m)
{
    return r->scenario == scen && r->point == point && r->strategy == strat && r->samples[m].n > 0;
}

/* 0 (p->n == 0 when the group measured nothing), or -1 when out of memory. */
static int pool_build(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m, pool *p)
{
    memset(p, 0, sizeof *p);
    uint64_t n = 0;
    for (size_t i = 0; i < s->n_runs; i++)
        if (in_group(&s->runs[i], scen, point, strat, m))
            n += s->runs[i].samples[m].n, p->runs++;
    if (n == 0)
        return 0;
    tagged *t = malloc(n * sizeof *t);
    p->val = malloc(n * sizeof *p->val);
    p->pos = malloc(n * sizeof *p->pos);
    p->start = malloc(p->runs * sizeof *p->start);
    p->len = malloc(p->runs * sizeof *p->len);
    if (!t || !p->val || !p->pos || !p->start || !p->len) {
        free(t);
        pool_free(p);
        return -1;
    }
    uint32_t k = 0, j = 0;
    for (size_t i = 0; i < s->n_runs; i++) {
        const cmp_run *r = &s->runs[i];
        if (!in_group(r, scen, point, strat, m))
            continue;
        p->start[j] = k;
        p->len[j] = r->samples[m].n;
        for (uint32_t x = 0; x < r->samples[m].n; x++)
            t[k++] = (tagged){r->samples[m].v[x], j, x};
        j++;
    }
    qsort(t, n, sizeof *t, tagged_cmp);
    for (uint32_t i = 0; i < n; i++) {
        p->val[i] = t[i].v;
        p->pos[p->start[t[i].run] + t[i].idx] = i;
    }
    p->n = (uint32_t)n;
    free(t);
    return 0;
}

/* One replicate's statistics from counts over the pooled values. */
static void replicate(const pool *p, uint64_t *rng, uint32_t *count, double out[CS_COUNT])
{
    memset(count, 0, p->n * sizeof *count);
    uint64_t total = 0;
    for (uint32_t r = 0; r < p->runs; r++) {
        uint32_t j = below(rng, p->runs);
        for (uint32_t x = 0; x < p->len[j]; x++)
            count[p->pos[p->start[j] + below(rng, p->len[j])]]++;
        total += p->len[j];
    }
    uint64_t ranks[3] = {rank_of(stat_q[0], total), rank_of(stat_q[1], total), rank_of(stat_q[2], total)};
    uint64_t seen = 0;
    double sum = 0;
    int q = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        if (!count[i])
            continue;
        seen += count[i];
        sum += p->val[i] * count[i];
        while (q < 3 && seen >= ranks[q])
            out[q++] = p->val[i];
    }
    out[CS_MEAN] = sum / (double)total;
}

static uint64_t group_seed(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m,
                           uint64_t stream)
{
    uint64_t x = s->bootstrap_seed ^ 0x6a09e667f3bcc909ULL;
    uint64_t parts[] = {scen, point, strat, (uint64_t)m, stream};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        x ^= parts[i] + 0x9e3779b97f4a7c15ULL;
        x = splitmix(&x);
    }
    return x;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* reps[st] (B each, may be NULL) get the replicates of each statistic. */
static int bootstrap(const cmp_study *s, const pool *p, uint64_t seed, double *reps[CS_COUNT])
{
    uint32_t *count = malloc(p->n * sizeof *count);
    if (!count)
        return -1;
    uint64_t rng = seed;
    for (uint32_t b = 0; b < s->bootstrap; b++) {
        double out[CS_COUNT];
        replicate(p, &rng, count, out);
        for (int st = 0; st < CS_COUNT; st++)
            if (reps[st])
                reps[st][b] = out[st];
    }
    free(count);
    return 0;
}

static void compute(cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m, cmp_stat *out)
{
    memset(out, 0, sizeof *out);
    pool p;
    if (pool_build(s, scen, point, strat, m, &p) != 0 || p.n == 0)
        return; /* out of memory reads as "not measured"; the caller's totals still hold */
    out->n = p.n;
    out->runs = p.runs;
    for (int st = 0; st < CS_COUNT; st++)
        out->est[st] = out->lo[st] = out->hi[st] = cmp_stat_of_sorted(p.val, p.n, (cmp_statistic)st);
    double *reps[CS_COUNT] = {0};
    bool ok = s->bootstrap > 0;
    for (int st = 0; st < CS_COUNT && ok; st++)
        ok = (reps[st] = malloc(s->bootstrap * sizeof **reps)) != NULL;
    if (ok && bootstrap(s, &p, group_seed(s, scen, point, strat, m, 0), reps) == 0) {
        uint64_t lo = rank_of(0.025, s->bootstrap), hi = rank_of(0.975, s->bootstrap);
        for (int st = 0; st < CS_COUNT; st++) {
            qsort(reps[st], s->bootstrap, sizeof *reps[st], dbl_cmp);
            out->lo[st] = reps[st][lo - 1];
            out->hi[st] = reps[st][hi - 1];
        }
    }
    for (int st = 0; st < CS_COUNT; st++)
        free(reps[st]);
    pool_free(&p);
}

const cmp_stat *cmp_group(cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m)
{
    size_t groups = (size_t)s->n_scen * cmp_points(s) * (s->n_strat + 1);
    if (!s->cache) {
        s->cache = calloc(groups * CM_COUNT, sizeof *s->cache);
        s->cached = calloc(groups * CM_COUNT, sizeof *s->cached);
        if (!s->cache || !s->cached) {
            static cmp_stat none;
            free(s->cache), free(s->cached);
            s->cache = NULL, s->cached = NULL;
            return &none;
        }
    }
    uint32_t k = strat == CMP_BASELINE ? s->n_strat : strat;
    size_t at = (((size_t)scen * cmp_points(s) + point) * (s->n_strat + 1) + k) * CM_COUNT + (size_t)m;
    if (!s->cached[at]) {
        compute(s, scen, point, strat, m, &s->cache[at]);
        s->cached[at] = true;
    }
    return &s->cache[at];
}

uint32_t cmp_group_replicates(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, cmp_metric m,
                              cmp_statistic st, uint64_t stream, double *out)
{
    pool p;
    if (s->bootstrap == 0 || pool_build(s, scen, point, strat, m, &p) != 0 || p.n == 0)
        return 0;
    double *reps[CS_COUNT] = {0};
    reps[st] = out;
    int rc = bootstrap(s, &p, group_seed(s, scen, point, strat, m, stream + 1), reps);
    pool_free(&p);
    return rc == 0 ? s->bootstrap : 0;
}
