/*
 * global.c: the whole run's bookkeeping, which the engine-wide checks (sim/engine/checks/)
 * read. The sinks' per-record counts (when the run is small enough, SINK_COUNTS_MAX), one
 * live copy, one snapshot and one committed copy per sink, snapshotted with the sink's
 * state and swapped at a commit (restart.c); the failure-free result, computed at the end
 * by folding what the sources emit (every record of every source's partition, once per
 * copy); the peaks of a task's live spill bytes and files (sim_global_peaks, inline in
 * engine_int.h: it runs after every step).
 */
#include "engine_int.h"

#include <string.h>

/* Per-record counts are copied at every sink snapshot: kept for runs of up to this many
 * records times sinks, so the copies stay a small share of a run's work. */
#define SINK_COUNTS_MAX (1u << 20)

void sim_global_sink_snapshot(sim_task *t)
{
    if (t->cnt)
        memcpy(t->cnt_snap, t->cnt, t->w->labels);
}

int sim_global_open(sim_world *w)
{
    const sim_config *c = w->cfg;
    for (uint32_t i = 0; i < w->n_sources; i++)
        w->nodes[i].limit = c->records_per_source;
    uint64_t labels = (uint64_t)c->sources * c->records_per_source;
    if (labels == 0 || labels > SINK_COUNTS_MAX / w->n_sinks)
        return 0; /* too many records to count one by one: the folds remain */
    w->counts = calloc((size_t)(labels * 3 * w->n_sinks), 1);
    if (!w->counts)
        return BS_ENOMEM;
    w->labels = labels;
    uint8_t *p = w->counts;
    for (uint32_t i = w->n_sources; i < w->n_nodes; i++) {
        sim_task *t = w->nodes[i].task;
        if (!w->nodes[i].is_sink)
            continue;
        t->cnt = p;
        t->cnt_snap = p + labels;
        t->cnt_ck = p + 2 * labels;
        p += 3 * labels;
    }
    BS_ASSERT(p == w->counts + labels * 3 * w->n_sinks); /* every sink got its three copies */
    return 0;
}

void sim_global_free(sim_world *w)
{
    free(w->counts);
    w->counts = NULL;
}

static uint64_t index_of(const sim_world *w, uint64_t label)
{
    return (uint64_t)sim_label_src(label) * w->cfg->records_per_source + sim_label_seq(label);
}

void sim_global_sink_got(sim_world *w, sim_task *t, uint64_t label)
{
    uint64_t i = index_of(w, label);
    if (t->cnt && i < w->labels && t->cnt[i] < UINT8_MAX)
        t->cnt[i]++;
    SIM_MX(w, mx_sink(w, label, t->cnt && i < w->labels && t->cnt[i] > w->copies));
}

void sim_global_result(sim_world *w)
{
    sim_result *r = w->res;
    BS_ASSERT(w->copies >= 1 && w->sinks_done <= w->n_sinks);
    r->reference_records = r->reference_fold = r->sink_records = 0;
    for (uint32_t s = 0; s < w->n_sources; s++)
        r->reference_records += w->nodes[s].limit;
    for (uint32_t i = w->n_sources; i < w->n_nodes; i++)
        if (w->nodes[i].is_sink)
            r->sink_records += w->nodes[i].task->folded;
    if (w->stop || w->sinks_done < w->n_sinks)
        return; /* not the end of the input: no fold to compare (and a stopped run of 10^12
                   records must not spend hours folding labels it never emitted) */
    /* every source emitted its whole partition: folding it costs no more than the run did */
    for (uint32_t s = 0; s < w->n_sources; s++)
        for (uint64_t q = 0; q < w->nodes[s].limit; q++)
            for (uint32_t c = 0; c < w->copies; c++) /* broadcast links: every copy */
                r->reference_fold += rng_mix64(sim_label_copy_of(sim_label(s, q), c));
}
