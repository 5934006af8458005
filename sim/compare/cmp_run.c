/*
 * cmp_run.c: a compare run's configuration (sweep keys applied) and its reduction to one
 * row of scalars (compare.h). The metric table fixes every column's name and unit.
 */
#include "compare.h"

#include "../../core/barriersim.h"
#include "../strategies.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const cmp_metric_info metric_info[CM_COUNT] = {
    [CM_CK_P50] = {"checkpoint_duration_p50_ns", "checkpoint duration p50", "ns"},
    [CM_CK_P90] = {"checkpoint_duration_p90_ns", "checkpoint duration p90", "ns"},
    [CM_CK_MAX] = {"checkpoint_duration_max_ns", "checkpoint duration max", "ns"},
    [CM_AL_P50] = {"alignment_p50_ns", "alignment time p50 (per task)", "ns"},
    [CM_AL_P99] = {"alignment_p99_ns", "alignment time p99 (per task)", "ns"},
    [CM_AL_MAX] = {"alignment_max_ns", "alignment time max (per task)", "ns"},
    [CM_CS_P50] = {"channel_state_time_p50_ns", "channel state t->d p50 (per task)", "ns"},
    [CM_BUFFERED] = {"buffered_per_checkpoint_bytes", "bytes buffered per checkpoint (spilled + blocked)", "bytes"},
    [CM_CHANNEL_STATE] = {"channel_state_per_checkpoint_bytes", "channel-state bytes per checkpoint", "bytes"},
    [CM_IN_FLIGHT] = {"in_flight_mean_bytes", "data in flight (time average)", "bytes"},
    [CM_CREDIT_WAIT] = {"credit_wait_share", "senders' time waiting for credit", "share"},
    [CM_LAT_P50] = {"latency_p50_ns", "record latency p50", "ns"},
    [CM_LAT_P99] = {"latency_p99_ns", "record latency p99", "ns"},
    [CM_LAT_P999] = {"latency_p999_ns", "record latency p99.9", "ns"},
    [CM_LAT_MAX] = {"latency_max_ns", "record latency max", "ns"},
    [CM_LAT_MEAN] = {"latency_mean_ns", "record latency mean", "ns"},
    [CM_ADD_P50] = {"added_latency_p50_ns", "latency added by checkpointing, p50", "ns"},
    [CM_ADD_P99] = {"added_latency_p99_ns", "latency added by checkpointing, p99", "ns"},
    [CM_THROUGHPUT] = {"throughput_records_per_s", "throughput", "records/s"},
    [CM_COMPLETED] = {"checkpoints_completed", "checkpoints completed", ""},
    [CM_DECLINED] = {"checkpoints_declined", "checkpoints declined", ""},
    [CM_TIMED_OUT] = {"checkpoints_timed_out", "checkpoints timed out", ""},
    [CM_ABANDONED] = {"checkpoints_abandoned", "checkpoints abandoned", ""},
    [CM_PENDING] = {"checkpoints_pending_at_end", "checkpoints pending at the end", ""},
    [CM_DECL_SUBSUMED] = {"declined_subsumed", "declined: subsumed", ""},
    [CM_DECL_CANCELLED] = {"declined_cancelled", "declined: cancelled", ""},
    [CM_DECL_EOP] = {"declined_eop", "declined: eop", ""},
    [CM_DECL_LIMIT] = {"declined_limit", "declined: limit", ""},
    [CM_DECL_TIMEOUT] = {"declined_timeout", "declined: timeout", ""},
    [CM_REPLAYED] = {"records_replayed", "records replayed after restores", ""},
    [CM_RECOVERED] = {"channel_state_recovered", "channel-state items recovered", ""},
    [CM_DUPLICATES] = {"duplicates", "duplicates seen by the sinks", ""},
    [CM_RESTARTS] = {"restarts", "restarts", ""},
    [CM_EVENTS] = {"events", "simulation events", ""},
};

const cmp_metric_info *cmp_metric_get(cmp_metric m)
{
    return (unsigned)m < CM_COUNT ? &metric_info[m] : NULL;
}

/* ---- sweep ------------------------------------------------------------------------------- */

static void set_dist(sim_dist *d, uint64_t mean)
{
    d->mean_ns = mean;
    if (d->min_ns > mean)
        d->min_ns = mean;
    if (d->max_ns < mean)
        d->max_ns = mean;
}

