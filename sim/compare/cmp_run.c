/*
 * cmp_run.c: a compare run's configuration (the grid point's values applied through the
 * simulation key table) and its reduction to samples inside the measurement window
 * (compare.h). The metric table fixes every metric's name, unit and what one sample is.
 *
 * The window: a checkpoint counts when it started at or after the warm-up and ended
 * before the run's end minus the cool-down; an alignment when it began inside the window;
 * a record's latency when the sink got it inside the window; throughput is the records
 * the sinks got inside the window per simulated second of it. Run totals (completions,
 * restarts, duplicates, events) are over the whole run and say so in their labels.
 */
#include "compare.h"

#include "../../core/barriersim.h"
#include "../../core/bs_assert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const cmp_metric_info metric_info[CM_COUNT] = {
    [CM_CK_DURATION] = {"checkpoint_duration_ns", "checkpoint duration, end to end", "ns", CMP_POOLED, "checkpoint"},
    [CM_ALIGNMENT] = {"alignment_ns", "alignment time per task", "ns", CMP_POOLED, "alignment"},
    [CM_CS_TIME] = {"channel_state_write_ns", "unaligned: t<K> to d<K> per task", "ns", CMP_POOLED, "alignment"},
    [CM_HELD] = {"held_for_alignment_bytes", "held for alignment per checkpoint (spilled + blocked, no channel state)",
                 "bytes", CMP_POOLED, "checkpoint"},
    [CM_CHANNEL_STATE] = {"channel_state_bytes", "channel state per checkpoint", "bytes", CMP_POOLED, "checkpoint"},
    [CM_IN_FLIGHT] = {"in_flight_at_start_bytes", "data in flight at a checkpoint's start", "bytes", CMP_POOLED,
                      "checkpoint"},
    [CM_LATENCY] = {"latency_ns", "record latency", "ns", CMP_POOLED, "record"},
    [CM_ADD_P50] = {"added_latency_p50_ns", "latency p50 added by checkpointing (vs baseline)", "ns", CMP_PER_RUN,
                    "run"},
    [CM_ADD_P99] = {"added_latency_p99_ns", "latency p99 added by checkpointing (vs baseline)", "ns", CMP_PER_RUN,
                    "run"},
    [CM_THROUGHPUT] = {"throughput_records_per_s", "throughput (records per simulated second)", "records/s",
                       CMP_PER_RUN, "run"},
    [CM_CREDIT_WAIT] = {"credit_wait_share", "senders' time waiting for credit (whole run)", "share", CMP_PER_RUN,
                        "run"},
    [CM_COMPLETED] = {"checkpoints_completed", "checkpoints completed (whole run)", "", CMP_PER_RUN, "run"},
    [CM_DECLINED] = {"checkpoints_declined", "checkpoints declined (whole run)", "", CMP_PER_RUN, "run"},
    [CM_TIMED_OUT] = {"checkpoints_timed_out", "checkpoints timed out (whole run)", "", CMP_PER_RUN, "run"},
    [CM_ABANDONED] = {"checkpoints_abandoned", "checkpoints abandoned (whole run)", "", CMP_PER_RUN, "run"},
    [CM_PENDING] = {"checkpoints_pending_at_end", "checkpoints pending at the end", "", CMP_PER_RUN, "run"},
    [CM_REPLAYED] = {"records_replayed", "records replayed after restores", "", CMP_PER_RUN, "run"},
    [CM_RECOVERED] = {"channel_state_recovered", "channel-state items recovered", "", CMP_PER_RUN, "run"},
    [CM_DUPLICATES] = {"duplicates", "duplicates seen by the sinks", "", CMP_PER_RUN, "run"},
    [CM_RESTARTS] = {"restarts", "restarts", "", CMP_PER_RUN, "run"},
    [CM_EVENTS] = {"events", "simulation events", "", CMP_PER_RUN, "run"},
    /* Flink's checkpoint statistics (docs ops/monitoring/checkpoint_monitoring) */
    [CM_START_DELAY] = {"start_delay_ns", "start delay per task (checkpoint start to first barrier)", "ns",
                        CMP_POOLED, "task snapshot"},
    [CM_SYNC] = {"sync_duration_ns", "sync duration per task", "ns", CMP_POOLED, "task snapshot"},
    [CM_ASYNC] = {"async_duration_ns", "async duration per task (unaligned: includes the wait for the last barrier)",
                  "ns", CMP_POOLED, "task snapshot"},
    [CM_CHECKPOINTED] = {"checkpointed_size_bytes", "checkpointed data size (operator state + persisted in-flight)",
                         "bytes", CMP_POOLED, "checkpoint"},
    [CM_PERSISTED] = {"persisted_in_flight_bytes", "persisted in-flight data (channel + output state)", "bytes",
                      CMP_POOLED, "checkpoint"},
    [CM_PROCESSED] = {"processed_in_flight_bytes", "processed in-flight data during alignment", "bytes", CMP_POOLED,
                      "checkpoint"},
    [CM_STATE] = {"operator_state_bytes", "operator state per checkpoint", "bytes", CMP_POOLED, "checkpoint"},
    [CM_METADATA] = {"metadata_write_ns", "last acknowledgement to completion (metadata write)", "ns", CMP_POOLED,
                     "checkpoint"},
};

