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
 * events per second as a ratio to the record model's (the baseline of the second
 * comparison). Both deliver the same records; their time per round gives the records/s
 * ratio, the cost of modelling buffers, credits and flushes. A round runs seeds 1 .. 8
 * (one with --quick) so that it lasts well above the clocks' resolution; times are CPU
 * time by default (main.c), so a loaded machine slows the figures less than wall time.
 */
#include "bench.h"

#include "../sim/engine/events.h"
#include "../sim/engine/sim.h"

#include <stdio.h>
#include <string.h>

#define SIM_TARGET_EVENTS_PER_S 5e6
#define SIM_SEEDS_PER_ROUND 8u /* runs per round: a round of ~50 ms, above the clocks' noise */
#define SIM_SEEDS_QUICK 1u

/* One network model's side: its configuration and what each seed's run must give. */
typedef struct sim_model {
    sim_config cfg;
    uint64_t events[SIM_SEEDS_PER_ROUND]; /* per seed, as the reference run measured */
    uint64_t events_round;                /* their sum: the work of a round */
    uint64_t records_round;               /* records delivered in a round */
    const char *name;
} sim_model;

typedef struct sim_bench {
    sim_model rec, bytes;  /* the record model; the byte network (network: bytes) */
    unsigned seeds;        /* runs per round: seeds 1 .. seeds */
    uint64_t events_queue; /* the baseline's events per round: the record model's */
    uint64_t sink;
    ev_queue q;
} sim_bench;

/* Runs every seed of a round; each must pass and give its reference run's event count. */
static int model_round(sim_bench *b, const sim_model *m)
{
    for (unsigned i = 0; i < b->seeds; i++) {
        sim_result r;
        memset(&r, 0, sizeof r);
        uint64_t seed = 1 + i;
        if (sim_run(&m->cfg, seed, &r, NULL) != 0 || r.outcome != SIM_OK || r.events != m->events[i]) {
            fprintf(stderr, "bench: sim (%s): seed %llu: %s\n", m->name, (unsigned long long)seed,
                    r.message);
            return -1;
        }
        b->sink += r.trace_hash;
    }
    return 0;
}

static int sim_records_round(void *ctx)
{
    sim_bench *b = ctx;
    return model_round(b, &b->rec);
}

