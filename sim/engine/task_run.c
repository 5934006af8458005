/*
 * task_run.c: one step of a task (an EV_RUN event) and its wake-up on arrivals.
 *
 * A step first flushes the outbox; a task whose outbox cannot drain waits for credit and
 * does not call its handler (back-pressure propagates upstream). Otherwise it calls
 * bs_handler_next once: an item returned is folded into the operator state and, unless the
 * task is a sink, forwarded; the task is then busy for a service time drawn from the
 * schedule stream. BS_EAGAIN idles the task until an item arrives; the end sends eop on
 * every output. Every step is checked: the first violation or error stops the run.
 */
#include "engine_int.h"

static void returned(sim_world *w, topo_node *n, const bs_item *it)
{
    sim_task *t = n->task;
    uint64_t label;
    if (verify_returned(t->checker, it, &label))
        return;
    if (it->kind == BS_EOP) {
        sim_note(w, n->id, OP_RET, BS_EOP | (uint64_t)it->channel << 8, 0);
        return;
    }
    BS_ASSERT(it->kind == BS_DATA && it->channel < n->n_in); /* the gate returns its own channels */
    topo_chan *c = &w->chans[n->in_first + it->channel];
    c->data_returned++;
    SIM_MX(w, mx_returned(w, n));
    w->last_progress_ns = w->q.now_ns;
    t->fold += rng_mix64(label);
    t->folded++;
    sim_note(w, n->id, OP_RET, BS_DATA | (uint64_t)it->channel << 8, label);
    if (n->is_sink) {
        w->res->records_delivered++;
        w->res->sink_fold += rng_mix64(label);
        sim_global_sink_got(w, t, label);
        return;
    }
    part_send(w, n, label);
}

static void ended(sim_world *w, topo_node *n)
{
    if (verify_end(n->task->checker))
        return;
    sim_note(w, n->id, OP_END, n->task->fold, n->task->folded);
    w->last_progress_ns = w->q.now_ns;
    BS_ASSERT(!n->done); /* a handler ends once */
    n->done = true;
    if (n->is_sink)
        w->sinks_done++;
    chan_broadcast(w, n, BS_EOP, 0);
}

/* What a handler call's error means for the run: a disk error fails the task (the job
 * restarts); any other stops the run. True when the run cannot go on with this task. */
static bool handler_failed(sim_world *w, topo_node *n, int rc)
{
    sim_task *t = n->task;
    if (rc == BS_EIO || rc == BS_ECORRUPT) {
        sim_note(w, n->id, OP_FAILED, (uint64_t)-rc, 0);
        char why[600];
        snprintf(why, sizeof why, "task failure: %s", bs_handler_errmsg(t->h));
        sim_restart(w, n, why);
        return true;
    }
    if (rc < 0 && rc != BS_EAGAIN) {
        sim_fail(w, SIM_ERROR, n->name, "%s", bs_handler_errmsg(t->h));
        return true;
    }
    return false;
}

/* A back-pressured task (its outbox waits for credit) still takes the barriers and cancel
 * markers queued at its input, as Flink's priority mailbox actions do: an unaligned
 * barrier triggers the snapshot and then overtakes the stuck records in the outbox. */
static void poll_priority(sim_world *w, topo_node *n)
{
    sim_task *t = n->task;
    t->wake_due = false;
    int rc = bs_handler_poll_priority(t->h);
    if (verify_failed(t->checker)) {
        sim_fail(w, SIM_VIOLATION, n->name, "%s", verify_message(t->checker));
        return;
    }
    if (w->stop || handler_failed(w, n, rc))
        return;
    sim_global_peaks(w, n);
    if (sim_checks_step(w, n))
        return;
    chan_flush(w, n);
    /* The byte network: the barrier flushed the open buffer, which may have freed the
     * output; the task goes on (no credit event may come to resume it). */
    if (w->net_bytes && !n->waiting_credit && !n->run_pending && !n->done)
        chan_schedule(w, n, w->q.now_ns);
}

void sim_task_run(sim_world *w, topo_node *n)
{
    sim_task *t = n->task;
    n->idle = false;
    if (w->ck && ck_cost_busy(w, n)) { /* a synchronous snapshot phase: no input, no markers */
        chan_flush(w, n);
        return;
    }
    if (n->ob_len || n->waiting_credit) {
        chan_flush(w, n);
        if (n->waiting_credit) {
            sim_note(w, n->id, OP_WAIT_CREDIT, n->ob_len, 0);
            if (sim_task_may_poll(w, n))
                poll_priority(w, n);
            return;
        }
    }
    if (n->done)
        return;
    bs_item it;
    int rc = bs_handler_next(t->h, &it);
    if (!w->stop && rc == 1)
        returned(w, n, &it);
    else if (!w->stop && rc == 0)
        ended(w, n);
    if (verify_failed(t->checker)) {
        sim_fail(w, SIM_VIOLATION, n->name, "%s", verify_message(t->checker));
        return;
    }
    if (w->stop)
        return;
    if (handler_failed(w, n, rc))
        return;
    sim_global_peaks(w, n);
    if (sim_checks_step(w, n))
        return;
    chan_flush(w, n); /* what a trigger, an abort or the item put in the outbox */
    if (rc == BS_EAGAIN) {
        n->idle = true; /* an arrival wakes it (or a credit, when the outbox is stuck) */
        sim_note(w, n->id, OP_WAIT_INPUT, 0, 0);
    }
    if (rc == BS_EAGAIN || n->waiting_credit || n->done)
        return;
    const sim_dist *d = n->service;
    chan_schedule(w, n, w->q.now_ns + rng_bounded(&w->r_schedule, d->min_ns, d->mean_ns, d->max_ns));
}

void sim_task_wake(sim_world *w, topo_node *n, uint32_t port)
{
    sim_task *t = n->task;
    BS_ASSERT(t && t->arr_len < t->arr_cap);
    t->arrivals[(t->arr_head + t->arr_len++) % t->arr_cap] = port;
    if (n->idle && !n->run_pending) {
        n->idle = false;
        chan_schedule(w, n, w->q.now_ns);
    }
}
