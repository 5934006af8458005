/*
 * fuzz.c: the seed loop, per-seed classification and shrinking (see fuzz.h).
 */
#include "fuzz.h"

#include "swarm.h"

#include "../engine/rng.h"

#include "../../core/barriersim.h"
#include "../../core/bs_assert.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool fuzz_shard_first(uint64_t from, uint32_t shard, uint32_t shards, uint64_t *out)
{
    uint64_t n = shards ? shards : 1;
    uint64_t add = ((uint64_t)shard % n + n - from % n) % n;
    if (from > UINT64_MAX - add)
        return false;
    *out = from + add;
    return true;
}

uint64_t fuzz_message_event(const char *m)
{
    const char *p = strstr(m, " event ");
    return p ? strtoull(p + 7, NULL, 10) : 0;
}

/* "t=1 event 2: s1t0: step 3: exactly-once: ..." -> "exactly-once". */
void fuzz_invariant_name(const char *m, char *out, size_t out_len)
{
    const char *p = m;
    if (strncmp(p, "t=", 2) == 0) {
        const char *q = strstr(p, ": ");
        p = q ? q + 2 : p;                         /* past "t=.. event N" */
        q = strstr(p, ": ");
        p = q ? q + 2 : p;                         /* past the node's name */
    }
    if (strncmp(p, "step ", 5) == 0) {
        const char *q = strstr(p, ": ");
        p = q ? q + 2 : p;
    }
    size_t n = strcspn(p, ":(");
    while (n && p[n - 1] == ' ')
        n--;
    if (n >= out_len)
        n = out_len - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void classify(fuzz_seed *s, uint64_t seed)
{
    fuzz_failure *f = &s->failure;
    memset(f, 0, sizeof *f);
    f->seed = seed;
    s->failed = s->res.outcome != SIM_OK;
    if (!s->failed)
        return;
    snprintf(f->kind, sizeof f->kind, "%s", sim_outcome_name(s->res.outcome));
    snprintf(f->message, sizeof f->message, "%s", s->res.message);
    fuzz_invariant_name(s->res.message, f->invariant, sizeof f->invariant);
}

int fuzz_run_config(const sim_config *cfg, uint64_t seed, bool check_determinism, fuzz_seed *out)
{
    out->cfg = *cfg;
    int rc = sim_run(cfg, seed, &out->res, NULL);
    if (rc == BS_ENOMEM)
        return rc;
    if (rc && out->res.outcome == SIM_OK)
        out->res.outcome = SIM_ERROR;
    classify(out, seed);
    if (!check_determinism || rc)
        return 0;
    sim_result again;
    rc = sim_run(cfg, seed, &again, NULL);
    if (rc == BS_ENOMEM)
        return rc;
    if (again.trace_hash != out->res.trace_hash || again.events != out->res.events ||
        again.outcome != out->res.outcome) {
        fuzz_failure *f = &out->failure;
        out->failed = true;
        snprintf(f->kind, sizeof f->kind, "nondeterminism");
        snprintf(f->invariant, sizeof f->invariant, "determinism");
        snprintf(f->message, sizeof f->message,
                 "two runs of seed %llu differ: trace hash %016llx, %llu events, %s vs %016llx, %llu events, %s",
                 (unsigned long long)seed, (unsigned long long)out->res.trace_hash,
                 (unsigned long long)out->res.events, sim_outcome_name(out->res.outcome),
                 (unsigned long long)again.trace_hash, (unsigned long long)again.events,
                 sim_outcome_name(again.outcome));
    }
    return 0;
}

void fuzz_draw(const fuzz_opts *o, uint64_t seed, sim_config *cfg)
{
    bool ok = true;
    uint32_t mask = o->faults ? swarm_faults_parse(o->faults, &ok) : SWARM_FAULTS_ALL;
    swarm_draw_faults(seed, o->strategy, ok ? mask : 0, cfg);
    swarm_draw_network(seed, o->network, cfg);
    swarm_draw_hetero(seed, cfg);
    swarm_draw_costs(seed, o->costs, cfg);
    swarm_draw_links(seed, cfg);
    swarm_draw_topology(seed, o->topology, cfg);
    if (o->max_events)
        cfg->max_events = o->max_events;
    cfg->plant = o->plant;
}

int fuzz_run_seed(const fuzz_opts *o, uint64_t seed, fuzz_seed *out)
{
    sim_config cfg;
    fuzz_draw(o, seed, &cfg);
    return fuzz_run_config(&cfg, seed, o->check_determinism, out);
}

/* ---- the report ------------------------------------------------------------------------- */
void fuzz_report_init(fuzz_report *r, const fuzz_opts *o)
{
    memset(r, 0, sizeof *r);
    snprintf(r->strategy, sizeof r->strategy, "%s", o->strategy ? o->strategy : SWARM_ANY);
    r->seed_base = o->seed_base;
    r->seeds_requested = o->seeds;
    r->seconds_requested = o->seconds;
    r->shards = o->shards ? o->shards : 1;
    uint32_t k = o->shards ? o->shard : 0;
    if (k < FUZZ_SHARDS_MAX)
        r->shard_bits[k / 64] |= 1ULL << (k % 64);
    r->check_determinism = o->check_determinism;
    r->max_events = o->max_events;
    snprintf(r->faults, sizeof r->faults, "%s", o->faults ? o->faults : "all");
    snprintf(r->plant, sizeof r->plant, "%s", swarm_plant_name(o->plant));
    snprintf(r->network, sizeof r->network, "%s", o->network ? o->network : "records");
    snprintf(r->costs, sizeof r->costs, "%s", o->costs ? o->costs : "off");
    snprintf(r->topology, sizeof r->topology, "%s", o->topology ? o->topology : "chain");
}

void fuzz_report_free(fuzz_report *r)
{
    free(r->failures);
    r->failures = NULL;
    r->n_failures = r->cap_failures = 0;
}

int fuzz_report_add_failure(fuzz_report *r, const fuzz_failure *f)
{
    if (r->n_failures >= FUZZ_FAILURES_KEPT) {
        r->failures_unlisted++;
        return 0;
    }
    if (r->n_failures == r->cap_failures) {
        size_t cap = r->cap_failures ? r->cap_failures * 2 : 16;
        fuzz_failure *p = realloc(r->failures, cap * sizeof *p);
        if (!p)
            return BS_ENOMEM;
        r->failures = p;
        r->cap_failures = cap;
    }
    size_t i = r->n_failures;
    while (i > 0 && r->failures[i - 1].seed > f->seed) {
        r->failures[i] = r->failures[i - 1];
        i--;
    }
    r->failures[i] = *f;
    r->n_failures++;
    return 0;
}

int fuzz_report_add(fuzz_report *r, uint64_t seed, const fuzz_seed *s)
{
    fuzz_totals *t = &r->totals;
    (void)seed;
    t->seeds++;
    t->events += s->res.events;
    t->checkpoints_started += s->res.checkpoints_started;
    t->checkpoints_completed += s->res.checkpoints_completed;
    t->checkpoints_declined += s->res.checkpoints_declined;
    t->checkpoints_timed_out += s->res.checkpoints_timed_out;
    t->checkpoints_abandoned += s->res.checkpoints_abandoned;
    t->records_delivered += s->res.records_delivered;
    t->faults_fired += s->res.faults_fired;
    t->restarts += s->res.restarts;
    t->hash_sum += s->res.trace_hash;
    if (!s->failed) {
        t->passed++;
        return 0;
    }
    t->failed++;
    return fuzz_report_add_failure(r, &s->failure);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The seed being run, for the assertion context layer (core/bs_assert.h). */
typedef struct fuzz_assert_ctx {
    const fuzz_opts *o;
    const fuzz_report *r;
    const uint64_t *seed;
} fuzz_assert_ctx;

static void fuzz_assert_context(void *ctx, FILE *f)
{
    const fuzz_assert_ctx *a = ctx;
    fuzz_failure x;
    char repro[768];
    memset(&x, 0, sizeof x);
    x.seed = *a->seed;
    snprintf(x.kind, sizeof x.kind, "violation");
    report_reproduce(a->r, &x, a->o->prog ? a->o->prog : "barriersim", repro, sizeof repro);
    fprintf(f, "  fuzz: seed %llu\n  reproduce: %s\n", (unsigned long long)x.seed, repro);
}

int fuzz_loop(const fuzz_opts *o, fuzz_report *r, fuzz_progress_fn progress, void *ctx)
{
    fuzz_report_init(r, o);
    uint32_t shards = o->shards ? o->shards : 1;
    uint64_t end = o->seeds && o->seed_base <= UINT64_MAX - o->seeds ? o->seed_base + o->seeds : UINT64_MAX;
    bool bounded = o->seeds > 0;
    double t0 = now_s();
    uint64_t s;
    int rc = 0;
    fuzz_seed *fs = malloc(sizeof *fs);
    if (!fs)
        return BS_ENOMEM;
    bool more = fuzz_shard_first(o->seed_base, o->shard, shards, &s);
    fuzz_assert_ctx actx = {o, r, &s};
    int layer = bs_assert_push(fuzz_assert_context, &actx);
    while (more && (!bounded || s < end)) {
        if (o->seconds > 0 && now_s() - t0 >= o->seconds)
            break;
        rc = fuzz_run_seed(o, s, fs);
        if (!rc)
            rc = fuzz_report_add(r, s, fs);
        if (rc)
            break;
        r->totals.seconds = now_s() - t0;
        if (progress && !progress(ctx, r, s, fs))
            break;
        more = s <= UINT64_MAX - shards;
        s += shards;
    }
    r->totals.seconds = now_s() - t0;
    bs_assert_pop_to(layer);
    free(fs);
    return rc;
}

/* ---- shrinking -------------------------------------------------------------------------- */
enum { SHRINK_ALTERNATE_SEEDS = 3 };
enum { SHRINK_TOPOLOGY = 10, SHRINK_CANDIDATES = SHRINK_TOPOLOGY + 1 + SIM_FAULT_KINDS_MAX };

/* Candidates past the topology's: one fault slot fewer per kind, then each kind off. */
static bool shrink_fault(const sim_config *c, int i, sim_config *v)
{
    if (i == 0) {
        v->fault_draws = c->fault_draws - 1;
        return c->fault_draws > 1;
    }
    v->fault_ppm[i - 1] = 0;
    return c->fault_ppm[i - 1] != 0;
}

/* Candidate i of the variants of c; false when it would not be smaller. */
static bool shrink_candidate(const sim_config *c, int i, sim_config *v)
{
    *v = *c;
    if (i >= SHRINK_TOPOLOGY)
        return shrink_fault(c, i - SHRINK_TOPOLOGY, v);
    switch (i) {
    case 0: v->records_per_source = c->records_per_source / 2; return c->records_per_source > 0;
    case 1: v->records_per_source = c->records_per_source - 1; return c->records_per_source > 0;
    case 2: v->sources = c->sources - 1; break;
    case 3: v->parallelism = c->parallelism - 1; break;
    case 4: v->stages = c->stages - 1; break;
    case 5:
        v->checkpoint_interval_ns = c->checkpoint_interval_ns * 2;
        return c->checkpoint_interval_ns > 0 && c->checkpoint_interval_ns < (1ULL << 50);
    case 6: v->sources = 1; break;
    case 7: v->parallelism = 1; break;
    case 8: v->stages = 1; break;
    default:
        for (uint32_t s = 0; s < SIM_STAGES_MAX; s++)
            if (v->in2_from[s] != SIM_IN2_NONE) { /* a two-input stage back to one input */
                v->in2_from[s] = SIM_IN2_NONE;
                return true;
            }
        for (uint32_t s = 1; s < c->stages; s++)
            if (v->link[s] != SIM_LINK_FORWARD) {
                v->link[s] = SIM_LINK_FORWARD;
                return true;
            }
        return false;
    }
    if (v->sources < 1 || v->parallelism < 1 || v->stages < 1)
        return false;
    if (v->sources == c->sources && v->parallelism == c->parallelism && v->stages == c->stages)
        return false;
    if (v->link[0] == SIM_LINK_FORWARD && v->sources != v->parallelism)
        v->link[0] = SIM_LINK_ALL_TO_ALL;
    for (uint32_t s = v->stages; s < SIM_STAGES_MAX; s++) /* fewer stages: their second inputs go */
        v->in2_from[s] = SIM_IN2_NONE;
    return true;
}

/* Runs v; *fails is true when it fails with `invariant` (fs holds the run). */
static int still_fails(const sim_config *v, uint64_t seed, const char *invariant, fuzz_seed *fs, bool *fails)
{
    int rc = fuzz_run_config(v, seed, false, fs);
    if (rc)
        return rc;
    /* A failure judged on a run cut short by max-events could be an artefact of the cut. */
    *fails = fs->failed && strcmp(fs->failure.invariant, invariant) == 0 && !fs->res.stopped_at_max_events;
    return 0;
}

/* The shrinker's state: the best failing run so far. */
typedef struct shrink_state {
    sim_config best;
    uint64_t seed, events, fail_event;
    const char *invariant;
    unsigned max_runs;
    fuzz_shrink_stats *st;
    fuzz_seed *fs;
} shrink_state;

/* Tries variant v at seed `seed`; keeps it when it still fails. */
static int shrink_try(shrink_state *s, const sim_config *v, uint64_t seed, bool *kept)
{
    bool fails;
    int rc = still_fails(v, seed, s->invariant, s->fs, &fails);
    s->st->runs++;
    *kept = !rc && fails;
    if (*kept) {
        s->best = *v;
        s->seed = seed;
        s->events = s->fs->res.events;
        s->fail_event = fuzz_message_event(s->fs->res.message);
        s->st->accepted++;
    }
    return rc;
}

/* One pass over the candidates, each at the current seed or (alternates > 0) at that many
 * other seeds; stops at the first kept. */
static int shrink_pass(shrink_state *s, unsigned alternates, bool *kept)
{
    *kept = false;
    for (int i = 0; i < SHRINK_CANDIDATES && !*kept; i++) {
        sim_config v;
        if (!shrink_candidate(&s->best, i, &v))
            continue;
        uint64_t base = s->seed;
        for (unsigned a = alternates ? 1 : 0; a <= alternates && !*kept; a++) {
            if (s->st->runs >= s->max_runs)
                return 0;
            int rc = shrink_try(s, &v, a ? rng_mix64(base + a) : base, kept);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int fuzz_shrink(const sim_config *cfg, uint64_t seed, const char *invariant, unsigned max_runs,
                sim_config *best, uint64_t *best_seed, fuzz_shrink_stats *st)
{
    memset(st, 0, sizeof *st);
    shrink_state s = {.best = *cfg, .seed = seed, .invariant = invariant, .max_runs = max_runs, .st = st};
    *best = *cfg;
    *best_seed = seed;
    s.fs = malloc(sizeof *s.fs);
    if (!s.fs)
        return BS_ENOMEM;
    bool fails = false;
    int rc = still_fails(cfg, seed, invariant, s.fs, &fails);
    st->runs = 1;
    s.events = st->events_before = s.fs->res.events;
    s.fail_event = fuzz_message_event(s.fs->res.message);
    /* Smaller variants at the same seed first; when none fails, at other seeds. */
    bool kept = fails;
    while (!rc && kept && st->runs < max_runs) {
        rc = shrink_pass(&s, 0, &kept);
        if (!rc && !kept)
            rc = shrink_pass(&s, SHRINK_ALTERNATE_SEEDS, &kept);
    }
    /* Fewer events: stop the run right at the failing event. */
    if (!rc && fails && s.fail_event && (!s.best.max_events || s.fail_event < s.best.max_events) &&
        st->runs < max_runs) {
        sim_config v = s.best;
        v.max_events = s.fail_event;
        rc = shrink_try(&s, &v, s.seed, &kept);
    }
    st->events_after = s.events;
    *best = s.best;
    *best_seed = s.seed;
    free(s.fs);
    return rc;
}
