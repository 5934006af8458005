/*
 * fault.c: the run's faults (sim.h, sim_fault); what each kind does is its row's `fire`
 * (fault_kinds.c). The table holds the scripted faults, then those drawn from the seed: for
 * each kind with a non-zero fault_ppm, `fault_draws` slots, each drawn from that kind's own
 * stream of the faults PRNG (so changing one kind's probability never moves another kind's
 * faults) and kept with probability ppm/1e6, at a uniform time within the sources' expected
 * run, on a uniform target of the row's sort, with an argument in the row's draw range.
 * Scripted faults are checked against their row (target, argument range, needs). Every
 * fault is printed to the trace when the run starts. Time-keyed faults are queued as
 * EV_FAULT events then; checkpoint-keyed ones when their checkpoint starts (a kind marked
 * SIM_FAULT_AT_START, skip, is asked for by the coordinator as it sends the barriers).
 * Firing a fault notes it in the trace, then its row applies it. This file also checks and
 * indexes the scripted schedule (sim_step); a fault that a fault step names fires only
 * from that step.
 */
#include "engine_int.h"

#include <errno.h>
#include <string.h>

static sim_fault_target target_sort(sim_fault_kind k)
{
    const sim_fault_desc *d = sim_fault_desc_of((uint32_t)k);
    BS_ASSERT(d != NULL);
    return d->target;
}

topo_node *sim_fault_node(sim_world *w, const sim_fault *f)
{
    if (target_sort(f->kind) == SIM_FAULT_ON_COORD)
        return NULL;
    BS_ASSERT(f->target < w->n_nodes);
    return &w->nodes[f->target];
}

/* A scripted fault's problem (its row's rules), or NULL. */
static const char *check_fault(const sim_world *w, const sim_fault *f)
{
    const sim_fault_desc *d = sim_fault_desc_of((uint32_t)f->kind);
    static char why[160];
    if (!d)
        return "unknown fault kind";
    if (d->target == SIM_FAULT_ON_SOURCE && f->target >= w->n_sources)
        return "the target of a source fault must be a source";
    if (d->target == SIM_FAULT_ON_TASK && (f->target < w->n_sources || f->target >= w->n_nodes))
        return "the target of a task fault must be a task";
    if (d->target == SIM_FAULT_ON_NODE && f->target >= w->n_nodes)
        return "no such node";
    if ((d->needs & SIM_FAULT_NEEDS_WHEN) && f->checkpoint == 0 && f->at_ns == 0) {
        snprintf(why, sizeof why, "a %s needs a checkpoint or a time", d->name);
        return why;
    }
    if (f->arg < d->arg_min || f->arg > d->arg_max) {
        snprintf(why, sizeof why, "a %s's arg is %llu .. %llu", d->name, (unsigned long long)d->arg_min,
                 (unsigned long long)d->arg_max);
        return why;
    }
    return NULL;
}

static uint32_t draw_target(sim_world *w, rng *r, sim_fault_target on)
{
    switch (on) {
    case SIM_FAULT_ON_SOURCE: return (uint32_t)rng_below(r, w->n_sources);
    case SIM_FAULT_ON_TASK: return w->n_sources + (uint32_t)rng_below(r, w->n_tasks);
    case SIM_FAULT_ON_NODE: return (uint32_t)rng_below(r, w->n_nodes);
    case SIM_FAULT_ON_COORD: return 0;
    }
    BS_BUG("fault target %d", (int)on);
}

static uint64_t draw_arg(sim_fault_kind k, uint64_t x)
{
    const sim_fault_desc *d = sim_fault_desc_of((uint32_t)k);
    return d->arg_draw_span ? d->arg_min + x % d->arg_draw_span : d->arg_min;
}

/* Draws the random faults of kind k into the table. */
static void draw_kind(sim_world *w, sim_fault_kind k, uint32_t draws)
{
    const sim_config *c = w->cfg;
    uint64_t horizon = c->records_per_source * (c->source_interval_ns ? c->source_interval_ns : 1);
    rng r;
    rng_stream(&r, w->seed, ((uint64_t)RNG_STREAM_FAULTS << 32) | (uint64_t)k);
    for (uint32_t d = 0; d < draws; d++) {
        uint64_t p = rng_below(&r, 1000000), at = rng_below(&r, horizon ? horizon : 1);
        uint32_t target = draw_target(w, &r, target_sort(k));
        uint64_t arg = draw_arg(k, rng_next(&r));
        if (p < c->fault_ppm[k])
            w->faults[w->n_faults++] = (sim_fault){k, target, at, 0, arg};
    }
}

