/*
 * fault.c: the run's faults (sim.h, sim_fault). The table holds the scripted faults, then
 * those drawn from the seed: for each kind with a non-zero fault_ppm, `fault_draws` slots,
 * each drawn from that kind's own stream of the faults PRNG (so changing one kind's
 * probability never moves another kind's faults) and kept with probability ppm/1e6, at a
 * uniform time within the sources' expected run, on a uniform target of the right sort.
 * Every fault is printed to the trace when the run starts. Time-keyed faults are queued
 * as EV_FAULT events then; checkpoint-keyed ones when their checkpoint starts (a skip is
 * asked for by the coordinator as it sends the barriers). Firing a fault notes it in the
 * trace and applies it: to a source, the coordinator, a task's I/O, or the whole job (a
 * task failure restarts it). A reorder acts twice: its source holds b<K> back when K
 * starts, then the coordinator starts K+1 and the source sends b<K+1>, then b<K>. This
 * file also checks and indexes the scripted schedule (sim_step); a fault that a fault
 * step names fires only from that step.
 */
#include "engine_int.h"

#include <errno.h>
#include <string.h>

static const char *const kind_names[SIM_FAULT_KINDS] = {
    "eop",     "skip",       "overlap",    "cancel",  "timeout",  "write-error",
    "enospc",  "short-write", "read-error", "corrupt", "truncate", "fail",
    "reorder",
};

const char *sim_fault_kind_name(sim_fault_kind k)
{
    return (unsigned)k < SIM_FAULT_KINDS ? kind_names[k] : NULL;
}

typedef enum fault_on { ON_SOURCE, ON_TASK, ON_NODE, ON_COORD } fault_on;

static fault_on target_sort(sim_fault_kind k)
{
    switch (k) {
    case SIM_FAULT_EOP:
    case SIM_FAULT_SKIP:
    case SIM_FAULT_REORDER: return ON_SOURCE;
    case SIM_FAULT_OVERLAP:
    case SIM_FAULT_TIMEOUT: return ON_COORD;
    case SIM_FAULT_CANCEL: return ON_NODE;
    default: return ON_TASK;
    }
}

static const char *check_fault(const sim_world *w, const sim_fault *f)
{
    if ((unsigned)f->kind >= SIM_FAULT_KINDS)
        return "unknown fault kind";
    fault_on on = target_sort(f->kind);
    if (on == ON_SOURCE && f->target >= w->n_sources)
        return "the target of a source fault must be a source";
    if (on == ON_TASK && (f->target < w->n_sources || f->target >= w->n_nodes))
        return "the target of a task fault must be a task";
    if (on == ON_NODE && f->target >= w->n_nodes)
        return "no such node";
    if ((f->kind == SIM_FAULT_SKIP || f->kind == SIM_FAULT_REORDER) && f->checkpoint == 0 && f->at_ns == 0)
        return "a skip or a reorder needs a checkpoint or a time";
    if ((f->kind == SIM_FAULT_SHORT_WRITE || f->kind == SIM_FAULT_TRUNCATE) && (f->arg < 1 || f->arg > 8))
        return "short-write and truncate keep 1 .. 8 bytes";
    return NULL;
}

static uint32_t draw_target(sim_world *w, rng *r, fault_on on)
{
    switch (on) {
    case ON_SOURCE: return (uint32_t)rng_below(r, w->n_sources);
    case ON_TASK: return w->n_sources + (uint32_t)rng_below(r, w->n_tasks);
    case ON_NODE: return (uint32_t)rng_below(r, w->n_nodes);
    default: return 0;
    }
}

static uint64_t draw_arg(sim_fault_kind k, uint64_t x)
{
    if (k == SIM_FAULT_ENOSPC)
        return x % 4096;
    if (k == SIM_FAULT_SHORT_WRITE || k == SIM_FAULT_TRUNCATE)
        return 1 + x % 8;
    return 0;
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
static bool by_step(const sim_world *w, uint32_t i)
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
    w->faults = calloc((size_t)c->n_faults + (size_t)SIM_FAULT_KINDS * draws + 1, sizeof *w->faults);
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
    for (int k = 0; k < SIM_FAULT_KINDS; k++)
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
    return target_sort(f->kind) == ON_COORD ? "coord" : w->nodes[f->target].name;
}

int sim_faults_schedule(sim_world *w)
{
    for (uint32_t i = 0; i < w->n_faults; i++) {
        const sim_fault *f = &w->faults[i];
        sim_trace(w, "faults", "fault %u: %s on %s %s %llu%s arg %llu", i, kind_names[f->kind], target_name(w, f),
                  f->checkpoint ? "after checkpoint" : "at", (unsigned long long)(f->checkpoint ? f->checkpoint : f->at_ns),
                  f->checkpoint ? " starts" : " ns", (unsigned long long)f->arg);
        if (by_step(w, i))
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
        if (f->checkpoint != k || f->kind == SIM_FAULT_SKIP || by_step(w, i))
            continue;
        if (ev_push(&w->q, w->q.now_ns + f->at_ns, EV_FAULT, i, k))
            sim_fail(w, SIM_ERROR, "faults", "event queue full (%zu events)", w->q.cap);
    }
}

static void fired(sim_world *w, uint32_t who, uint32_t idx, uint64_t k)
{
    sim_note(w, who, OP_FAULT, idx, k);
    w->res->faults_fired++;
    sim_coord_fault_seen(w);
}

