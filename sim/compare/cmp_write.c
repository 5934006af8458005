/*
 * cmp_write.c: the raw outputs of `compare`, written run by run as the runs finish:
 * metrics.json (every metric of every run: its scalars, checkpoints, alignments and
 * time series, then the summary) and four CSVs, one row per observation with a header row
 * and units last in column names: runs.csv (a run), checkpoints.csv (a checkpoint of a
 * run), alignments.csv (a task's alignment of a checkpoint), buffered.csv (a time-series
 * sample). Every row starts with scenario,strategy, one column per swept key (named by the
 * key), seed; a baseline run (no checkpoints) has strategy "baseline"; a value not measured
 * is an empty field (CSV) or null (JSON). Each run in metrics.json carries its provenance:
 * the fully resolved configuration (every simulation key, and the run's complete scenario
 * file as simscen_write writes it), the seed, the trace hash, the binary's version and the
 * command that reproduces it. Times are simulated nanoseconds.
 */
#include "compare.h"

#include "../text.h"

#include <errno.h>
#include <stdlib.h>
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

/* scenario,strategy,<swept keys>,seed */
static void key_cols(FILE *f, const cmp_study *s, const cmp_run *r)
{
    cmp_csv_str(f, s->scen[r->scenario].name);
    fputc(',', f);
    cmp_csv_str(f, strat_name(s, r));
    for (uint32_t i = 0; i < s->n_sweeps; i++)
        fprintf(f, ",%llu", (unsigned long long)cmp_point_value(s, r->point, i));
    fprintf(f, ",%llu,", (unsigned long long)r->seed);
}

static void key_head(FILE *f, const cmp_study *s)
{
    fputs("scenario,strategy,", f);
    for (uint32_t i = 0; i < s->n_sweeps; i++)
        fprintf(f, "%s,", s->sweep[i].key->name);
    fputs("seed,", f);
}

void cmp_repro_command(const cmp_study *s, const cmp_run *r, char *out, size_t len)
{
    char q[1200];
    size_t used;
    sim_shell_quote(s->scenario_paths[r->scenario], q, sizeof q);
    const char *name = r->strategy == CMP_BASELINE ? s->strategies[0] : s->strategies[r->strategy];
    used = (size_t)snprintf(out, len, "%s compare %s --strategies %s --seeds 1 --seed-base %llu", s->argv0, q, name,
                            (unsigned long long)r->seed);
    for (uint32_t i = 0; i < s->n_sweeps && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, " --sweep %s=%llu", s->sweep[i].key->name,
                                 (unsigned long long)cmp_point_value(s, r->point, i));
    if (used < len)
        snprintf(out + used, len - used, " --warmup %llu --cooldown %llu --out compare-repro",
                 (unsigned long long)s->warmup_ns, (unsigned long long)s->cooldown_ns);
}

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
        sim_json_string(f, s->scen[i].name);
        fputs(", \"path\": ", f);
        sim_json_string(f, s->scenario_paths[i]);
        fputc('}', f);
    }
    fputs("],\n\"strategies\": [", f);
    for (uint32_t i = 0; i < s->n_strat; i++) {
        fputs(i ? ", " : "", f);
        sim_json_string(f, s->strategies[i]);
    }
    fprintf(f, "],\n\"version\": ");
    sim_json_string(f, cmp_version());
    fprintf(f, ",\n\"times\": \"simulated\",\n\"seeds\": %llu,\n\"seed_base\": %llu,\n\"warmup_ns\": %llu,\n"
               "\"cooldown_ns\": %llu,\n\"bootstrap\": %u,\n\"sweeps\": [",
            (unsigned long long)s->seeds, (unsigned long long)s->seed_base, (unsigned long long)s->warmup_ns,
            (unsigned long long)s->cooldown_ns, s->bootstrap);
    for (uint32_t d = 0; d < s->n_sweeps; d++) {
        fputs(d ? ", {\"key\": " : "{\"key\": ", f);
        sim_json_string(f, s->sweep[d].key->name);
        fputs(", \"unit\": ", f);
        sim_json_string(f, s->sweep[d].key->unit);
        fputs(", \"values\": [", f);
        for (uint32_t i = 0; i < s->sweep[d].n; i++)
            fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)s->sweep[d].vals[i]);
        fputs("]}", f);
    }
    fputs("]", f);
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
    key_head(o->runs, s);
    fputs("outcome,trace_hash", o->runs);
    for (int m = 0; m < CM_COUNT; m++) {
        const cmp_metric_info *mi = cmp_metric_get((cmp_metric)m);
        if (mi->kind == CMP_POOLED)
            fprintf(o->runs, ",n_%s,median_%s,p99_%s", mi->name, mi->name, mi->name);
        else
            fprintf(o->runs, ",%s", mi->name);
    }
    fputs(",message\n", o->runs);
    key_head(o->cks, s);
    key_head(o->als, s);
    key_head(o->buf, s);
    fputs("checkpoint,start_ns,end_ns,duration_ns,outcome,reason,in_flight_start_bytes,"
                    "credit_wait_share,tasks_aligned,alignment_max_ns,held_for_alignment_bytes,channel_state_bytes,"
          "tasks_acked,start_delay_max_ns,sync_max_ns,async_max_ns,operator_state_bytes,persisted_in_flight_bytes,"
          "checkpointed_size_bytes,processed_in_flight_bytes,metadata_write_ns\n", o->cks);
    fputs("checkpoint,task,end,reason,unaligned,begin_ns,trigger_ns,end_ns,alignment_ns,"
          "channel_state_ns,spilled_bytes,blocked_peak_bytes,held_for_alignment_bytes,channel_state_bytes,"
          "channel_state_items,start_delay_ns,processed_in_flight_bytes,acked,sync_ns,async_ns,operator_state_bytes,"
          "persisted_in_flight_bytes\n", o->als);
    fputs("t_ns,file_bytes,blocked_bytes,channel_state_bytes,in_flight_bytes,"
          "held_incl_channel_state_bytes\n", o->buf);
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