/* Does a fault step of the schedule fire fault i (rather than its time or checkpoint)? */
bool sim_fault_by_step(const sim_world *w, uint32_t i)
{
    return w->fault_in_script && i < w->cfg->n_faults && w->fault_in_script[i];
}

/* One step's problem, or NULL. */
static const char *check_step(const sim_world *w, const sim_step *s)
{
    const sim_config *c = w->cfg;
    if (s->source >= w->n_sources)
        return "no such source";
    switch (s->kind) {
    case SIM_STEP_RECORDS: return s->n ? NULL : "a records step emits at least 1 record";
    case SIM_STEP_BARRIER:
    case SIM_STEP_CANCEL: return s->n ? NULL : "checkpoint ids start at 1";
    case SIM_STEP_EOP: return NULL;
    case SIM_STEP_FAULT: return s->n < c->n_faults ? NULL : "a fault step names no scripted fault";
    }
    return "unknown step kind";
}

/* The scripted schedule: checks the steps and groups their indices by source, in order. */
static int script_build(sim_world *w, char *why, size_t why_len)
{
    const sim_config *c = w->cfg;
    const char *bad = NULL;
    if (!c->n_steps)
        return 0;
    if (c->n_steps > SIM_STEPS_MAX || !c->steps)
        bad = "at most 4096 steps";
    else if (c->checkpoint_interval_ns)
        bad = "a scripted schedule starts its checkpoints itself: checkpoint_interval_ns must be 0";
    for (uint32_t i = 0; !bad && i < c->n_steps; i++) {
        if ((bad = check_step(w, &c->steps[i])) != NULL) {
            snprintf(why, why_len, "invalid configuration: schedule step %u: %s", i, bad);
            return BS_EINVAL;
        }
    }
    if (!bad && !(w->script = calloc((size_t)c->n_steps * 5 + c->n_faults + 1, 1)))
        return BS_ENOMEM;
    uint32_t next = 0;
    for (uint32_t src = 0; !bad && src < w->n_sources; src++) {
        topo_node *n = &w->nodes[src];
        n->step_first = next;
        for (uint32_t i = 0; i < c->n_steps; i++) {
            const sim_step *s = &c->steps[i];
            if (s->source != src)
                continue;
            if (n->step_n > 0 && c->steps[w->script[next - 1]].kind == SIM_STEP_EOP)
                bad = "a step after a source's eop step";
            w->script[next++] = i;
            n->step_n++;
            n->script_records += s->kind == SIM_STEP_RECORDS ? s->n : 0;
        }
        if (n->script_records > c->records_per_source)
            bad = "a source's steps emit more than records_per_source records";
    }
    if (bad) {
        snprintf(why, why_len, "invalid configuration: schedule: %s", bad);
        return BS_EINVAL;
    }
    w->step_fired = (uint8_t *)(w->script + c->n_steps);
    w->fault_in_script = w->step_fired + c->n_steps;
    for (uint32_t i = 0; i < c->n_steps; i++)
        if (c->steps[i].kind == SIM_STEP_FAULT)
            w->fault_in_script[c->steps[i].n] = 1;
    return 0;
}

int sim_faults_build(sim_world *w, char *why, size_t why_len)
{
    const sim_config *c = w->cfg;
    uint32_t draws = c->fault_draws ? c->fault_draws : SIM_FAULT_DRAWS_DEFAULT;
    if (c->n_faults > SIM_FAULTS_MAX || (c->n_faults && !c->faults) || draws > SIM_FAULTS_MAX) {
        snprintf(why, why_len, "invalid configuration: at most %u scripted faults and draws", SIM_FAULTS_MAX);
        return BS_EINVAL;
    }
    w->last_fault_ns = UINT64_MAX;
    w->settled = true;
    w->faults = calloc((size_t)c->n_faults + (size_t)sim_fault_kinds() * draws + 1, sizeof *w->faults);
    if (!w->faults)
        return BS_ENOMEM;
    for (uint32_t i = 0; i < c->n_faults; i++) {
        const char *bad = check_fault(w, &c->faults[i]);
        if (bad) {
            snprintf(why, why_len, "invalid configuration: fault %u: %s", i, bad);
            return BS_EINVAL;
        }
        w->faults[w->n_faults++] = c->faults[i];
    }
    for (uint32_t k = 0; k < sim_fault_kinds(); k++)
        if (c->fault_ppm[k])
            draw_kind(w, (sim_fault_kind)k, draws);
    return script_build(w, why, why_len);
}

