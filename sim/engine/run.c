/*
 * run.c: sim_run, the event loop, and the reference configuration (see sim.h).
 *
 * The loop pops one event at a time and dispatches it: a node's step (EV_RUN), an item's
 * arrival (EV_ARRIVE), the coordinator's interval (EV_TICK) and timeout (EV_TIMEOUT), a
 * fault (EV_FAULT). It stops when every sink has ended (then the sinks' final state is
 * checked against the failure-free result), at the first violation or error (sim_fail), at
 * max_events, or at a deadlock: no event is left although a sink has not ended, or events
 * remain but nothing was emitted or returned for stall_bound_ns. The engine-wide checks
 * (sim/engine/checks/, registered in checks.c) run at the hooks the loop and the
 * coordinator call: sim_checks_event, _queue_empty, _step, _complete, _coord, _end.
 */
#include "engine_int.h"
#include "metrics.h"

#include "../strategies.h"

#include <string.h>

#define MAX_EVENTS_DEFAULT 1000000000ULL

void sim_config_default(sim_config *c)
{
    *c = (sim_config){0};
    c->sources = 4;
    c->stages = 2;
    c->parallelism = 4;
    c->credits = 4;
    c->latency = (sim_dist){1000, 5000, 50000};
    for (int s = 0; s < SIM_STAGES_MAX; s++)
        c->service[s] = (sim_dist){100, 400, 20000};
    c->source_interval_ns = 2000;
    c->records_per_source = 2000;
    c->payload_len = 32;
    c->checkpoint_interval_ns = 200000;
    c->checkpoint_timeout_ns = 10000000;
    c->strategy = "spill";
    c->checkpoint_bound_ns = 5000000;
    c->stall_bound_ns = 100000000;
    /* The byte network's defaults are Flink's (net.c, docs/simulation-network.md); the
     * model itself stays the record model unless a caller asks for bytes. */
    c->net = (sim_net){.model = SIM_NET_RECORDS, .segment_bytes = 32768, .buffers_per_channel = 2,
                       .floating_per_gate = 8, .max_buffers_per_channel = 10, .buffer_timeout_ns = 100000000,
                       .debloat = {.enabled = false, .target_ns = 1000000000, .period_ns = 200000000,
                                   .samples = 20, .threshold_pct = 25, .min_segment_bytes = 256},
                       .announce = 1};
    c->key_count = SIM_KEYS_DEFAULT;
}

const char *sim_plant_name(sim_plant p)
{
    static const char *const names[] = {"none", "early-complete", "wrong-offsets", "drop-replayed"};
    return (unsigned)p < sizeof names / sizeof *names ? names[p] : NULL;
}

const char *sim_outcome_name(sim_outcome o)
{
    return o == SIM_OK ? "ok" : o == SIM_VIOLATION ? "violation" : "error";
}

/* The engine's context layer for assertions (core/bs_assert.h). */
static void sim_assert_context(void *ctx, FILE *f)
{
    const sim_world *w = ctx;
    fprintf(f, "  simulation: seed %llu, strategy %s, simulated time %llu ns, event %llu\n",
            (unsigned long long)w->seed, w->cfg->strategy ? w->cfg->strategy : "?",
            (unsigned long long)w->q.now_ns, (unsigned long long)w->q.popped);
}

static void dispatch(sim_world *w, const ev_event *e)
{
    switch (e->type) {
    case EV_RUN: {
        topo_node *n = &w->nodes[e->obj];
        BS_ASSERT(n->run_pending && e->arg == n->run_gen);
        n->run_pending = false;
        w->running = n->id;
        if (n->is_source)
            sim_source_run(w, n);
        else
            sim_task_run(w, n);
        w->running = SIM_NONE;
        break;
    }
    case EV_ARRIVE:
        chan_arrive(w, &w->chans[e->obj]);
        break;
    case EV_TICK:
        sim_coord_tick(w);
        break;
    case EV_TIMEOUT:
        sim_coord_timeout(w);
        break;
    case EV_FAULT:
        sim_fault_fire(w, e->obj, e->arg);
        break;
    case EV_WAKE:
        sim_gate_wake_event(w, &w->nodes[e->obj], e->arg);
        break;
    case EV_CREDIT:
        net_credit(w, &w->chans[e->obj], e->arg);
        break;
    case EV_FLUSH:
        net_timer(w, &w->nodes[e->obj]);
        break;
    case EV_DEBLOAT:
        debloat_tick(w, &w->nodes[e->obj]);
        break;
    case EV_BUFSIZE:
        debloat_size_arrive(w, &w->chans[e->obj], (uint32_t)e->arg);
        break;
    case EV_ALIGN:
        sim_at_timer(w, e->arg);
        break;
    case EV_CK_SYNC:
    case EV_CK_CSW:
    case EV_CK_JOIN:
    case EV_CK_STORAGE:
    case EV_CK_ACK:
        ck_cost_event(w, e);
        break;
    default:
        BS_ASSERT(!"unknown event type");
    }
}