const cmp_metric_info *cmp_metric_get(cmp_metric m)
{
    return (unsigned)m < CM_COUNT ? &metric_info[m] : NULL;
}

int cmp_metric_find(const char *name)
{
    for (int m = 0; m < CM_COUNT; m++)
        if (metric_info[m].name && strcmp(metric_info[m].name, name) == 0)
            return m;
    return -1;
}

/* ---- sweeps and the grid ----------------------------------------------------------------- */

int cmp_sweep_parse(const char *arg, cmp_sweep *out, char *err, size_t err_len)
{
    char key[64], keys[1024];
    memset(out, 0, sizeof *out);
    simscen_keys_numeric(keys, sizeof keys);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof key) {
        snprintf(err, err_len, "--sweep: '%s' is not KEY=V1,V2,... (keys: %s)", arg, keys);
        return -1;
    }
    memcpy(key, arg, (size_t)(eq - arg));
    key[eq - arg] = '\0';
    const simscen_key *k = simscen_key_find(key);
    if (!k || !simscen_key_numeric(k)) {
        snprintf(err, err_len, "--sweep: %s key '%s' (numeric simulation keys: %s)", k ? "not a numeric" : "unknown",
                 key, keys);
        return -1;
    }
    out->key = k;
    sim_config probe;
    sim_config_default(&probe);
    for (const char *p = eq + 1; *p;) {
        char *end;
        errno = 0;
        unsigned long long v = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : 0;
        if (*p < '0' || *p > '9' || errno || (*end && *end != ',')) {
            snprintf(err, err_len, "--sweep %s: '%s' is not a list of whole numbers", key, eq + 1);
            return -1;
        }
        if (out->n == CMP_SWEEP_MAX) {
            snprintf(err, err_len, "--sweep %s: at most %u values", key, CMP_SWEEP_MAX);
            return -1;
        }
        char why[256];
        if (simscen_key_set(k, &probe, v, why, sizeof why) != 0) {
            snprintf(err, err_len, "--sweep %s", why);
            return -1;
        }
        for (uint32_t i = 0; i < out->n; i++)
            if (out->vals[i] == v) {
                snprintf(err, err_len, "--sweep %s: the value %llu is given twice", key, v);
                return -1;
            }
        out->vals[out->n++] = v;
        p = *end ? end + 1 : end;
    }
    if (out->n == 0) {
        snprintf(err, err_len, "--sweep %s: no values", key);
        return -1;
    }
    return 0;
}

int cmp_grid_add(cmp_sweep *grid, uint32_t *n, const cmp_sweep *sw, char *err, size_t err_len)
{
    uint64_t points = sw->n;
    for (uint32_t i = 0; i < *n; i++) {
        if (grid[i].key == sw->key) {
            snprintf(err, err_len, "--sweep: key '%s' is swept twice (give every value in one --sweep)",
                     sw->key->name);
            return -1;
        }
        points *= grid[i].n;
    }
    if (*n == CMP_SWEEPS_MAX || points > CMP_POINTS_MAX) {
        snprintf(err, err_len, "--sweep %s: at most %u sweeps and %u grid points", sw->key->name, CMP_SWEEPS_MAX,
                 CMP_POINTS_MAX);
        return -1;
    }
    grid[(*n)++] = *sw;
    return 0;
}

uint32_t cmp_points(const cmp_study *s)
{
    uint32_t p = 1;
    for (uint32_t i = 0; i < s->n_sweeps; i++)
        p *= s->sweep[i].n;
    return p;
}

/* Mixed radix, the first sweep most significant: it varies slowest. */
uint64_t cmp_point_value(const cmp_study *s, uint32_t p, uint32_t dim)
{
    if (dim >= s->n_sweeps)
        return 0;
    uint32_t div = 1;
    for (uint32_t i = dim + 1; i < s->n_sweeps; i++)
        div *= s->sweep[i].n;
    return s->sweep[dim].vals[(p / div) % s->sweep[dim].n];
}

