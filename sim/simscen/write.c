/*
 * write.c: a configuration written back as a simulation scenario file (simscen.h), the
 * form in which `fuzz` saves a shrunk failing run so that `barriersim run FILE` replays
 * it. Contract: loading what simscen_write wrote gives a sim_config that runs identically
 * (the same trace hash) at the same seed: every parameter is written explicitly, none is
 * left to the defaults.
 */
#include "simscen.h"


#include <string.h>

static void sw_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch >= 0x20 && ch != 0x7f)
            fputc(ch, f);
        else
            fputc(' ', f);
    }
    fputc('"', f);
}

static void sw_dist(FILE *f, const sim_dist *d)
{
    fprintf(f, "{min: %llu, mean: %llu, max: %llu}", (unsigned long long)d->min_ns, (unsigned long long)d->mean_ns,
            (unsigned long long)d->max_ns);
}

/* The per-node and per-channel overrides, one mapping per kind (keys.c's rows). */
static void sw_hetero(FILE *f, const sim_config *c)
{
    static const char *const keys[] = {"per-task-service-ns", "per-source-interval-ns", "per-channel-latency-ns"};
    for (int kind = 0; kind < 3; kind++) {
        bool any = false;
        for (uint32_t i = 0; i < c->n_hetero; i++) {
            const sim_hetero *h = &c->hetero[i];
            if ((int)h->kind != kind)
                continue;
            char a[24], b[24];
            fprintf(f, "%s%s%s%s%s%s: ", any ? ", " : "  ", any ? "" : keys[kind], any ? "" : ": {",
                    sim_node_name(c, h->node, a, sizeof a), h->kind == SIM_HETERO_LATENCY ? "->" : "",
                    h->kind == SIM_HETERO_LATENCY ? sim_node_name(c, h->to, b, sizeof b) : "");
            if (h->kind == SIM_HETERO_INTERVAL)
                fprintf(f, "%llu", (unsigned long long)h->d.mean_ns);
            else
                sw_dist(f, &h->d);
            any = true;
        }
        if (any)
            fputs("}\n", f);
    }
}

static void sw_simulation(FILE *f, const sim_config *c)
{
    fprintf(f, "simulation:\n  sources: %u\n", c->sources);
    if (!c->n_steps)
        fprintf(f, "  records-per-source: %llu\n", (unsigned long long)c->records_per_source);
    fprintf(f, "  stages: %u\n  parallelism: %u\n  link: [", c->stages, c->parallelism);
    for (uint32_t s = 0; s < c->stages; s++)
        fprintf(f, "%s%s", s ? ", " : "", sim_link_name(c->link[s]));
    fputs("]\n", f);
    for (uint32_t s = 0, first = 1; s < c->stages; s++) /* only a diamond has the key */
        if (sim_in2_stage(c, s) != SIM_NONE_STAGE) {
            fprintf(f, "%s    s%u: {inputs: [s%u, s%u], link: %s}\n", first ? "  two-input:\n" : "", s, s - 1,
                    sim_in2_stage(c, s), sim_link_name(c->in2_link[s]));
            first = 0;
        }
    if (c->net.model == SIM_NET_BYTES)
        fputs("  latency-ns: ", f);
    else
        fprintf(f, "  credits: %u\n  latency-ns: ", c->credits);
    sw_dist(f, &c->latency);
    fputs("\n  service-ns:\n", f);
    for (uint32_t s = 0; s < c->stages; s++) {
        fputs("    - ", f);
        sw_dist(f, &c->service[s]);
        fputc('\n', f);
    }
    sw_hetero(f, c);
    fprintf(f, "  source-interval-ns: %llu\n  payload-bytes: %u\n", (unsigned long long)c->source_interval_ns,
            c->payload_len);
    if (!c->n_steps)
        fprintf(f, "  checkpoint-interval-ns: %llu\n", (unsigned long long)c->checkpoint_interval_ns);
    fprintf(f, "  checkpoint-timeout-ns: %llu\n  max-buffered-bytes: %llu\n  max-events: %llu\n  max-restarts: %u\n",
            (unsigned long long)c->checkpoint_timeout_ns, (unsigned long long)c->max_buffered_bytes,
            (unsigned long long)c->max_events, c->max_restarts);
    if (c->alignment_timeout_ns)
        fprintf(f, "  alignment-timeout-ns: %llu\n", (unsigned long long)c->alignment_timeout_ns);
    if (c->max_memory_bytes)
        fprintf(f, "  max-memory-bytes: %llu\n", (unsigned long long)c->max_memory_bytes);
    if (c->net.model == SIM_NET_BYTES) {
        const sim_net *n = &c->net;
        fprintf(f, "  network: bytes\n  segment-size: %u\n  buffers-per-channel: %u\n  floating-buffers-per-gate: %u\n"
                   "  max-buffers-per-channel: %u\n  buffer-timeout-ns: %llu\n",
                n->segment_bytes, n->buffers_per_channel, n->floating_per_gate, n->max_buffers_per_channel,
                (unsigned long long)n->buffer_timeout_ns);
        if (n->announce != 1)
            fprintf(f, "  announce-barriers: %u\n", n->announce);
        if (n->credit_latency.min_ns || n->credit_latency.mean_ns || n->credit_latency.max_ns) {
            fputs("  credit-latency-ns: ", f);
            sw_dist(f, &n->credit_latency);
            fputc('\n', f);
        }
        const sim_debloat *d = &n->debloat;
        if (d->enabled)
            fprintf(f, "  buffer-debloat: true\n  buffer-debloat-target-ns: %llu\n  buffer-debloat-period-ns: %llu\n"
                       "  buffer-debloat-samples: %u\n  buffer-debloat-threshold-percentages: %u\n"
                       "  min-segment-size: %u\n",
                    (unsigned long long)d->target_ns, (unsigned long long)d->period_ns, d->samples, d->threshold_pct,
                    d->min_segment_bytes);
    }
    bool hash = sim_link_used(c, SIM_LINK_HASH); /* keys are an error without a hash link */
    if (hash && c->key_count != SIM_KEYS_DEFAULT)
        fprintf(f, "  key-count: %u\n", c->key_count);
    if (hash && c->key_skew_milli)
        fprintf(f, "  key-skew: %u\n", c->key_skew_milli);
    /* checkpoint costs: the key table's rows inside sim_config.costs that are not 0 */
    for (size_t i = 0; simscen_key_at(i); i++) {
        const simscen_key *k = simscen_key_at(i);
        if (simscen_key_cost(k) && simscen_key_get(k, c))
            fprintf(f, "  %s: %llu\n", k->name, (unsigned long long)simscen_key_get(k, c));
    }
    fprintf(f, "bounds: {checkpoint-ns: %llu, stall-ns: %llu, spill-bytes: %llu, open-files: %u}\n",
            (unsigned long long)c->checkpoint_bound_ns, (unsigned long long)c->stall_bound_ns,
            (unsigned long long)c->spill_bytes_max, c->open_files_max);
}