static void loop(sim_world *w)
{
    uint64_t max = w->cfg->max_events ? w->cfg->max_events : MAX_EVENTS_DEFAULT;
    while (!w->stop && w->sinks_done < w->n_sinks) {
        if (w->q.popped >= max) {
            w->res->stopped_at_max_events = true;
            sim_trace(w, "engine", "stop: max events");
            return;
        }
        ev_event e;
        if (ev_pop(&w->q, &e)) {
            sim_checks_queue_empty(w); /* a deadlock (checks/deadlock.c) */
            return;
        }
        SIM_MX(w, mx_sample(w, e.time_ns));
        dispatch(w, &e);
        if (w->q.popped % SIM_MEMORY_CHECK_EVENTS == 0)
            sim_memory_check(w);
        sim_checks_event(w);
    }
}

static int start(sim_world *w)
{
    const sim_config *c = w->cfg;
    /* a run per node, an arrival per credit, a wake-up per task, the faults, the coordinator */
    size_t cap = (size_t)w->n_nodes * 2 + (size_t)w->n_chans * (c->credits + SIM_MARKER_SLOTS) + w->n_faults + 8;
    if (w->net_bytes)
        cap = (size_t)w->n_nodes * 2 + net_events_max(w) + w->n_faults + 8;
    cap += ck_cost_events_max(w);
    if (ev_queue_init(&w->q, cap))
        return BS_ENOMEM;
    sim_checks_open(w);
    sim_trace_header(w);
    if (sim_faults_schedule(w))
        return BS_ENOMEM;
    for (uint32_t i = w->n_sources; i < w->n_nodes; i++)
        w->nodes[i].idle = true; /* tasks wait for their first arrival */
    for (uint32_t i = 0; i < w->n_sources; i++)
        sim_source_start(w, &w->nodes[i]);
    debloat_start(w);
    w->tick_queued = c->checkpoint_interval_ns != 0;
    if (c->checkpoint_interval_ns && ev_push(&w->q, c->checkpoint_interval_ns, EV_TICK, 0, 0))
        return BS_ENOMEM;
    return 0;
}

int sim_run(const sim_config *cfg, uint64_t seed, sim_result *res, FILE *trace)
{
    return sim_run_ex(cfg, seed, res, trace, NULL);
}

int sim_run_ex(const sim_config *cfg, uint64_t seed, sim_result *res, FILE *trace, sim_metrics *m)
{
    memset(res, 0, sizeof *res);
    if (m) { /* the caller's two requests survive the reset */
        uint64_t grid = m->sample_grid_ns;
        bool keep = m->keep_latencies;
        memset(m, 0, sizeof *m);
        m->sample_grid_ns = grid;
        m->keep_latencies = keep;
    }
    sim_world w = {.cfg = cfg, .seed = seed, .res = res, .trace = trace, .running = SIM_NONE};
    sim_strategy st;
    if (!cfg->strategy || !sim_strategy_find(cfg->strategy, &st)) {
        res->outcome = SIM_ERROR;
        snprintf(res->message, sizeof res->message, "invalid configuration: unknown strategy '%s'",
                 cfg->strategy ? cfg->strategy : "");
        return BS_EINVAL;
    }
    int layer = bs_assert_push(sim_assert_context, &w);
    w.guarantee = st.guarantee;
    w.check_progress = st.check_progress;
    w.priority_barriers = st.overtakes;
    w.net_bytes = cfg->net.model == SIM_NET_BYTES;
    /* Flink 1.14+ aligned checkpoint timeout: the byte network only (at_timeout.c) */
    w.announce = w.net_bytes && cfg->net.announce && !st.overtakes && cfg->alignment_timeout_ns > 0 &&
                 bs_strategy_option_slot(st.ops, BS_OPT_ALIGNMENT_TIMEOUT_NS) != NULL;
    rng_stream(&w.r_schedule, seed, RNG_STREAM_SCHEDULE);
    rng_stream(&w.r_workload, seed, RNG_STREAM_WORKLOAD);
    rng_stream(&w.r_latency, seed, RNG_STREAM_LATENCY);
    rng_stream(&w.r_faults, seed, RNG_STREAM_FAULTS);
    int rc = topo_build(&w, cfg, res->message, sizeof res->message);
    if (!rc)
        rc = sim_faults_build(&w, res->message, sizeof res->message);
    if (!rc)
        rc = part_open(&w);
    if (!rc)
        rc = sim_global_open(&w);
    if (!rc)
        rc = ck_cost_open(&w);
    if (!rc && m)
        rc = mx_open(&w, m);
    if (!rc)
        rc = start(&w);
    if (rc) {
        res->outcome = SIM_ERROR;
        if (!res->message[0])
            snprintf(res->message, sizeof res->message, "%s", bs_strerror(rc));
        goto out_free;
    }
    loop(&w);
    res->events = w.q.popped;
    res->time_ns = w.q.now_ns;
    res->queue_len_max = w.q.len_max;
    sim_global_result(&w);
    sim_checks_end(&w); /* the final state (checks/final_state.c) */
    SIM_MX(&w, mx_finish(&w));
    if (w.memory_exceeded)
        rc = BS_ENOMEM; /* a run past its memory bound did not run as configured */
out_free:
    mx_close(&w);
    ck_cost_free(&w);
    topo_free(&w); /* closes every handler: cleanup is checked too */
    part_free(&w);
    sim_faults_free(&w);
    sim_global_free(&w);
    ev_queue_free(&w.q);
    bs_assert_pop_to(layer);
    return rc;
}