void cmp_point_label(const cmp_study *s, uint32_t p, char *out, size_t len)
{
    if (s->n_sweeps == 0) {
        snprintf(out, len, "as in the file");
        return;
    }
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < s->n_sweeps && used < len; i++) {
        int w = snprintf(out + used, len - used, "%s%s=%llu", i ? ", " : "", s->sweep[i].key->name,
                         (unsigned long long)cmp_point_value(s, p, i));
        used += w > 0 ? (size_t)w : 0;
    }
}

void cmp_key_short_name(const simscen_key *k, char *out, size_t len)
{
    const char *unit = k->unit ? k->unit : "";
    size_t name_len = strlen(k->name), ul = strlen(unit);
    if (ul && name_len > ul + 1 && k->name[name_len - ul - 1] == '-' && strcmp(k->name + name_len - ul, unit) == 0)
        name_len -= ul + 1; /* "alignment-timeout-ns": the value carries the unit */
    snprintf(out, len, "%.*s", (int)name_len, k->name);
}

void cmp_point_label_human(const cmp_study *s, uint32_t p, char *out, size_t len)
{
    if (s->n_sweeps == 0) {
        snprintf(out, len, "as in the file");
        return;
    }
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < s->n_sweeps && used < len; i++) {
        const simscen_key *k = s->sweep[i].key;
        char name[128], v[64];
        cmp_key_short_name(k, name, sizeof name);
        cmp_human((double)cmp_point_value(s, p, i), k->unit ? k->unit : "", v, sizeof v);
        int w = snprintf(out + used, len - used, "%s%s %s", i ? ", " : "", name, v);
        used += w > 0 ? (size_t)w : 0;
    }
}

int cmp_point_find(const cmp_study *s, const uint64_t *vals)
{
    for (uint32_t p = 0; p < cmp_points(s); p++) {
        bool all = true;
        for (uint32_t i = 0; i < s->n_sweeps && all; i++)
            all = cmp_point_value(s, p, i) == vals[i];
        if (all)
            return (int)p;
    }
    return -1;
}

int cmp_strategy_index(const cmp_study *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_strat; i++)
        if (strcmp(s->strategies[i], name) == 0)
            return (int)i;
    return -1;
}

void cmp_config(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, sim_config *cfg,
                sim_step *steps_buf)
{
    *cfg = s->scen[scen].cfg;
    for (uint32_t i = 0; i < s->n_sweeps; i++) {
        char err[256];
        if (simscen_key_set(s->sweep[i].key, cfg, cmp_point_value(s, point, i), err, sizeof err) != 0)
            BS_BUG("sweep value rejected: %s", err); /* cmp_sweep_parse checked every value against the same range */
    }
    if (strat != CMP_BASELINE) {
        cfg->strategy = s->strategies[strat];
        return;
    }
    /* the baseline: no coordinator checkpoints and no scripted barriers or cancels (a fault
     * step keeps its index into cfg->faults) */
    cfg->checkpoint_interval_ns = 0;
    cfg->strategy = "spill"; /* no barrier ever reaches it: it only forwards */
    uint32_t n = 0;
    for (uint32_t i = 0; i < cfg->n_steps && n < SIMSCEN_STEPS_MAX; i++)
        if (cfg->steps[i].kind != SIM_STEP_BARRIER && cfg->steps[i].kind != SIM_STEP_CANCEL)
            steps_buf[n++] = cfg->steps[i];
    if (cfg->n_steps) {
        cfg->steps = steps_buf;
        cfg->n_steps = n;
    }
}