static void csv_run(FILE *f, const cmp_study *s, const cmp_run *r)
{
    key_cols(f, s, r);
    fprintf(f, "%s,%016llx", sim_outcome_name(r->outcome), (unsigned long long)r->trace_hash);
    for (int k = 0; k < CM_COUNT; k++) {
        const cmp_samples *x = &r->samples[k];
        if (cmp_metric_get((cmp_metric)k)->kind == CMP_POOLED) {
            fprintf(f, ",%u,", x->n);
            if (x->n)
                num(f, cmp_stat_of_sorted(x->v, x->n, CS_MEDIAN));
            fputc(',', f);
            if (x->n)
                num(f, cmp_stat_of_sorted(x->v, x->n, CS_P99));
        } else {
            fputc(',', f);
            if (x->n)
                num(f, x->v[0]);
        }
    }
    fputc(',', f);
    cmp_csv_str(f, r->message);
    fputc('\n', f);
}

/* Flink's checkpoint statistics of a checkpoint and of a task's snapshot (metrics.h), as
 * CSV cells or JSON array items (sep between them, end after the last). */
static void ck_stats(FILE *f, const sim_ck_metrics *k, const char *sep, const char *end)
{
    fprintf(f, "%u%s%llu%s%llu%s%llu%s%llu%s%llu%s%llu%s%llu%s%llu%s", k->tasks_acked, sep,
            (unsigned long long)k->start_delay_ns_max, sep, (unsigned long long)k->sync_ns_max, sep,
            (unsigned long long)k->async_ns_max, sep, (unsigned long long)k->state_bytes, sep,
            (unsigned long long)k->persisted_bytes, sep, (unsigned long long)k->checkpointed_bytes, sep,
            (unsigned long long)k->processed_bytes, sep, (unsigned long long)k->metadata_ns, end);
}

static void al_stats(FILE *f, const sim_al_metrics *a, const char *sep, const char *end)
{
    fprintf(f, "%llu%s%llu%s%s%s%llu%s%llu%s%llu%s%llu%s", (unsigned long long)a->start_delay_ns, sep,
            (unsigned long long)a->processed_bytes, sep, a->acked ? "true" : "false", sep,
            (unsigned long long)a->sync_ns, sep, (unsigned long long)a->async_ns, sep,
            (unsigned long long)a->state_bytes, sep, (unsigned long long)a->persisted_bytes, end);
}

