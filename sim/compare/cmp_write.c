/*
 * cmp_write.c: the raw outputs of `compare`, written run by run as the runs finish:
 * metrics.json (every metric of every run: its scalars, checkpoints, alignments and
 * time series, then the summary) and four CSVs, one row per observation with a header row
 * and units last in column names: runs.csv (a run), checkpoints.csv (a checkpoint of a
 * run), alignments.csv (a task's alignment of a checkpoint), buffered.csv (a time-series
 * sample). Every row starts with scenario,strategy,sweep_key,sweep_value,seed; a baseline
 * run (checkpoints off) has strategy "baseline"; a value not measured is an empty field
 * (CSV) or null (JSON).
 */
#include "compare.h"

#include "../cli/cli.h"

#include <errno.h>
#include <string.h>

void cmp_csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static const char *strat_name(const cmp_study *s, const cmp_run *r)
{
    return r->strategy == CMP_BASELINE ? "baseline" : s->strategies[r->strategy];
}

static void num(FILE *f, double v)
{
    if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
        fprintf(f, "%lld", (long long)v);
    else
        fprintf(f, "%.6g", v);
}

/* scenario,strategy,sweep_key,sweep_value,seed */
static void key_cols(FILE *f, const cmp_study *s, const cmp_run *r)
{
    cmp_csv_str(f, s->scen[r->scenario].name);
    fputc(',', f);
    cmp_csv_str(f, strat_name(s, r));
    fputc(',', f);
    fputs(s->sweep.n ? s->sweep.key : "", f);
    fputc(',', f);
    if (s->sweep.n)
        fprintf(f, "%llu", (unsigned long long)s->sweep.vals[r->sweep]);
    fprintf(f, ",%llu,", (unsigned long long)r->seed);
}

static const char key_head[] = "scenario,strategy,sweep_key,sweep_value,seed,";

static FILE *open_in(const char *dir, const char *name, char *err, size_t err_len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
    return f;
}

static void json_head(FILE *f, const cmp_study *s)
{
    fputs("{\n\"format\": \"barriersim-compare-1\",\n\"scenarios\": [", f);
    for (uint32_t i = 0; i < s->n_scen; i++) {
        fputs(i ? ", {\"name\": " : "{\"name\": ", f);
        cli_json_string(f, s->scen[i].name);
        fputs(", \"path\": ", f);
        cli_json_string(f, s->scenario_paths[i]);
        fputc('}', f);
    }
    fputs("],\n\"strategies\": [", f);
    for (uint32_t i = 0; i < s->n_strat; i++) {
        fputs(i ? ", " : "", f);
        cli_json_string(f, s->strategies[i]);
    }
    fprintf(f, "],\n\"seeds\": %llu,\n\"seed_base\": %llu,\n\"sweep\": ", (unsigned long long)s->seeds,
            (unsigned long long)s->seed_base);
    if (s->sweep.n) {
        fputs("{\"key\": ", f);
        cli_json_string(f, s->sweep.key);
        fputs(", \"values\": [", f);
        for (uint32_t i = 0; i < s->sweep.n; i++)
            fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)s->sweep.vals[i]);
        fputs("]}", f);
    } else {
        fputs("null", f);
    }
    fputs(",\n\"runs\": [\n", f);
}

int cmp_out_open(cmp_out *o, const char *dir, const cmp_study *s, char *err, size_t err_len)
{
    memset(o, 0, sizeof *o);
    o->first_run = true;
    if (!(o->json = open_in(dir, "metrics.json", err, err_len)) || !(o->runs = open_in(dir, "runs.csv", err, err_len)) ||
        !(o->cks = open_in(dir, "checkpoints.csv", err, err_len)) ||
        !(o->als = open_in(dir, "alignments.csv", err, err_len)) ||
        !(o->buf = open_in(dir, "buffered.csv", err, err_len)))
        return -1;
    json_head(o->json, s);
    fprintf(o->runs, "%soutcome", key_head);
    for (int m = 0; m < CM_COUNT; m++)
        fprintf(o->runs, ",%s", cmp_metric_get((cmp_metric)m)->name);
    fputs(",message\n", o->runs);
    fprintf(o->cks, "%scheckpoint,start_ns,end_ns,duration_ns,outcome,reason,in_flight_start_bytes,"
                    "credit_wait_share,tasks_aligned,alignment_max_ns,buffered_bytes,channel_state_bytes\n",
            key_head);
    fprintf(o->als, "%scheckpoint,task,end,reason,unaligned,begin_ns,trigger_ns,end_ns,alignment_ns,"
                    "channel_state_ns,spilled_bytes,blocked_peak_bytes,buffered_bytes,channel_state_bytes,"
                    "channel_state_items\n",
            key_head);
    fprintf(o->buf, "%st_ns,file_bytes,blocked_bytes,channel_state_bytes,in_flight_bytes,buffered_bytes\n",
            key_head);
    return 0;
}

