/*
 * bench_sim.c: simulator throughput with every invariant on, single thread, for the
 * two-stage 4x4 topology of sim_config_default (issue 3's figure): simulated events per
 * second and nanoseconds per event. The baseline, measured in the same run, pushes and
 * pops the same number of events through the bare event queue: the ratio says how much
 * of the machine the simulation's real work (core handlers, checkers, channels) takes
 * beyond scheduling. The absolute target (5 M events/s) is printed beside it.
 *
 * The byte network (sim_config.net, network: bytes, Flink's default knobs) runs the same
 * workload in the same rounds: its events per second (against the same target), and its
 * time per run as a ratio to the record model's (the baseline of the second comparison;
 * both deliver the same records, so the ratio of their rates is the cost of modelling
 * buffers, credits and flushes).
 */
#include "bench.h"

#include "../sim/engine/events.h"
#include "../sim/engine/sim.h"

#include <stdio.h>
#include <string.h>

#define SIM_TARGET_EVENTS_PER_S 5e6

typedef struct sim_bench {
    sim_config cfg;
    uint64_t seed;
    uint64_t events;          /* per round, as the first run measured */
    sim_config cfg_bytes;     /* the same with the byte network */
    uint64_t events_bytes;
    uint64_t sink;
    ev_queue q;
} sim_bench;

static int sim_subject_round(void *ctx)
{
    sim_bench *b = ctx;
    sim_result r;
    memset(&r, 0, sizeof r);
    if (sim_run(&b->cfg, b->seed, &r, NULL) != 0 || r.outcome != SIM_OK || r.events != b->events) {
        fprintf(stderr, "bench: sim: seed %llu: %s\n", (unsigned long long)b->seed, r.message);
        return -1;
    }
    b->sink += r.trace_hash;
    return 0;
}

static int sim_bytes_round(void *ctx)
{
    sim_bench *b = ctx;
    sim_result r;
    memset(&r, 0, sizeof r);
    if (sim_run(&b->cfg_bytes, b->seed, &r, NULL) != 0 || r.outcome != SIM_OK || r.events != b->events_bytes) {
        fprintf(stderr, "bench: sim (bytes): seed %llu: %s\n", (unsigned long long)b->seed, r.message);
        return -1;
    }
    b->sink += r.trace_hash;
    return 0;
}

static void print_rate(const char *name, uint64_t events, double ns_median)
{
    double ev_per_s = (double)events / (ns_median / 1e9);
    printf("%-26s %.0f events/run, %.2f M events/s, %.0f ns/event; target %.0f M events/s: %s\n", name,
           (double)events, ev_per_s / 1e6, ns_median / (double)events, SIM_TARGET_EVENTS_PER_S / 1e6,
           ev_per_s >= SIM_TARGET_EVENTS_PER_S ? "target met" : "TARGET MISSED");
}

/* The same number of events through the queue alone, 64 in flight as a run keeps. */
static int sim_baseline_round(void *ctx)
{
    sim_bench *b = ctx;
    uint64_t t = 0, acc = 0;
    ev_event e;
    for (uint32_t i = 0; i < 64; i++)
        if (ev_push(&b->q, t + i * 7, (uint16_t)(i & 3), i, i))
            return -1;
    for (uint64_t n = 0; n < b->events; n++) {
        if (ev_pop(&b->q, &e))
            return -1;
        acc += e.arg;
        if (ev_push(&b->q, e.time_ns + 1 + (e.arg * 0x9E3779B9u) % 977, e.type, e.obj, e.arg + 1))
            return -1;
    }
    while (ev_pop(&b->q, &e) == 0)
        acc += e.arg;
    b->sink += acc;
    return 0;
}

static int sim_bench_run(const bench_opts *o)
{
    static sim_bench b;
    memset(&b, 0, sizeof b);
    sim_config_default(&b.cfg);
    if (o->quick)
        b.cfg.records_per_source /= 4;
    b.seed = 1;
    sim_result r;
    memset(&r, 0, sizeof r);
    if (sim_run(&b.cfg, b.seed, &r, NULL) != 0 || r.outcome != SIM_OK) {
        fprintf(stderr, "bench: sim: the reference run failed: %s\n", r.message);
        return -1;
    }
    b.events = r.events;
    uint64_t records = r.records_delivered;
    b.cfg_bytes = b.cfg;
    b.cfg_bytes.net.model = SIM_NET_BYTES;
    if (sim_run(&b.cfg_bytes, b.seed, &r, NULL) != 0 || r.outcome != SIM_OK || r.records_delivered != records) {
        fprintf(stderr, "bench: sim: the byte network's reference run failed: %s\n", r.message);
        return -1;
    }
    b.events_bytes = r.events;
    if (ev_queue_init(&b.q, 1024))
        return -1;
    bench_side sides[] = {
        {"event queue alone", sim_baseline_round, &b},
        {"sim_run, every check on", sim_subject_round, &b},
        {"sim_run, byte network", sim_bytes_round, &b},
    };
    bench_stats st[3];
    int rc = bench_measure(o, sides, 3, st);
    ev_queue_free(&b.q);
    if (rc)
        return -1;
    bench_result res = {.name = "sim/2-stage-4x4", .baseline = sides[0].label, .subject = sides[1].label,
                        .bytes = b.events, .items = b.events, .rate_div = 1e6, .rate_unit = "Mev/s",
                        .target_ratio_min = 0, .base = st[0], .subj = st[1]};
    bench_report(&res);
    bench_result bytes = {.name = "sim/bytes-vs-records", .baseline = sides[1].label, .subject = sides[2].label,
                          .bytes = records, .items = records, .rate_div = 1e6, .rate_unit = "Mrec/s",
                          .target_ratio_min = 0, .base = st[1], .subj = st[2]};
    bench_report(&bytes);
    print_rate("sim/2-stage-4x4", b.events, st[1].ns_median);
    print_rate("sim/2-stage-4x4 (bytes)", b.events_bytes, st[2].ns_median);
    printf("%-26s %.0f records/run: byte network %.3f x the record model's records/s\n", "sim/bytes-vs-records",
           (double)records, st[1].ns_median / st[2].ns_median);
    return b.sink == 42 ? 1 : 0; /* keeps the work observable */
}

const bench_def bench_sim = {
    .name = "sim",
    .summary = "simulator events/s (2-stage 4x4, every invariant on) vs the bare event queue",
    .run = sim_bench_run,
};