void sim_faults_free(sim_world *w)
{
    free(w->faults);
    free(w->script);
    w->faults = NULL;
    w->script = NULL;
    w->step_fired = w->fault_in_script = NULL;
    w->n_faults = 0;
}

static const char *target_name(const sim_world *w, const sim_fault *f)
{
    return target_sort(f->kind) == SIM_FAULT_ON_COORD ? "coord" : w->nodes[f->target].name;
}

int sim_faults_schedule(sim_world *w)
{
    for (uint32_t i = 0; i < w->n_faults; i++) {
        const sim_fault *f = &w->faults[i];
        sim_trace(w, "faults", "fault %u: %s on %s %s %llu%s arg %llu", i, sim_fault_kind_name(f->kind), target_name(w, f),
                  f->checkpoint ? "after checkpoint" : "at", (unsigned long long)(f->checkpoint ? f->checkpoint : f->at_ns),
                  f->checkpoint ? " starts" : " ns", (unsigned long long)f->arg);
        if (sim_fault_by_step(w, i))
            continue; /* a fault step of the schedule fires it */
        if (f->checkpoint == 0 && ev_push(&w->q, f->at_ns, EV_FAULT, i, 0))
            return BS_ENOMEM;
    }
    static const char *const step_names[] = {"records", "barrier", "cancel", "eop", "fault"};
    for (uint32_t i = 0; i < w->cfg->n_steps; i++) {
        const sim_step *st = &w->cfg->steps[i];
        char at[40] = "next";
        if (st->at_ns != SIM_STEP_NEXT)
            snprintf(at, sizeof at, "at %llu ns", (unsigned long long)st->at_ns);
        sim_trace(w, "script", "step %u: %s %s %llu %s", i, w->nodes[st->source].name, step_names[st->kind],
                  (unsigned long long)st->n, at);
    }
    return 0;
}

void sim_faults_on_start(sim_world *w, uint64_t k)
{
    for (uint32_t i = 0; i < w->n_faults && !w->stop; i++) {
        const sim_fault *f = &w->faults[i];
        if (f->checkpoint != k || (sim_fault_desc_of(f->kind)->needs & SIM_FAULT_AT_START) ||
            sim_fault_by_step(w, i))
            continue;
        if (ev_push(&w->q, w->q.now_ns + f->at_ns, EV_FAULT, i, k))
            sim_fail(w, SIM_ERROR, "faults", "event queue full (%zu events)", w->q.cap);
    }
}

void sim_fault_noted(sim_world *w, uint32_t who, uint32_t idx, uint64_t k)
{
    sim_note(w, who, OP_FAULT, idx, k);
    w->res->faults_fired++;
    sim_coord_fault_seen(w);
}

/* The dispatch: notes the firing, then the kind's row applies it. A time-keyed fault fired
 * again for a checkpoint k (a reorder's second half, which sim_fault_kinds_hold asks for) was
 * noted the first time. */
void sim_fault_fire(sim_world *w, uint32_t idx, uint64_t k)
{
    BS_ASSERT(idx < w->n_faults);
    const sim_fault *f = &w->faults[idx];
    const sim_fault_desc *d = sim_fault_desc_of((uint32_t)f->kind);
    BS_ASSERT(d && d->fire);
    topo_node *n = sim_fault_node(w, f);
    bool again = k != 0 && f->checkpoint == 0;
    BS_ASSERT(!again || (d->needs & SIM_FAULT_NEEDS_WHEN));
    if (!again)
        sim_fault_noted(w, n ? n->id : SIM_NONE, idx, k);
    d->fire(w, idx, f, k);
}