static const char sweep_keys[] =
    "credits, sink-service-ns, service-ns, latency-ns, source-interval-ns, checkpoint-interval-ns, "
    "checkpoint-timeout-ns, records-per-source, alignment-timeout-ns";

const char *cmp_sweep_keys(void) { return sweep_keys; }

bool cmp_sweep_apply(const char *key, uint64_t v, sim_config *c)
{
    if (strcmp(key, "credits") == 0 && v >= 1 && v <= SIM_CREDITS_MAX)
        c->credits = (uint32_t)v;
    else if (strcmp(key, "sink-service-ns") == 0)
        set_dist(&c->service[c->stages - 1], v);
    else if (strcmp(key, "service-ns") == 0)
        for (uint32_t s = 0; s < SIM_STAGES_MAX; s++)
            set_dist(&c->service[s], v);
    else if (strcmp(key, "latency-ns") == 0)
        set_dist(&c->latency, v);
    else if (strcmp(key, "source-interval-ns") == 0 && v >= 1)
        c->source_interval_ns = v;
    else if (strcmp(key, "checkpoint-interval-ns") == 0 && v >= 1)
        c->checkpoint_interval_ns = v;
    else if (strcmp(key, "checkpoint-timeout-ns") == 0)
        c->checkpoint_timeout_ns = v;
    else if (strcmp(key, "records-per-source") == 0 && v >= 1)
        c->records_per_source = v;
    else if (sim_option_find(key) && strcmp(sim_option_find(key)->sim_name, key) == 0 &&
             sim_option_value_ok(sim_option_find(key), v))
        c->options[sim_option_find(key)->slot] = v; /* a strategy option (its descriptor) */
    else
        return false;
    return true;
}

int cmp_sweep_parse(const char *arg, cmp_sweep *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof out->key) {
        snprintf(err, err_len, "--sweep: '%s' is not KEY=V1,V2,... (keys: %s)", arg, sweep_keys);
        return -1;
    }
    memcpy(out->key, arg, (size_t)(eq - arg));
    sim_config probe;
    sim_config_default(&probe);
    if (!cmp_sweep_apply(out->key, 1, &probe)) {
        snprintf(err, err_len, "--sweep: unknown key '%s' (keys: %s)", out->key, sweep_keys);
        return -1;
    }
    const char *p = eq + 1;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long long v = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : 0;
        if (*p < '0' || *p > '9' || errno || (*end && *end != ',') || out->n == CMP_SWEEP_MAX ||
            !cmp_sweep_apply(out->key, v, &probe)) {
            snprintf(err, err_len, "--sweep %s: '%s' is not a list of at most %u whole numbers valid for the key",
                     out->key, eq + 1, CMP_SWEEP_MAX);
            return -1;
        }
        out->vals[out->n++] = v;
        p = *end ? end + 1 : end;
    }
    if (out->n == 0) {
        snprintf(err, err_len, "--sweep %s: no values", out->key);
        return -1;
    }
    return 0;
}

void cmp_config(const cmp_study *s, uint32_t scen, uint32_t point, uint32_t strat, sim_config *cfg)
{
    *cfg = s->scen[scen].cfg;
    if (s->sweep.n)
        cmp_sweep_apply(s->sweep.key, s->sweep.vals[point], cfg);
    if (strat == CMP_BASELINE) {
        cfg->checkpoint_interval_ns = 0;
        cfg->strategy = "spill"; /* no barrier ever reaches it: it only forwards */
    } else {
        cfg->strategy = s->strategies[strat];
    }
}