static void sw_fault(FILE *f, const sim_fault *x, bool timed)
{
    fprintf(f, "{kind: %s, target: %u", sim_fault_kind_name(x->kind), x->target);
    if (timed)
        fprintf(f, ", at-ns: %llu, checkpoint: %llu", (unsigned long long)x->at_ns, (unsigned long long)x->checkpoint);
    fprintf(f, ", arg: %llu}", (unsigned long long)x->arg);
}

static bool sw_by_step(const sim_config *c, uint32_t i)
{
    for (uint32_t s = 0; s < c->n_steps; s++)
        if (c->steps[s].kind == SIM_STEP_FAULT && c->steps[s].n == i)
            return true;
    return false;
}

static void sw_faults(FILE *f, const sim_config *c)
{
    bool any = false;
    for (uint32_t i = 0; i < c->n_faults; i++) {
        if (sw_by_step(c, i))
            continue;
        fputs(any ? "  - " : "faults:\n  - ", f);
        sw_fault(f, &c->faults[i], true);
        fputc('\n', f);
        any = true;
    }
    any = false;
    for (uint32_t k = 0; k < sim_fault_kinds(); k++) {
        if (!c->fault_ppm[k])
            continue;
        fprintf(f, "%s%s: %u", any ? ", " : "random-faults: {", sim_fault_kind_name((sim_fault_kind)k), c->fault_ppm[k]);
        any = true;
    }
    if (c->fault_draws)
        fprintf(f, "%sdraws: %u", any ? ", " : "random-faults: {", c->fault_draws);
    if (any || c->fault_draws)
        fputs("}\n", f);
}

static void sw_schedule(FILE *f, const sim_config *c)
{
    static const char *const kinds[] = {"records", "barrier", "cancel", "eop", "fault"};
    if (!c->n_steps)
        return;
    fputs("schedule:\n", f);
    for (uint32_t src = 0; src < c->sources; src++) {
        fprintf(f, "  src%u:\n", src);
        bool any = false;
        for (uint32_t i = 0; i < c->n_steps; i++) {
            const sim_step *s = &c->steps[i];
            if (s->source != src)
                continue;
            any = true;
            fputs("    - {", f);
            if (s->at_ns != SIM_STEP_NEXT)
                fprintf(f, "at: %llu, ", (unsigned long long)s->at_ns);
            if (s->kind == SIM_STEP_EOP)
                fputs("eop: true", f);
            else if (s->kind == SIM_STEP_FAULT && s->n < c->n_faults) {
                fputs("fault: ", f);
                sw_fault(f, &c->faults[s->n], false);
            } else
                fprintf(f, "%s: %llu", kinds[s->kind], (unsigned long long)s->n);
            fputs("}\n", f);
        }
        if (!any)
            fputs("    - eop\n", f);
    }
}

void simscen_write(FILE *f, const sim_config *c, uint64_t seed, const char *name, const char *description,
                   const char *expect_violation)
{
    fputs("name: ", f);
    for (const char *p = name; *p; p++) /* a scenario name: letters, digits and '-' */
        fputc((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p : '-', f);
    if (description) {
        fputs("\ndescription: ", f);
        sw_quoted(f, description);
    }
    fprintf(f, "\nstrategy: %s\nseed: %llu\n", c->strategy, (unsigned long long)seed);
    if (c->plant != SIM_PLANT_NONE)
        fprintf(f, "plant: %s\n", sim_plant_name(c->plant));
    if (c->end_to_end != SIM_E2E_STRATEGY)
        fprintf(f, "guarantee: %s\n", c->end_to_end == SIM_E2E_EXACTLY_ONCE ? "exactly-once" : "at-least-once");
    sw_simulation(f, c);
    sw_faults(f, c);
    sw_schedule(f, c);
    if (expect_violation && *expect_violation) {
        fputs("expect:\n  violation: ", f);
        sw_quoted(f, expect_violation);
        fputc('\n', f);
    }
}