static const char *ck_reason(const sim_ck_metrics *k)
{
    return k->outcome == SIM_CK_DECLINED ? bs_abort_reason_name(k->reason) : "";
}

static const char *al_reason(const sim_al_metrics *a)
{
    return a->end == SIM_AL_ABORTED ? bs_abort_reason_name(a->reason) : "";
}

static const char *task_name(const sim_metrics *m, uint32_t node)
{
    uint32_t i = node - m->sources;
    return i < m->n_tasks ? m->task_names[i] : "?";
}

static void csv_run(FILE *f, const cmp_study *s, const cmp_run *r, const sim_metrics *m)
{
    (void)m;
    key_cols(f, s, r);
    fputs(sim_outcome_name(r->outcome), f);
    for (int k = 0; k < CM_COUNT; k++) {
        fputc(',', f);
        if (r->has[k])
            num(f, r->v[k]);
    }
    fputc(',', f);
    cmp_csv_str(f, r->message);
    fputc('\n', f);
}

static void csv_details(cmp_out *o, const cmp_study *s, const cmp_run *r, const sim_metrics *m)
{
    for (uint32_t i = 0; i < m->n_ck; i++) {
        const sim_ck_metrics *k = &m->ck[i];
        if (!k->id)
            continue;
        key_cols(o->cks, s, r);
        fprintf(o->cks, "%llu,%llu,%llu,%llu,%s,%s,%llu,%.6g,%u,%llu,%llu,%llu\n", (unsigned long long)k->id,
                (unsigned long long)k->start_ns, (unsigned long long)k->end_ns, (unsigned long long)k->duration_ns,
                sim_ck_outcome_name(k->outcome), ck_reason(k), (unsigned long long)k->in_flight_bytes_start,
                k->credit_wait_share, k->tasks_aligned, (unsigned long long)k->alignment_ns_max,
                (unsigned long long)k->buffered_bytes, (unsigned long long)k->channel_state_bytes);
    }
    for (uint32_t i = 0; i < m->n_al; i++) {
        const sim_al_metrics *a = &m->al[i];
        key_cols(o->als, s, r);
        fprintf(o->als, "%llu,%s,%s,%s,%d,%llu,", (unsigned long long)a->checkpoint, task_name(m, a->task),
                sim_al_end_name(a->end), al_reason(a), a->unaligned, (unsigned long long)a->begin_ns);
        if (a->triggered)
            fprintf(o->als, "%llu", (unsigned long long)a->trigger_ns);
        fprintf(o->als, ",%llu,", (unsigned long long)a->end_ns);
        if (a->triggered)
            fprintf(o->als, "%llu", (unsigned long long)a->alignment_ns);
        fputc(',', o->als);
        if (a->end == SIM_AL_DONE)
            fprintf(o->als, "%llu", (unsigned long long)a->channel_state_ns);
        fprintf(o->als, ",%llu,%llu,%llu,%llu,%llu\n", (unsigned long long)a->spilled_bytes,
                (unsigned long long)a->blocked_bytes_peak, (unsigned long long)a->buffered_bytes,
                (unsigned long long)a->channel_state_bytes, (unsigned long long)a->channel_state_items);
    }
    for (uint32_t i = 0; i < m->n_samples; i++) {
        const sim_mx_sample *x = &m->samples[i];
        key_cols(o->buf, s, r);
        fprintf(o->buf, "%llu,%llu,%llu,%llu,%llu,%llu\n", (unsigned long long)x->t_ns,
                (unsigned long long)x->file_bytes, (unsigned long long)x->blocked_bytes,
                (unsigned long long)x->channel_state_bytes, (unsigned long long)x->in_flight_bytes,
                (unsigned long long)sim_mx_buffered(x));
    }
}

static void json_counts(FILE *f, const char *name, const uint64_t by[SIM_MX_REASONS])
{
    fprintf(f, "\"%s\": {", name);
    for (unsigned k = 0; k < SIM_MX_REASONS; k++)
        fprintf(f, "%s\"%s\": %llu", k ? ", " : "", bs_abort_reason_name((bs_abort_reason)k),
                (unsigned long long)by[k]);
    fputs("}", f);
}

