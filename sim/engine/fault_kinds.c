/*
 * fault_kinds.c: the fault-kind table (sim.h, sim_fault_desc) and what each kind does when
 * it fires. One row per kind: its name, its target, the range of its argument (scripted and
 * drawn), what it needs, one line of help and its `fire` function. Everything else that
 * knows fault kinds reads this table: the loaders (sim/simscen/load.c, replay's
 * configuration in sim/report/simconf.c), the scenario writer, the swarm's draws and
 * --faults lists (sim/report/swarm.c), the usage texts (cli_usage_print), the engine's
 * checks, random draws and dispatch (fault.c). To add a kind: one function here and one row
 * (for a built-in kind, also its sim_fault_kind; the _Static_assert below keeps the two in
 * step). A test build adds test-only kinds through sim_extra_fault_kinds (a weak default
 * returns none), numbered from SIM_FAULT_KINDS on.
 *
 * Contract of a `fire` function: called once per firing from the event loop, after the
 * engine has noted the fault in the trace and counted it (fault.c, sim_fault_fire); its
 * target is already checked against the row's target (sim_fault_node gives the node, NULL
 * for the coordinator); it may draw no random number (the faults stream is consumed when the
 * run starts) and must leave the world consistent for the invariants.
 */
#include "engine_int.h"

#include <errno.h>
#include <string.h>

/* ---- sources ---------------------------------------------------------------------------- */

/* A source's partition ends: no record after the ones emitted; its next step sends eop. */
static void fire_eop(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    topo_node *n = sim_fault_node(w, f);
    if (n->done)
        return;
    n->limit = n->emitted;
    if (!n->run_pending && !n->waiting_credit)
        chan_schedule(w, n, w->q.now_ns);
}

/* A time-keyed skip keeps the source's next barrier back (sim_fault_kinds_skip); a checkpoint-keyed
 * one is applied by sim_fault_kinds_skip itself as its checkpoint starts (SIM_FAULT_AT_START). */
static void fire_skip(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    sim_fault_node(w, f)->skip_next = true;
}