static int sim_bytes_round(void *ctx)
{
    sim_bench *b = ctx;
    return model_round(b, &b->bytes);
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
    for (uint64_t n = 0; n < b->events_queue; n++) {
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

/* The reference runs: each seed must pass; fixes the events and records of a round. */
static int model_reference(sim_bench *b, sim_model *m)
{
    m->events_round = m->records_round = 0;
    for (unsigned i = 0; i < b->seeds; i++) {
        sim_result r;
        memset(&r, 0, sizeof r);
        if (sim_run(&m->cfg, 1 + i, &r, NULL) != 0 || r.outcome != SIM_OK) {
            fprintf(stderr, "bench: sim (%s): the reference run of seed %u failed: %s\n", m->name, 1 + i,
                    r.message);
            return -1;
        }
        m->events[i] = r.events;
        m->events_round += r.events;
        m->records_round += r.records_delivered;
    }
    return 0;
}

/* The target is judged on the best round (bench.h, target_items_per_s_min). */
static void print_model(const sim_bench *b, const sim_model *m, const bench_stats *s, bool clock_wall)
{
    double ev_per_s = (double)m->events_round * 1e9 / s->ns_median;
    double best = (double)m->events_round * 1e9 / s->ns_min;
    printf("%-21s %llu events in %u run(s) per round: %.2f M events/s best round, %.2f median (%s time), "
           "%.0f ns/event median; target %.0f M events/s: %s\n",
           m->name, (unsigned long long)m->events_round, b->seeds, best / 1e6, ev_per_s / 1e6,
           clock_wall ? "wall" : "CPU", s->ns_median / (double)m->events_round, SIM_TARGET_EVENTS_PER_S / 1e6,
           best >= SIM_TARGET_EVENTS_PER_S ? "MET" : "MISSED");
}

static void sim_report(const bench_opts *o, const sim_bench *b, const char *const labels[3],
                       const bench_stats st[3])
{
    bench_result rec = {.name = "sim/records", .baseline = labels[0], .subject = labels[1],
                        .bytes = b->rec.events_round, .items = b->rec.events_round, .rate_div = 1e6,
                        .rate_unit = "Mev/s", .target_items_per_s_min = SIM_TARGET_EVENTS_PER_S,
                        .cost_per_item = true, .base = st[0], .subj = st[1]};
    bench_report(&rec);
    bench_result bytes = {.name = "sim/bytes", .baseline = labels[1], .subject = labels[2],
                          .bytes = b->bytes.events_round, .items = b->bytes.events_round,
                          .base_items = b->rec.events_round, .rate_div = 1e6, .rate_unit = "Mev/s",
                          .target_items_per_s_min = SIM_TARGET_EVENTS_PER_S, .cost_per_item = true,
                          .base = st[1], .subj = st[2]};
    bench_report(&bytes);
    if (o->json)
        return;
    print_model(b, &b->rec, &st[1], o->clock_wall);
    print_model(b, &b->bytes, &st[2], o->clock_wall);
    double ev_ratio = ((double)b->bytes.events_round / st[2].ns_median) /
                      ((double)b->rec.events_round / st[1].ns_median);
    printf("%-21s %.3f x the record model's events/s, %.3f x its records/s (%llu records per round "
           "each; medians of the same interleaved rounds)\n",
           "sim/bytes vs records", ev_ratio, st[1].ns_median / st[2].ns_median,
           (unsigned long long)b->rec.records_round);
}

/*
 * Three sides, their rounds interleaved: the bare event queue (as many events as the record
 * model's round), the record model, the byte network; each model side runs seeds 1 .. N of
 * the two-stage 4x4 default configuration, every invariant on.
 */
static int sim_bench_run(const bench_opts *o)
{
    static sim_bench b;
    memset(&b, 0, sizeof b);
    b.seeds = o->quick ? SIM_SEEDS_QUICK : SIM_SEEDS_PER_ROUND;
    sim_config_default(&b.rec.cfg);
    if (o->quick)
        b.rec.cfg.records_per_source /= 4;
    b.rec.name = "sim/records";
    b.bytes.cfg = b.rec.cfg;
    b.bytes.cfg.net.model = SIM_NET_BYTES;
    b.bytes.name = "sim/bytes";
    if (model_reference(&b, &b.rec) || model_reference(&b, &b.bytes))
        return -1;
    if (b.bytes.records_round != b.rec.records_round) {
        fprintf(stderr, "bench: sim: the byte network delivered %llu records, the record model %llu\n",
                (unsigned long long)b.bytes.records_round, (unsigned long long)b.rec.records_round);
        return -1;
    }
    b.events_queue = b.rec.events_round;
    if (ev_queue_init(&b.q, 1024))
        return -1;
    static const char *const labels[3] = {"event queue alone", "sim_run, record model", "sim_run, byte network"};
    bench_side sides[] = {
        {labels[0], sim_baseline_round, &b},
        {labels[1], sim_records_round, &b},
        {labels[2], sim_bytes_round, &b},
    };
    static bench_stats st[3];
    int rc = bench_measure(o, sides, 3, st);
    ev_queue_free(&b.q);
    if (rc)
        return -1;
    sim_report(o, &b, labels, st);
    return b.sink == 42 ? 1 : 0; /* keeps the work observable */
}

const bench_def bench_sim = {
    .name = "sim",
    .summary = "simulator events/s (2-stage 4x4, every invariant on): record model vs the bare event "
               "queue, byte network vs the record model; target 5 M events/s each",
    .run = sim_bench_run,
};