bool sim_faults_skip(sim_world *w, topo_node *src, uint64_t k)
{
    bool skip = src->skip_next;
    src->skip_next = false;
    for (uint32_t i = 0; i < w->n_faults && !skip; i++) {
        const sim_fault *f = &w->faults[i];
        if (f->kind == SIM_FAULT_SKIP && f->checkpoint == k && f->target == src->id) {
            fired(w, src->id, i, k);
            skip = true;
        }
    }
    if (skip)
        sim_note(w, src->id, OP_SKIP_BARRIER, k, 0);
    return skip;
}

/* Reorder, first half: does source src hold b<K> back? (A checkpoint-keyed fault fires
 * when K starts and overtakes at_ns later, sim_faults_on_start; a time-keyed one armed the
 * source and overtakes at once, after this event.) */
bool sim_faults_hold(sim_world *w, topo_node *src, uint64_t k)
{
    bool hold = src->hold_next;
    src->hold_next = false;
    if (hold && ev_push(&w->q, w->q.now_ns, EV_FAULT, src->hold_fault, k))
        sim_fail(w, SIM_ERROR, "faults", "event queue full (%zu events)", w->q.cap);
    for (uint32_t i = 0; i < w->n_faults && !hold; i++) {
        const sim_fault *f = &w->faults[i];
        if (f->kind == SIM_FAULT_REORDER && f->checkpoint == k && f->target == src->id &&
            !by_step(w, i))
            hold = true;
    }
    if (!hold || src->held_k)
        return false; /* one barrier held at a time */
    src->held_k = k;
    src->snap_offset = src->emitted;
    sim_note(w, src->id, OP_HOLD_BARRIER, k, 0);
    return true;
}

/* Reorder, second half: the coordinator starts the next checkpoint, so the held barriers
 * follow its barrier (send_barrier in coord.c); one still held (the coordinator could not
 * start a checkpoint) goes out alone, late. */
static void overtake(sim_world *w)
{
    sim_coord_start(w);
    for (uint32_t i = 0; i < w->n_sources && !w->stop; i++) {
        topo_node *n = &w->nodes[i];
        if (!n->held_k || n->done)
            continue;
        if (!topo_outbox_room(n, 2))
            continue; /* no room now: it goes out after the next barrier */
        sim_note(w, n->id, OP_LATE_BARRIER, n->held_k, 0);
        if (topo_broadcast(w, n, BS_BARRIER, n->held_k))
            return;
        n->held_k = 0;
        topo_flush(w, n);
    }
}

/* A source's partition ends: no record after the ones emitted; its next step sends eop. */
static void source_eop(sim_world *w, topo_node *n)
{
    if (n->done)
        return;
    n->limit = n->emitted;
    if (!n->run_pending && !n->waiting_credit)
        topo_schedule(w, n, w->q.now_ns);
}

static void arm_disk(sim_task *t, const sim_fault *f)
{
    io_fault *io = &t->faults;
    switch (f->kind) {
    case SIM_FAULT_WRITE_ERROR: io_fault_add(io, IO_WRITE, io->calls[IO_WRITE] + 1, EIO, 0); break;
    case SIM_FAULT_SHORT_WRITE:
        io_fault_add(io, IO_WRITE, io->calls[IO_WRITE] + 1, 0, (uint32_t)f->arg);
        break;
    case SIM_FAULT_READ_ERROR: io_fault_add(io, IO_READ, io->calls[IO_READ] + 1, EIO, 0); break;
    case SIM_FAULT_ENOSPC:
        t->disk.enospc_armed = true;
        t->disk.enospc_budget = f->arg;
        break;
    case SIM_FAULT_CORRUPT: t->disk.corrupt_armed = true; break;
    case SIM_FAULT_TRUNCATE:
        t->disk.truncate_armed = true;
        t->disk.truncate_at = f->arg;
        break;
    default: BS_ASSERT(!"not a disk fault");
    }
}

void sim_fault_fire(sim_world *w, uint32_t idx, uint64_t k)
{
    BS_ASSERT(idx < w->n_faults);
    const sim_fault *f = &w->faults[idx];
    topo_node *n = target_sort(f->kind) == ON_COORD ? NULL : &w->nodes[f->target];
    bool second_half = f->kind == SIM_FAULT_REORDER && k != 0;
    if (!(second_half && f->checkpoint == 0)) /* a time-keyed reorder fired when armed */
        fired(w, n ? n->id : SIM_NONE, idx, k);
    switch (f->kind) {
    case SIM_FAULT_EOP: source_eop(w, n); break;
    case SIM_FAULT_SKIP: n->skip_next = true; break;
    case SIM_FAULT_OVERLAP: sim_coord_start(w); break;
    case SIM_FAULT_CANCEL: sim_coord_cancel(w, n, k ? k : w->ck_last); break;
    case SIM_FAULT_TIMEOUT:
        if (k == 0 || k == w->ck_pending)
            sim_coord_force_timeout(w);
        break;
    case SIM_FAULT_FAIL: sim_restart(w, n, "task failure (fault)"); break;
    case SIM_FAULT_REORDER:
        if (second_half) {
            overtake(w);
        } else {
            n->hold_next = true;
            n->hold_fault = idx;
        }
        break;
    default: arm_disk(n->task, f); break;
    }
}