bool sim_fault_kinds_skip(sim_world *w, topo_node *src, uint64_t k)
{
    bool skip = src->skip_next;
    src->skip_next = false;
    for (uint32_t i = 0; i < w->n_faults && !skip; i++) {
        const sim_fault *f = &w->faults[i];
        if (f->kind == SIM_FAULT_SKIP && f->checkpoint == k && f->target == src->id) {
            sim_fault_noted(w, src->id, i, k);
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
bool sim_fault_kinds_hold(sim_world *w, topo_node *src, uint64_t k)
{
    bool hold = src->hold_next;
    src->hold_next = false;
    if (hold && ev_push(&w->q, w->q.now_ns, EV_FAULT, src->hold_fault, k))
        sim_fail(w, SIM_ERROR, "faults", "event queue full (%zu events)", w->q.cap);
    for (uint32_t i = 0; i < w->n_faults && !hold; i++) {
        const sim_fault *f = &w->faults[i];
        if (f->kind == SIM_FAULT_REORDER && f->checkpoint == k && f->target == src->id &&
            !sim_fault_by_step(w, i))
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
        if (!chan_outbox_room(n, 2))
            continue; /* no room now: it goes out after the next barrier */
        sim_note(w, n->id, OP_LATE_BARRIER, n->held_k, 0);
        if (chan_broadcast(w, n, BS_BARRIER, n->held_k))
            return;
        n->held_k = 0;
        chan_flush(w, n);
    }
}

/* A reorder fires twice: first (time-keyed: at at_ns; checkpoint-keyed: never, the source
 * holds b<K> as K starts) it arms its source; then, for checkpoint k, it overtakes. */
static void fire_reorder(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    if (k != 0) {
        overtake(w);
        return;
    }
    topo_node *n = sim_fault_node(w, f);
    n->hold_next = true;
    n->hold_fault = idx;
}

/* ---- the coordinator, any node, the job ---------------------------------------------------- */

static void fire_overlap(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)f, (void)k;
    sim_coord_start(w);
}

static void fire_cancel(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx;
    sim_coord_cancel(w, sim_fault_node(w, f), k ? k : w->ck_last);
}

static void fire_timeout(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)f;
    if (k == 0 || k == w->ck_pending)
        sim_coord_force_timeout(w);
}

static void fire_fail(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    sim_restart(w, sim_fault_node(w, f), "task failure (fault)");
}

/* ---- a task's I/O (disk.c adds what io_fault lacks) ------------------------------------------ */

static sim_task *fault_task(sim_world *w, const sim_fault *f)
{
    topo_node *n = sim_fault_node(w, f);
    BS_ASSERT(n && n->task);
    return n->task;
}

static void fire_write_error(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    io_fault *io = &fault_task(w, f)->faults;
    io_fault_add(io, IO_WRITE, io->calls[IO_WRITE] + 1, EIO, 0);
}

static void fire_short_write(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    io_fault *io = &fault_task(w, f)->faults;
    io_fault_add(io, IO_WRITE, io->calls[IO_WRITE] + 1, 0, (uint32_t)f->arg);
}

static void fire_read_error(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    io_fault *io = &fault_task(w, f)->faults;
    io_fault_add(io, IO_READ, io->calls[IO_READ] + 1, EIO, 0);
}

static void fire_enospc(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    sim_disk *d = &fault_task(w, f)->disk;
    d->enospc_armed = true;
    d->enospc_budget = f->arg;
}

static void fire_corrupt(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    fault_task(w, f)->disk.corrupt_armed = true;
}

static void fire_truncate(sim_world *w, uint32_t idx, const sim_fault *f, uint64_t k)
{
    (void)idx, (void)k;
    sim_disk *d = &fault_task(w, f)->disk;
    d->truncate_armed = true;
    d->truncate_at = f->arg;
}

/* ---- the table ------------------------------------------------------------------------------ */

#define ARG_ANY 0, UINT64_MAX / 4, 0, 0 /* arg ignored: any value a file can hold, drawn as 0 */
#define ARG_KEEP 1, 8, 1, 8             /* bytes kept: 1 .. 8, drawn as 1 + x % 8 */

static const sim_fault_desc kinds[] = {
    [SIM_FAULT_EOP] = {"eop", SIM_FAULT_ON_SOURCE, ARG_ANY, 0,
                       "its partition ends now (eop on every output); stays ended after a restore", fire_eop},
    [SIM_FAULT_SKIP] = {"skip", SIM_FAULT_ON_SOURCE, ARG_ANY, SIM_FAULT_NEEDS_WHEN | SIM_FAULT_AT_START,
                        "does not send the barrier of `checkpoint` (or of the next one after at-ns)", fire_skip},
    [SIM_FAULT_OVERLAP] = {"overlap", SIM_FAULT_ON_COORD, ARG_ANY, 0,
                           "starts the next checkpoint now; the pending one is abandoned", fire_overlap},
    [SIM_FAULT_CANCEL] = {"cancel", SIM_FAULT_ON_NODE, ARG_ANY, 0,
                          "sends x<K> on its outputs (K = `checkpoint`, else the last started); a sink "
                          "declines K instead", fire_cancel},
    [SIM_FAULT_TIMEOUT] = {"timeout", SIM_FAULT_ON_COORD, ARG_ANY, 0, "the pending checkpoint times out now",
                           fire_timeout},
    [SIM_FAULT_WRITE_ERROR] = {"write-error", SIM_FAULT_ON_TASK, ARG_ANY, SIM_FAULT_NEEDS_IO,
                               "its next spill write fails (EIO)", fire_write_error},
    [SIM_FAULT_ENOSPC] = {"enospc", SIM_FAULT_ON_TASK, 0, UINT64_MAX / 4, 0, 4096, SIM_FAULT_NEEDS_IO,
                          "spill writes fail with ENOSPC once `arg` more bytes are written", fire_enospc},
    [SIM_FAULT_SHORT_WRITE] = {"short-write", SIM_FAULT_ON_TASK, ARG_KEEP, SIM_FAULT_NEEDS_IO,
                               "its next spill write writes at most `arg` (1 .. 8) bytes", fire_short_write},
    [SIM_FAULT_READ_ERROR] = {"read-error", SIM_FAULT_ON_TASK, ARG_ANY, SIM_FAULT_NEEDS_IO,
                              "its next spill read fails (EIO)", fire_read_error},
    [SIM_FAULT_CORRUPT] = {"corrupt", SIM_FAULT_ON_TASK, ARG_ANY, SIM_FAULT_NEEDS_IO,
                           "the next spill file it reads back has its first record's kind byte flipped",
                           fire_corrupt},
    [SIM_FAULT_TRUNCATE] = {"truncate", SIM_FAULT_ON_TASK, ARG_KEEP, SIM_FAULT_NEEDS_IO,
                            "the next spill file it reads back ends after `arg` (1 .. 8) bytes", fire_truncate},
    [SIM_FAULT_FAIL] = {"fail", SIM_FAULT_ON_TASK, ARG_ANY, 0,
                        "fails; the job restarts from the latest completed checkpoint", fire_fail},
    [SIM_FAULT_REORDER] = {"reorder", SIM_FAULT_ON_SOURCE, ARG_ANY, SIM_FAULT_NEEDS_WHEN,
                           "holds b<K> back; at-ns after K starts the coordinator starts K+1 and the "
                           "source sends b<K+1>, then b<K>", fire_reorder},
};
_Static_assert(sizeof kinds / sizeof kinds[0] == SIM_FAULT_KINDS, "one row per sim_fault_kind, in its order");
_Static_assert(SIM_FAULT_KINDS <= SIM_FAULT_KINDS_MAX && SIM_FAULT_KINDS_MAX <= 32,
               "a kind is a bit of the uint32_t masks of swarm.c");

__attribute__((weak)) const sim_fault_desc *const *sim_extra_fault_kinds(size_t *count)
{
    *count = 0;
    return NULL;
}

static const sim_fault_desc *const *extra_kinds(uint32_t *n)
{
    size_t count = 0;
    const sim_fault_desc *const *extra = sim_extra_fault_kinds(&count);
    BS_ASSERT(count <= SIM_FAULT_KINDS_MAX - SIM_FAULT_KINDS);
    *n = (uint32_t)count;
    return extra;
}

uint32_t sim_fault_kinds(void)
{
    uint32_t n;
    extra_kinds(&n);
    return SIM_FAULT_KINDS + n;
}

const sim_fault_desc *sim_fault_desc_of(uint32_t k)
{
    if (k < SIM_FAULT_KINDS)
        return &kinds[k];
    uint32_t n;
    const sim_fault_desc *const *extra = extra_kinds(&n);
    return k - SIM_FAULT_KINDS < n ? extra[k - SIM_FAULT_KINDS] : NULL;
}

const char *sim_fault_kind_name(sim_fault_kind k)
{
    const sim_fault_desc *d = sim_fault_desc_of((uint32_t)k);
    return d ? d->name : NULL;
}

int sim_fault_kind_find(const char *name, size_t len)
{
    const sim_fault_desc *d;
    for (uint32_t k = 0; name && (d = sim_fault_desc_of(k)) != NULL; k++)
        if (strlen(d->name) == len && memcmp(d->name, name, len) == 0)
            return (int)k;
    return -1;
}

const char *sim_fault_kind_list(char *buf, size_t len, const char *sep)
{
    size_t at = 0;
    const sim_fault_desc *d;
    BS_ASSERT(buf && len > 0);
    buf[0] = '\0';
    for (uint32_t k = 0; (d = sim_fault_desc_of(k)) != NULL && at < len; k++) {
        int n = snprintf(buf + at, len - at, "%s%s", k ? sep : "", d->name);
        at += n > 0 ? (size_t)n : 0;
    }
    return buf;
}