/* ---- reduction --------------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double quantile_sorted(const uint64_t *v, size_t n, double q)
{
    size_t rank = (size_t)(q * (double)n + 0.999999999);
    return (double)v[(rank ? rank : 1) - 1];
}

static void put(cmp_run *r, cmp_metric m, double v)
{
    r->has[m] = true;
    r->v[m] = v;
}

static void reduce_checkpoints(const sim_metrics *m, cmp_run *r, uint64_t *tmp)
{
    size_t n = 0;
    double buf = 0, cs = 0;
    for (uint32_t i = 0; i < m->n_ck; i++) {
        const sim_ck_metrics *k = &m->ck[i];
        if (k->id == 0 || k->outcome != SIM_CK_COMPLETED)
            continue;
        tmp[n++] = k->duration_ns;
        buf += (double)k->buffered_bytes;
        cs += (double)k->channel_state_bytes;
    }
    if (n == 0)
        return;
    qsort(tmp, n, sizeof *tmp, cmp_u64);
    put(r, CM_CK_P50, quantile_sorted(tmp, n, 0.5));
    put(r, CM_CK_P90, quantile_sorted(tmp, n, 0.9));
    put(r, CM_CK_MAX, (double)tmp[n - 1]);
    put(r, CM_BUFFERED, buf / (double)n);
    put(r, CM_CHANNEL_STATE, cs / (double)n);
}

static void reduce_alignments(const sim_metrics *m, cmp_run *r, uint64_t *tmp)
{
    size_t n = 0, nd = 0;
    for (uint32_t i = 0; i < m->n_al; i++)
        if (m->al[i].triggered)
            tmp[n++] = m->al[i].alignment_ns;
    if (n) {
        qsort(tmp, n, sizeof *tmp, cmp_u64);
        put(r, CM_AL_P50, quantile_sorted(tmp, n, 0.5));
        put(r, CM_AL_P99, quantile_sorted(tmp, n, 0.99));
        put(r, CM_AL_MAX, (double)tmp[n - 1]);
    }
    for (uint32_t i = 0; i < m->n_al; i++)
        if (m->al[i].end == SIM_AL_DONE)
            tmp[nd++] = m->al[i].channel_state_ns;
    if (nd) {
        qsort(tmp, nd, sizeof *tmp, cmp_u64);
        put(r, CM_CS_P50, quantile_sorted(tmp, nd, 0.5));
    }
}

static void reduce_latency(const sim_metrics *m, const cmp_run *base, cmp_run *r)
{
    const sim_latency *l = &m->latency;
    if (!l->count)
        return;
    put(r, CM_LAT_P50, (double)l->p50_ns);
    put(r, CM_LAT_P99, (double)l->p99_ns);
    put(r, CM_LAT_P999, (double)l->p999_ns);
    put(r, CM_LAT_MAX, (double)l->max_ns);
    put(r, CM_LAT_MEAN, l->mean_ns);
    if (base && base->has[CM_LAT_P50]) {
        put(r, CM_ADD_P50, r->v[CM_LAT_P50] - base->v[CM_LAT_P50]);
        put(r, CM_ADD_P99, r->v[CM_LAT_P99] - base->v[CM_LAT_P99]);
    }
}

void cmp_reduce(const sim_result *res, const sim_metrics *m, const cmp_run *base, cmp_run *r)
{
    memset(r->has, 0, sizeof r->has);
    r->outcome = res->outcome;
    snprintf(r->message, sizeof r->message, "%s", res->message);
    size_t cap = m->n_al > m->n_ck ? m->n_al : m->n_ck;
    uint64_t *tmp = malloc((cap ? cap : 1) * sizeof *tmp);
    if (tmp) {
        reduce_checkpoints(m, r, tmp);
        reduce_alignments(m, r, tmp);
        free(tmp);
    }
    double inflight = 0;
    for (uint32_t i = 0; i < m->n_samples; i++)
        inflight += (double)m->samples[i].in_flight_bytes;
    if (m->n_samples)
        put(r, CM_IN_FLIGHT, inflight / m->n_samples);
    put(r, CM_CREDIT_WAIT, m->credit_wait_share);
    reduce_latency(m, base, r);
    put(r, CM_THROUGHPUT, m->throughput_rps);
    put(r, CM_COMPLETED, (double)m->completed);
    put(r, CM_DECLINED, (double)m->declined);
    put(r, CM_TIMED_OUT, (double)m->timed_out);
    put(r, CM_ABANDONED, (double)m->abandoned);
    put(r, CM_PENDING, (double)m->pending_at_end);
    for (int k = 0; k < (int)SIM_MX_REASONS; k++)
        put(r, (cmp_metric)(CM_DECL_SUBSUMED + k), (double)m->declined_by[k]);
    put(r, CM_REPLAYED, (double)m->records_replayed);
    put(r, CM_RECOVERED, (double)m->channel_state_recovered);
    if (m->duplicates_tracked)
        put(r, CM_DUPLICATES, (double)m->duplicates);
    put(r, CM_RESTARTS, (double)res->restarts);
    put(r, CM_EVENTS, (double)res->events);
}
