/*
 * test_engine_net.c: the byte network (sim/engine/net.c, network: bytes) against timings
 * worked out by hand, the in-flight-bytes law it exists for, determinism, and the record
 * model's traces pinned to what they were before the byte network existed.
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../sim/engine/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sim_result run_traced(const sim_config *cfg, uint64_t seed, char **bytes, size_t *len)
{
    FILE *f = open_memstream(bytes, len);
    cr_assert_not_null(f);
    sim_result r;
    cr_assert_eq(sim_run(cfg, seed, &r, f), 0, "%s", r.message);
    cr_assert_eq(fclose(f), 0);
    return r;
}

/* The time of the first trace line holding `what` (after the node name), or UINT64_MAX. */
static uint64_t first_time(const char *trace, const char *what)
{
    const char *p = strstr(trace, what);
    if (!p)
        return UINT64_MAX;
    while (p > trace && p[-1] != '\n')
        p--;
    return strtoull(p, NULL, 10);
}

/* One source, one sink, a forward link, constant latencies, no checkpoints. */
static void one_hop(sim_config *c, uint64_t records)
{
    sim_config_default(c);
    c->sources = 1;
    c->stages = 1;
    c->parallelism = 1;
    c->link[0] = SIM_LINK_FORWARD;
    c->records_per_source = records;
    c->latency = (sim_dist){1000, 1000, 1000};
    c->service[0] = (sim_dist){100, 100, 100};
    c->checkpoint_interval_ns = 0;
    c->strategy = "block";
    c->net.model = SIM_NET_BYTES;
}

/* The record model is untouched: these hashes were measured on main before net.c existed
 * (369863e), for sim_config_default with 300 records per source, seed 7. */
BS_TEST(net, record_model_traces_are_unchanged)
{
    static const struct {
        const char *strategy;
        uint64_t hash, events;
    } pinned[] = {
        {"spill", 0x70fa7aebc1fa0c67ULL, 7667},     {"tracker", 0xcb0d83e11ce50bebULL, 7687},
        {"block", 0x187297cb200bf22dULL, 7659},     {"unaligned", 0xa1fc8678fc24c12dULL, 7711},
        {"aligned-timeout", 0xc4a947f297b2e0a7ULL, 7717},
    };
    for (size_t i = 0; i < sizeof pinned / sizeof *pinned; i++) {
        sim_config c;
        sim_config_default(&c);
        c.strategy = pinned[i].strategy;
        c.records_per_source = 300;
        if (i == 4)
            c.alignment_timeout_ns = 20000;
        sim_result r;
        cr_assert_eq(sim_run(&c, 7, &r, NULL), 0, "%s", r.message);
        cr_assert_eq(r.trace_hash, pinned[i].hash, "%s: hash %016llx", pinned[i].strategy,
                     (unsigned long long)r.trace_hash);
        cr_assert_eq(r.events, pinned[i].events);
    }
}

/* A 4096-byte record (4101 bytes serialized) in 1024-byte segments takes 5 buffers: 4 full
 * ones and 5 bytes. One exclusive buffer, no floating one: each buffer needs the credit the
 * previous one gave back, a latency (1000) there and a credit latency (500) back. The record
 * is readable when its last buffer arrives: 1000 + 4 x 1500 ns after it was emitted. */
BS_TEST(net, a_record_spanning_buffers_waits_for_each_credit)
{
    sim_config c;
    one_hop(&c, 1);
    c.payload_len = 4096;
    c.net.segment_bytes = 1024;
    c.net.buffers_per_channel = 1;
    c.net.floating_per_gate = 0;
    c.net.buffer_timeout_ns = 0;
    c.net.credit_latency = (sim_dist){500, 500, 500};
    char *t = NULL;
    size_t len = 0;
    sim_result r = run_traced(&c, 3, &t, &len);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    uint64_t emit = first_time(t, "src0 emit d0:0"), arrive = first_time(t, "s0t0 arrive d0:0");
    cr_assert_neq(emit, UINT64_MAX);
    cr_assert_eq(arrive, emit + 1000 + 4 * 1500, "emitted %llu, arrived %llu\n%s", (unsigned long long)emit,
                 (unsigned long long)arrive, t);
    /* the eop is an event: it needs no credit and follows the last buffer on the wire */
    cr_assert_eq(first_time(t, "s0t0 arrive eop"), arrive);
    free(t);
}

/* With a record small enough to share a buffer, a partly filled buffer leaves only when the
 * output flusher runs (every buffer-timeout, from time 0): every record arrives one latency
 * after a multiple of the period, until the eop flushes the rest. */