static void json_metrics_head(FILE *f, const sim_metrics *m)
{
    const sim_latency *l = &m->latency;
    fprintf(f, "\"metrics\": {\"run_ns\": %llu, \"throughput_records_per_s\": %.6g, \"credit_wait_share\": %.6g, "
               "\"sink_records\": %llu,\n  \"latency\": {\"count\": %llu, \"min_ns\": %llu, \"p50_ns\": %llu, "
               "\"p90_ns\": %llu, \"p99_ns\": %llu, \"p999_ns\": %llu, \"max_ns\": %llu, \"mean_ns\": %.6g},\n  "
               "\"checkpoints_completed\": %llu, \"checkpoints_declined\": %llu, \"checkpoints_timed_out\": %llu, "
               "\"checkpoints_abandoned\": %llu, \"checkpoints_pending_at_end\": %llu, ",
            (unsigned long long)m->run_ns, m->throughput_rps, m->credit_wait_share, (unsigned long long)m->sink_records,
            (unsigned long long)l->count, (unsigned long long)l->min_ns, (unsigned long long)l->p50_ns,
            (unsigned long long)l->p90_ns, (unsigned long long)l->p99_ns, (unsigned long long)l->p999_ns,
            (unsigned long long)l->max_ns, l->mean_ns, (unsigned long long)m->completed,
            (unsigned long long)m->declined, (unsigned long long)m->timed_out, (unsigned long long)m->abandoned,
            (unsigned long long)m->pending_at_end);
    json_counts(f, "declined_by", m->declined_by);
    fputs(", ", f);
    json_counts(f, "task_aborts_by", m->task_aborts_by);
    fprintf(f, ",\n  \"records_replayed\": %llu, \"channel_state_recovered\": %llu, \"duplicates\": %llu, "
               "\"duplicates_tracked\": %s, \"checkpoints_dropped\": %llu, \"alignments_dropped\": %llu,\n",
            (unsigned long long)m->records_replayed, (unsigned long long)m->channel_state_recovered,
            (unsigned long long)m->duplicates, m->duplicates_tracked ? "true" : "false",
            (unsigned long long)m->ck_dropped, (unsigned long long)m->al_dropped);
}

static void json_rows(FILE *f, const cmp_study *s, const sim_metrics *m)
{
    (void)s;
    fputs("  \"checkpoints\": {\"columns\": [\"id\", \"start_ns\", \"end_ns\", \"duration_ns\", \"outcome\", \"reason\", "
          "\"in_flight_start_bytes\", \"credit_wait_share\", \"tasks_aligned\", \"alignment_max_ns\", "
          "\"buffered_bytes\", \"channel_state_bytes\"], \"rows\": [",
          f);
    bool first = true;
    for (uint32_t i = 0; i < m->n_ck; i++) {
        const sim_ck_metrics *k = &m->ck[i];
        if (!k->id)
            continue;
        fprintf(f, "%s\n    [%llu, %llu, %llu, %llu, \"%s\", \"%s\", %llu, %.6g, %u, %llu, %llu, %llu]", first ? "" : ",",
                (unsigned long long)k->id, (unsigned long long)k->start_ns, (unsigned long long)k->end_ns,
                (unsigned long long)k->duration_ns, sim_ck_outcome_name(k->outcome), ck_reason(k),
                (unsigned long long)k->in_flight_bytes_start, k->credit_wait_share, k->tasks_aligned,
                (unsigned long long)k->alignment_ns_max, (unsigned long long)k->buffered_bytes,
                (unsigned long long)k->channel_state_bytes);
        first = false;
    }
    fputs("]},\n  \"alignments\": {\"columns\": [\"checkpoint\", \"task\", \"end\", \"reason\", \"unaligned\", "
          "\"begin_ns\", \"trigger_ns\", \"end_ns\", \"alignment_ns\", \"channel_state_ns\", \"spilled_bytes\", "
          "\"blocked_peak_bytes\", \"buffered_bytes\", \"channel_state_bytes\", \"channel_state_items\"], \"rows\": [",
          f);
    for (uint32_t i = 0; i < m->n_al; i++) {
        const sim_al_metrics *a = &m->al[i];
        fprintf(f, "%s\n    [%llu, \"%s\", \"%s\", \"%s\", %s, %llu, ", i ? "," : "", (unsigned long long)a->checkpoint,
                task_name(m, a->task), sim_al_end_name(a->end), al_reason(a), a->unaligned ? "true" : "false",
                (unsigned long long)a->begin_ns);
        if (a->triggered)
            fprintf(f, "%llu, %llu, %llu, ", (unsigned long long)a->trigger_ns, (unsigned long long)a->end_ns,
                    (unsigned long long)a->alignment_ns);
        else
            fprintf(f, "null, %llu, null, ", (unsigned long long)a->end_ns);
        if (a->end == SIM_AL_DONE)
            fprintf(f, "%llu", (unsigned long long)a->channel_state_ns);
        else
            fputs("null", f);
        fprintf(f, ", %llu, %llu, %llu, %llu, %llu]", (unsigned long long)a->spilled_bytes,
                (unsigned long long)a->blocked_bytes_peak, (unsigned long long)a->buffered_bytes,
                (unsigned long long)a->channel_state_bytes, (unsigned long long)a->channel_state_items);
    }
    fprintf(f, "]},\n  \"buffered\": {\"grid_ns\": %llu, \"columns\": [\"t_ns\", \"file_bytes\", \"blocked_bytes\", "
               "\"channel_state_bytes\", \"in_flight_bytes\"], \"rows\": [",
            (unsigned long long)m->grid_ns);
    for (uint32_t i = 0; i < m->n_samples; i++) {
        const sim_mx_sample *x = &m->samples[i];
        fprintf(f, "%s[%llu, %llu, %llu, %llu, %llu]", i ? ", " : "", (unsigned long long)x->t_ns,
                (unsigned long long)x->file_bytes, (unsigned long long)x->blocked_bytes,
                (unsigned long long)x->channel_state_bytes, (unsigned long long)x->in_flight_bytes);
    }
    fputs("]}}", f);
}