/* ---- reduction --------------------------------------------------------------------------- */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Takes v (malloc'd, n values) as the run's samples of m, sorted. */
static void put_samples(cmp_run *r, cmp_metric m, double *v, uint32_t n)
{
    if (n == 0) {
        free(v);
        return;
    }
    qsort(v, n, sizeof *v, cmp_dbl);
    r->samples[m] = (cmp_samples){v, n};
}

static int put1(cmp_run *r, cmp_metric m, double x)
{
    double *v = malloc(sizeof *v);
    if (!v)
        return -1;
    *v = x;
    put_samples(r, m, v, 1);
    return 0;
}

typedef struct window {
    uint64_t from_ns, until_ns;
} window;

/* Flink's per-checkpoint statistics of the completed checkpoints in the window. */
static int reduce_ck_stats(const sim_metrics *m, window w, cmp_run *r)
{
    static const cmp_metric which[] = {CM_CHECKPOINTED, CM_PERSISTED, CM_PROCESSED, CM_STATE, CM_METADATA};
    enum { N = sizeof which / sizeof *which };
    uint32_t cap = m->n_ck ? m->n_ck : 1, n = 0;
    double *v[N] = {0};
    bool ok = true;
    for (int i = 0; i < N; i++)
        ok &= (v[i] = malloc(cap * sizeof *v[i])) != NULL;
    for (uint32_t i = 0; ok && i < m->n_ck; i++) {
        const sim_ck_metrics *k = &m->ck[i];
        if (k->id == 0 || k->start_ns < w.from_ns || k->end_ns >= w.until_ns || k->outcome != SIM_CK_COMPLETED)
            continue;
        v[0][n] = (double)k->checkpointed_bytes;
        v[1][n] = (double)k->persisted_bytes;
        v[2][n] = (double)k->processed_bytes;
        v[3][n] = (double)k->state_bytes;
        v[4][n++] = (double)k->metadata_ns;
    }
    for (int i = 0; i < N; i++) {
        if (ok)
            put_samples(r, which[i], v[i], n);
        else
            free(v[i]);
    }
    return ok ? 0 : -1;
}

/* Flink's per-subtask statistics of the acknowledged task snapshots in the window. */
static int reduce_task_stats(const sim_metrics *m, window w, cmp_run *r)
{
    uint32_t cap = m->n_al ? m->n_al : 1, n = 0;
    double *sd = malloc(cap * sizeof *sd), *sy = malloc(cap * sizeof *sy), *as = malloc(cap * sizeof *as);
    if (!sd || !sy || !as) {
        free(sd), free(sy), free(as);
        return -1;
    }
    for (uint32_t i = 0; i < m->n_al; i++) {
        const sim_al_metrics *a = &m->al[i];
        if (!a->acked || a->begin_ns < w.from_ns || a->end_ns >= w.until_ns)
            continue;
        sd[n] = (double)a->start_delay_ns;
        sy[n] = (double)a->sync_ns;
        as[n++] = (double)a->async_ns;
    }
    put_samples(r, CM_START_DELAY, sd, n);
    put_samples(r, CM_SYNC, sy, n);
    put_samples(r, CM_ASYNC, as, n);
    return 0;
}

static int reduce_checkpoints(const sim_metrics *m, window w, cmp_run *r)
{
    uint32_t cap = m->n_ck ? m->n_ck : 1, n = 0, nf = 0;
    double *dur = malloc(cap * sizeof *dur), *held = malloc(cap * sizeof *held), *cs = malloc(cap * sizeof *cs),
           *fl = malloc(cap * sizeof *fl);
    if (!dur || !held || !cs || !fl) {
        free(dur), free(held), free(cs), free(fl);
        return -1;
    }
    for (uint32_t i = 0; i < m->n_ck; i++) {
        const sim_ck_metrics *k = &m->ck[i];
        if (k->id == 0 || k->start_ns < w.from_ns || k->end_ns >= w.until_ns)
            continue;
        fl[nf++] = (double)k->in_flight_bytes_start;
        if (k->outcome != SIM_CK_COMPLETED)
            continue;
        dur[n] = (double)k->duration_ns;
        held[n] = (double)k->buffered_bytes;
        cs[n++] = (double)k->channel_state_bytes;
    }
    put_samples(r, CM_CK_DURATION, dur, n);
    put_samples(r, CM_HELD, held, n);
    put_samples(r, CM_CHANNEL_STATE, cs, n);
    put_samples(r, CM_IN_FLIGHT, fl, nf);
    return 0;
}

static int reduce_alignments(const sim_metrics *m, window w, cmp_run *r)
{
    uint32_t cap = m->n_al ? m->n_al : 1, n = 0, nd = 0;
    double *al = malloc(cap * sizeof *al), *cs = malloc(cap * sizeof *cs);
    if (!al || !cs) {
        free(al), free(cs);
        return -1;
    }
    for (uint32_t i = 0; i < m->n_al; i++) {
        const sim_al_metrics *a = &m->al[i];
        if (a->begin_ns < w.from_ns || a->end_ns >= w.until_ns)
            continue;
        if (a->triggered)
            al[n++] = (double)a->alignment_ns;
        if (a->end == SIM_AL_DONE)
            cs[nd++] = (double)a->channel_state_ns;
    }
    put_samples(r, CM_ALIGNMENT, al, n);
    put_samples(r, CM_CS_TIME, cs, nd);
    return 0;
}

/* Latencies in the window: the run's p50/p99 (for the added latency) and at most
 * CMP_LATENCY_KEPT evenly spaced order statistics as its samples. Returns the count. */
static int reduce_latency(const sim_metrics *m, window w, cmp_run *r, uint64_t *count)
{
    double *all = malloc((m->n_lat ? m->n_lat : 1) * sizeof *all);
    if (!all)
        return -1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->n_lat; i++)
        if (m->lat[i].t_ns >= w.from_ns && m->lat[i].t_ns < w.until_ns)
            all[n++] = (double)m->lat[i].latency_ns;
    *count = n;
    if (n == 0) {
        free(all);
        return 0;
    }
    qsort(all, n, sizeof *all, cmp_dbl);
    r->has_lat = true;
    r->lat_p50_ns = (uint64_t)cmp_stat_of_sorted(all, n, CS_MEDIAN);
    r->lat_p99_ns = (uint64_t)cmp_stat_of_sorted(all, n, CS_P99);
    if (n > CMP_LATENCY_KEPT) { /* the (i + 0.5) / kept quantiles */
        for (uint32_t i = 0; i < CMP_LATENCY_KEPT; i++)
            all[i] = all[(uint32_t)(((uint64_t)i * 2 + 1) * n / (2 * CMP_LATENCY_KEPT))];
        n = CMP_LATENCY_KEPT;
    }
    put_samples(r, CM_LATENCY, all, n);
    return 0;
}