BS_TEST(net, partly_filled_buffers_leave_at_the_flusher)
{
    sim_config c;
    one_hop(&c, 40);
    c.source_interval_ns = 3000;
    c.net.buffer_timeout_ns = 20000;
    char *t = NULL;
    size_t len = 0;
    sim_result r = run_traced(&c, 5, &t, &len);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    uint64_t eop = first_time(t, "src0 eop");
    unsigned flushed = 0;
    for (const char *p = t; (p = strstr(p, " arrive d0:")) != NULL; p++) {
        const char *line = p;
        while (line > t && line[-1] != '\n')
            line--;
        uint64_t at = strtoull(line, NULL, 10);
        if (at - 1000 >= eop)
            continue; /* flushed by the eop */
        cr_assert_eq((at - 1000) % 20000, 0, "arrival at %llu", (unsigned long long)at);
        flushed++;
    }
    cr_assert_gt(flushed, 20);
    free(t);
}

/* With buffer-timeout 0 every record is flushed at once: it arrives one latency later. */
BS_TEST(net, buffer_timeout_zero_flushes_every_record)
{
    sim_config c;
    one_hop(&c, 10);
    c.net.buffer_timeout_ns = 0;
    char *t = NULL;
    size_t len = 0;
    sim_result r = run_traced(&c, 5, &t, &len);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_eq(first_time(t, "s0t0 arrive d0:3"), first_time(t, "src0 emit d0:3") + 1000);
    free(t);
}

/* Aligned checkpoints under back-pressure wait for the data in flight ahead of the barrier.
 * The byte network holds a fixed number of bytes in flight, so the records ahead of a
 * barrier, and the time a slow sink takes for them, scale with 1 / record size: 64-byte
 * payloads (69 bytes serialized) against 1024-byte ones (1029) predict a ratio of 14.9. The
 * record model holds a fixed number of records: the same durations whatever the size. */
static uint64_t backpressured_duration(sim_network model, uint32_t payload)
{
    sim_config c;
    sim_config_default(&c);
    c.sources = 2;
    c.stages = 1;
    c.parallelism = 1;
    c.records_per_source = model == SIM_NET_BYTES ? (payload < 512 ? 6000 : 1500) : 2000;
    c.payload_len = payload;
    c.latency = (sim_dist){1000, 1000, 1000};
    c.service[0] = (sim_dist){2000, 2000, 2000};
    c.source_interval_ns = 500;
    c.checkpoint_interval_ns = 400000;
    c.checkpoint_timeout_ns = 0;
    c.checkpoint_bound_ns = 0;
    c.stall_bound_ns = 0;
    c.strategy = "block";
    c.net.model = model;
    c.net.segment_bytes = 4096;
    sim_result r;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), 0, "%s", r.message);
    cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
    cr_assert_geq(r.checkpoints_completed, 2);
    return r.checkpoint_duration_max_ns;
}

BS_TEST(net, aligned_durations_scale_with_in_flight_bytes)
{
    double small = (double)backpressured_duration(SIM_NET_BYTES, 64);
    double large = (double)backpressured_duration(SIM_NET_BYTES, 1024);
    double ratio = small / large, predicted = 1029.0 / 69.0;
    cr_assert(ratio > predicted * 0.8 && ratio < predicted * 1.2, "64 B: %.0f ns, 1024 B: %.0f ns, ratio %.2f (predicted %.2f)",
              small, large, ratio, predicted);
    cr_assert_eq(backpressured_duration(SIM_NET_RECORDS, 64), backpressured_duration(SIM_NET_RECORDS, 1024));
}

BS_TEST(net, runs_are_deterministic)
{
    sim_config c;
    sim_config_default(&c);
    c.records_per_source = 400;
    c.strategy = "unaligned";
    c.net.model = SIM_NET_BYTES;
    c.net.segment_bytes = 256;
    c.net.buffer_timeout_ns = 7000;
    sim_result a, b;
    cr_assert_eq(sim_run(&c, 11, &a, NULL), 0, "%s", a.message);
    cr_assert_eq(sim_run(&c, 11, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.outcome, SIM_OK, "%s", a.message);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    cr_assert_eq(a.events, b.events);
    cr_assert_gt(a.checkpoints_completed, 1);
    c.net.model = SIM_NET_RECORDS;
    cr_assert_eq(sim_run(&c, 11, &b, NULL), 0, "%s", b.message);
    cr_assert_neq(a.trace_hash, b.trace_hash);
}

BS_TEST(net, invalid_knobs_are_rejected)
{
    sim_config c;
    sim_config_default(&c);
    c.net.model = SIM_NET_BYTES;
    c.net.segment_bytes = 8;
    sim_result r;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    cr_assert(strstr(r.message, "segment-size must be 64 .. 1048576"), "%s", r.message);
    c.net.segment_bytes = 32768;
    c.net.buffers_per_channel = 0;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
}
