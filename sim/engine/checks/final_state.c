/*
 * final_state.c: at the end of the input, the sinks' states against the failure-free
 * result, the fold of every record of every source's partition (every copy, on broadcast
 * links), computed by sim_global_result (global.c). Exactly-once strategies must equal
 * it, at-least-once ones contain it (sim_config.end_to_end can hold any strategy to
 * either: a tracker held to exactly-once fails with "final state: not exactly-once after a
 * restore" when a restore replayed a record). When the run is small enough that the sinks
 * count every record (global.c, SINK_COUNTS_MAX), the first miscounted record is named:
 * exactly-once needs every record `copies` times, at-least-once at least that often.
 * A run that stopped early (a failure, max_events) has no final state to compare.
 */
#include "../engine_int.h"

/* The first record of the failure-free result that the sinks' states hold a wrong number
 * of times (exactly-once: other than `copies`; at-least-once: fewer); false if none. */
static bool first_miscounted(const sim_world *w, bool exact, uint64_t *label, unsigned *times)
{
    if (!w->counts)
        return false;
    for (uint32_t s = 0; s < w->n_sources; s++)
        for (uint64_t q = 0; q < w->nodes[s].limit; q++) {
            uint64_t i = (uint64_t)s * w->cfg->records_per_source + q;
            BS_ASSERT(i < w->labels);
            unsigned n = 0;
            for (uint32_t k = w->n_sources; k < w->n_nodes; k++)
                if (w->nodes[k].is_sink)
                    n += w->nodes[k].task->cnt[i];
            if (exact ? n != w->copies : n < w->copies) {
                *label = sim_label(s, q);
                *times = n;
                return true;
            }
        }
    return false;
}

static void report_miscounted(sim_world *w, bool exact, uint64_t label, unsigned times)
{
    const sim_result *r = w->res;
    if (exact && times > w->copies && r->restarts > 0)
        sim_fail(w, SIM_VIOLATION, "sinks",
                 "final state: not exactly-once after a restore: the sinks' states hold record d%u:%llu %u "
                 "times (exactly-once: once; the job restarted %llu times)",
                 sim_label_src(label), (unsigned long long)sim_label_seq(label), times,
                 (unsigned long long)r->restarts);
    else if (w->copies == 1)
        sim_fail(w, SIM_VIOLATION, "sinks", "final state: the sinks' states hold record d%u:%llu %u times (%s)",
                 sim_label_src(label), (unsigned long long)sim_label_seq(label), times,
                 exact ? "exactly-once: once" : "at-least-once: at least once");
    else
        sim_fail(w, SIM_VIOLATION, "sinks",
                 "final state: the sinks' states hold record d%u:%llu %u times (%s %u: the broadcast links' "
                 "copies)", sim_label_src(label), (unsigned long long)sim_label_seq(label), times,
                 exact ? "exactly-once:" : "at-least-once: at least", w->copies);
}

static void on_end(sim_world *w)
{
    if (w->sinks_done < w->n_sinks)
        return; /* not the end of the input: no fold to compare */
    const sim_result *r = w->res;
    bool exact = sim_end_to_end_exact(w);
    uint64_t label;
    unsigned times;
    if (first_miscounted(w, exact, &label, &times)) {
        report_miscounted(w, exact, label, times);
        return;
    }
    /* broadcast links: every record reaches the sinks `copies` times, each copy its own label
     * (the reference fold holds them all) */
    uint64_t want_records = r->reference_records * w->copies, want_fold = r->reference_fold;
    if (exact ? (r->sink_records != want_records || r->sink_fold != want_fold) : r->sink_records < want_records)
        sim_fail(w, SIM_VIOLATION, "sinks",
                 "final state: the sinks folded %llu records (state %016llx), the failure-free result is %llu "
                 "records (state %016llx)%s",
                 (unsigned long long)r->sink_records, (unsigned long long)r->sink_fold,
                 (unsigned long long)want_records, (unsigned long long)want_fold,
                 exact ? "" : ": at-least-once must contain it");
}

const sim_check sim_check_final_state = {
    .name = "final state",
    .on_end = on_end,
};