static int reduce_totals(const sim_result *res, const sim_metrics *m, const cmp_run *base, cmp_run *r)
{
    int bad = 0;
    if (base && base->has_lat && r->has_lat) {
        bad |= put1(r, CM_ADD_P50, (double)r->lat_p50_ns - (double)base->lat_p50_ns);
        bad |= put1(r, CM_ADD_P99, (double)r->lat_p99_ns - (double)base->lat_p99_ns);
    }
    bad |= put1(r, CM_CREDIT_WAIT, m->credit_wait_share);
    bad |= put1(r, CM_COMPLETED, (double)m->completed);
    bad |= put1(r, CM_DECLINED, (double)m->declined);
    bad |= put1(r, CM_TIMED_OUT, (double)m->timed_out);
    bad |= put1(r, CM_ABANDONED, (double)m->abandoned);
    bad |= put1(r, CM_PENDING, (double)m->pending_at_end);
    bad |= put1(r, CM_REPLAYED, (double)m->records_replayed);
    bad |= put1(r, CM_RECOVERED, (double)m->channel_state_recovered);
    if (m->duplicates_tracked)
        bad |= put1(r, CM_DUPLICATES, (double)m->duplicates);
    bad |= put1(r, CM_RESTARTS, (double)res->restarts);
    bad |= put1(r, CM_EVENTS, (double)res->events);
    return bad ? -1 : 0;
}

int cmp_reduce(const cmp_study *s, const sim_result *res, const sim_metrics *m, const cmp_run *base, cmp_run *r)
{
    memset(r->samples, 0, sizeof r->samples);
    r->outcome = res->outcome;
    r->trace_hash = res->trace_hash;
    snprintf(r->message, sizeof r->message, "%s", res->message);
    window w = {s->warmup_ns, m->run_ns > s->cooldown_ns ? m->run_ns - s->cooldown_ns : 0};
    if (w.until_ns <= w.from_ns)
        w.until_ns = w.from_ns; /* an empty window: nothing is measured, and the tables say so */
    uint64_t lat_n = 0;
    if (reduce_checkpoints(m, w, r) || reduce_alignments(m, w, r) || reduce_latency(m, w, r, &lat_n) ||
        reduce_ck_stats(m, w, r) || reduce_task_stats(m, w, r))
        return -1;
    if (w.until_ns > w.from_ns && put1(r, CM_THROUGHPUT, (double)lat_n * 1e9 / (double)(w.until_ns - w.from_ns)))
        return -1;
    return reduce_totals(res, m, base, r);
}

void cmp_run_free(cmp_run *r)
{
    for (int m = 0; m < CM_COUNT; m++) {
        free(r->samples[m].v);
        r->samples[m] = (cmp_samples){0};
    }
    free(r->held_t), free(r->cs_t);
    r->held_t = r->cs_t = NULL;
    r->n_t = 0;
}

void cmp_study_free(cmp_study *s)
{
    for (size_t i = 0; i < s->n_runs; i++)
        cmp_run_free(&s->runs[i]);
    free(s->scen);
    free(s->runs);
    free(s->cache);
    free(s->cached);
    s->scen = NULL;
    s->runs = NULL;
    s->cache = NULL;
    s->cached = NULL;
}