static void csv_details(cmp_out *o, const cmp_study *s, const cmp_run *r, const sim_metrics *m)
{
    for (uint32_t i = 0; i < m->n_ck; i++) {
        const sim_ck_metrics *k = &m->ck[i];
        if (!k->id)
            continue;
        key_cols(o->cks, s, r);
        fprintf(o->cks, "%llu,%llu,%llu,%llu,%s,%s,%llu,%.6g,%u,%llu,%llu,%llu,", (unsigned long long)k->id,
                (unsigned long long)k->start_ns, (unsigned long long)k->end_ns, (unsigned long long)k->duration_ns,
                sim_ck_outcome_name(k->outcome), ck_reason(k), (unsigned long long)k->in_flight_bytes_start,
                k->credit_wait_share, k->tasks_aligned, (unsigned long long)k->alignment_ns_max,
                (unsigned long long)k->buffered_bytes, (unsigned long long)k->channel_state_bytes);
        ck_stats(o->cks, k, ",", "\n");
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
        fprintf(o->als, ",%llu,%llu,%llu,%llu,%llu,", (unsigned long long)a->spilled_bytes,
                (unsigned long long)a->blocked_bytes_peak, (unsigned long long)a->buffered_bytes,
                (unsigned long long)a->channel_state_bytes, (unsigned long long)a->channel_state_items);
        al_stats(o->als, a, ",", "\n");
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
          "\"held_for_alignment_bytes\", \"channel_state_bytes\", \"tasks_acked\", \"start_delay_max_ns\", "
          "\"sync_max_ns\", \"async_max_ns\", \"operator_state_bytes\", \"persisted_in_flight_bytes\", "
          "\"checkpointed_size_bytes\", \"processed_in_flight_bytes\", \"metadata_write_ns\"], \"rows\": [",
          f);
    bool first = true;
    for (uint32_t i = 0; i < m->n_ck; i++) {
        const sim_ck_metrics *k = &m->ck[i];
        if (!k->id)
            continue;
        fprintf(f, "%s\n    [%llu, %llu, %llu, %llu, \"%s\", \"%s\", %llu, %.6g, %u, %llu, %llu, %llu, ",
                first ? "" : ",", (unsigned long long)k->id, (unsigned long long)k->start_ns,
                (unsigned long long)k->end_ns, (unsigned long long)k->duration_ns, sim_ck_outcome_name(k->outcome),
                ck_reason(k), (unsigned long long)k->in_flight_bytes_start, k->credit_wait_share, k->tasks_aligned,
                (unsigned long long)k->alignment_ns_max, (unsigned long long)k->buffered_bytes,
                (unsigned long long)k->channel_state_bytes);
        ck_stats(f, k, ", ", "]");
        first = false;
    }
    fputs("]},\n  \"alignments\": {\"columns\": [\"checkpoint\", \"task\", \"end\", \"reason\", \"unaligned\", "
          "\"begin_ns\", \"trigger_ns\", \"end_ns\", \"alignment_ns\", \"channel_state_ns\", \"spilled_bytes\", "
          "\"blocked_peak_bytes\", \"held_for_alignment_bytes\", \"channel_state_bytes\", \"channel_state_items\", "
          "\"start_delay_ns\", \"processed_in_flight_bytes\", \"acked\", \"sync_ns\", \"async_ns\", "
          "\"operator_state_bytes\", \"persisted_in_flight_bytes\"], \"rows\": [",
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
        fprintf(f, ", %llu, %llu, %llu, %llu, %llu, ", (unsigned long long)a->spilled_bytes,
                (unsigned long long)a->blocked_bytes_peak, (unsigned long long)a->buffered_bytes,
                (unsigned long long)a->channel_state_bytes, (unsigned long long)a->channel_state_items);
        al_stats(f, a, ", ", "]");
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

static void json_dist(FILE *f, const char *name, const sim_dist *d)
{
    fprintf(f, "\"%s\": {\"min\": %llu, \"mean\": %llu, \"max\": %llu}", name, (unsigned long long)d->min_ns,
            (unsigned long long)d->mean_ns, (unsigned long long)d->max_ns);
}

/* The fully resolved configuration: every numeric key of the table, the structured ones,
 * and the whole scenario file that runs this configuration (simscen_write). */
static void json_config(FILE *f, const sim_config *cfg, uint64_t seed)
{
    fputs("{\"strategy\": ", f);
    sim_json_string(f, cfg->strategy);
    for (size_t i = 0; simscen_key_at(i); i++) {
        const simscen_key *k = simscen_key_at(i);
        if (k->kind == SIMSCEN_KEY_NUMBER || k->kind == SIMSCEN_KEY_BOOL)
            fprintf(f, ", \"%s\": %llu", k->name, (unsigned long long)simscen_key_get(k, cfg));
    }
    fputs(", ", f);
    json_dist(f, "latency-ns", &cfg->latency);
    fputs(", \"service-ns\": [", f);
    for (uint32_t st = 0; st < cfg->stages && st < SIM_STAGES_MAX; st++) {
        fputs(st ? ", " : "", f);
        fprintf(f, "{\"min\": %llu, \"mean\": %llu, \"max\": %llu}", (unsigned long long)cfg->service[st].min_ns,
                (unsigned long long)cfg->service[st].mean_ns, (unsigned long long)cfg->service[st].max_ns);
    }
    fputs("], \"link\": [", f);
    for (uint32_t st = 0; st < cfg->stages && st < SIM_STAGES_MAX; st++)
        fprintf(f, "%s\"%s\"", st ? ", " : "", sim_link_name(cfg->link[st]));
    fputs("]", f);
    bool two = false; /* a chain keeps its keys */
    for (uint32_t st = 0; st < cfg->stages && st < SIM_STAGES_MAX; st++) {
        if (sim_in2_stage(cfg, st) == SIM_NONE_STAGE)
            continue;
        fprintf(f, "%s\"s%u\": {\"inputs\": [\"s%u\", \"s%u\"], \"link\": \"%s\"}", two ? ", " : ", \"two-input\": {",
                st, st - 1, sim_in2_stage(cfg, st), sim_link_name(cfg->in2_link[st]));
        two = true;
    }
    fprintf(f, "%s, \"scripted_faults\": %u, \"scripted_steps\": %u, \"scenario_yaml\": ", two ? "}" : "",
            cfg->n_faults, cfg->n_steps);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem) {
        simscen_write(mem, cfg, seed, "resolved", NULL, NULL);
        fclose(mem);
    }
    sim_json_string(f, buf ? buf : "");
    free(buf);
    fputc('}', f);
}

static void json_run(FILE *f, const cmp_study *s, const cmp_run *r, const sim_config *cfg, const sim_metrics *m)
{
    char repro[2048];
    fputs("{\"scenario\": ", f);
    sim_json_string(f, s->scen[r->scenario].name);
    fputs(", \"strategy\": ", f);
    sim_json_string(f, strat_name(s, r));
    fputs(", \"point\": {", f);
    for (uint32_t i = 0; i < s->n_sweeps; i++) {
        fputs(i ? ", " : "", f);
        sim_json_string(f, s->sweep[i].key->name);
        fprintf(f, ": %llu", (unsigned long long)cmp_point_value(s, r->point, i));
    }
    fprintf(f, "}, \"seed\": %llu, \"outcome\": \"%s\", \"trace_hash\": \"%016llx\", \"version\": ",
            (unsigned long long)r->seed, sim_outcome_name(r->outcome), (unsigned long long)r->trace_hash);
    sim_json_string(f, cmp_version());
    fputs(", \"message\": ", f);
    sim_json_string(f, r->message);
    cmp_repro_command(s, r, repro, sizeof repro);
    fputs(",\n \"reproduce\": ", f);
    sim_json_string(f, repro);
    fputs(",\n \"config\": ", f);
    json_config(f, cfg, r->seed);
    fputs(",\n \"samples\": {", f);
    for (int k = 0; k < CM_COUNT; k++) {
        const cmp_samples *x = &r->samples[k];
        fprintf(f, "%s\"%s\": ", k ? ", " : "", cmp_metric_get((cmp_metric)k)->name);
        if (!x->n) {
            fputs("null", f);
            continue;
        }
        fprintf(f, "{\"n\": %u, \"median\": ", x->n);
        num(f, cmp_stat_of_sorted(x->v, x->n, CS_MEDIAN));
        fputs(", \"mean\": ", f);
        num(f, cmp_stat_of_sorted(x->v, x->n, CS_MEAN));
        fputc('}', f);
    }
    fputs("},\n ", f);
    json_metrics_head(f, m);
    json_rows(f, s, m);
    fputs("}", f);
}

void cmp_out_run(cmp_out *o, const cmp_study *s, const cmp_run *r, const sim_config *cfg, const sim_metrics *m)
{
    if (!o->first_run)
        fputs(",\n", o->json);
    o->first_run = false;
    json_run(o->json, s, r, cfg, m);
    csv_run(o->runs, s, r);
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

int cmp_out_close(cmp_out *o, cmp_study *s, char *err, size_t err_len)
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