static void json_run(FILE *f, const cmp_study *s, const cmp_run *r, const sim_metrics *m)
{
    fputs("{\"scenario\": ", f);
    cli_json_string(f, s->scen[r->scenario].name);
    fputs(", \"strategy\": ", f);
    cli_json_string(f, strat_name(s, r));
    if (s->sweep.n)
        fprintf(f, ", \"sweep_value\": %llu", (unsigned long long)s->sweep.vals[r->sweep]);
    else
        fputs(", \"sweep_value\": null", f);
    fprintf(f, ", \"seed\": %llu, \"outcome\": \"%s\", \"message\": ", (unsigned long long)r->seed,
            sim_outcome_name(r->outcome));
    cli_json_string(f, r->message);
    fputs(",\n \"scalars\": {", f);
    for (int k = 0; k < CM_COUNT; k++) {
        fprintf(f, "%s\"%s\": ", k ? ", " : "", cmp_metric_get((cmp_metric)k)->name);
        if (r->has[k])
            num(f, r->v[k]);
        else
            fputs("null", f);
    }
    fputs("},\n ", f);
    json_metrics_head(f, m);
    json_rows(f, s, m);
    fputs("}", f);
}

void cmp_out_run(cmp_out *o, const cmp_study *s, const cmp_run *r, const sim_metrics *m)
{
    if (!o->first_run)
        fputs(",\n", o->json);
    o->first_run = false;
    json_run(o->json, s, r, m);
    csv_run(o->runs, s, r, m);
    csv_details(o, s, r, m);
}

static int close_one(FILE **f, const char *name, char *err, size_t err_len)
{
    if (!*f)
        return 0;
    int bad = ferror(*f);
    bad |= fclose(*f) != 0;
    *f = NULL;
    if (bad && err[0] == '\0')
        snprintf(err, err_len, "cannot write %s: %s", name, strerror(errno));
    return bad ? -1 : 0;
}

int cmp_out_close(cmp_out *o, const cmp_study *s, char *err, size_t err_len)
{
    err[0] = '\0';
    if (o->json && s) {
        fputs("\n],\n\"summary\": ", o->json);
        cmp_write_summary_json(o->json, s);
        fputs("\n}\n", o->json);
    }
    int rc = close_one(&o->json, "metrics.json", err, err_len);
    rc |= close_one(&o->runs, "runs.csv", err, err_len);
    rc |= close_one(&o->cks, "checkpoints.csv", err, err_len);
    rc |= close_one(&o->als, "alignments.csv", err, err_len);
    rc |= close_one(&o->buf, "buffered.csv", err, err_len);
    return rc ? -1 : 0;
}
