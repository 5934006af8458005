/*
 * test_engine_debloat.c: buffer debloating (FLIP-183, sim/engine/debloat.c).
 *
 * The controller's arithmetic against Flink's own unit tests (flink-runtime,
 * BufferDebloaterTest and ThroughputCalculatorTest: the same inputs give the same sizes and
 * throughputs; Flink's targets are milliseconds, ours nanoseconds), the moving average
 * against BufferSizeEMA's formula, and the engine: with debloating on, an aligned
 * checkpoint under back-pressure takes about the debloat target whatever the buffer
 * configuration; with it off, the byte network's traces are what they were.
 */
#include "bs_test.h"

#include "../sim/engine/engine_int.h"

#include <string.h>

#define MS 1000000ULL

/* BufferDebloaterTest's builder: one sample (alpha 1), the default 25 % threshold. */
static debloat_ctl ctl(uint64_t target_ms, uint32_t min, uint32_t max, uint32_t threshold_pct)
{
    sim_debloat cfg = {.enabled = true, .target_ns = target_ms * MS, .period_ns = 200 * MS, .samples = 1,
                       .threshold_pct = threshold_pct, .min_segment_bytes = min};
    debloat_ctl d;
    debloat_ctl_init(&d, &cfg, max);
    return d;
}

BS_TEST(debloat, flink_buffer_debloater_cases)
{
    static const struct {
        const char *name;
        uint64_t target_ms;
        uint32_t min, max, in_use;
        uint64_t throughput;
        uint32_t expect; /* 0: no change announced */
    } cases[] = {
        {"testZeroBuffersInUse", 1000, 50, 2400, 0, 1200, 1200},
        {"testCorrectBufferSizeCalculation", 1200, 50, 1100, 16, 3333, 250},
        {"testCalculatedBufferSizeLessThanMin", 1200, 250, 1100, 16, 3333, 250},
        {"testCalculatedBufferSizeForThroughputZero", 1200, 50, 1100, 16, 0, 50},
        {"testConfiguredConsumptionTimeIsTooLow", 7, 50, 1100, 16, 3333, 50},
        {"testCalculatedBufferSizeGreaterThanMax", 1200, 50, 248, 16, 3333, 0},
        {"testCalculatedBufferSlightlyDifferentFromCurrentOne", 1200, 50, 250, 16, 3333, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        debloat_ctl d = ctl(cases[i].target_ms, cases[i].min, cases[i].max, 25);
        uint32_t got = debloat_ctl_recalc(&d, cases[i].throughput, cases[i].in_use);
        cr_assert_eq(got, cases[i].expect, "%s: %u, expected %u", cases[i].name, got, cases[i].expect);
    }
}

BS_TEST(debloat, flink_bounds_are_announced_despite_the_threshold)
{
    /* testAnnouncedMaxBufferSizeDespiteLastDiffLessThanThreshold */
    debloat_ctl d = ctl(1000, 50, 1100, 25);
    cr_assert_eq(debloat_ctl_recalc(&d, 500, 1), 500u);
    cr_assert_eq(debloat_ctl_recalc(&d, 1000, 1), 1000u);
    cr_assert_eq(debloat_ctl_recalc(&d, 2000, 1), 1100u); /* the max, 10 % away */
    cr_assert_eq(d.last, 1100u);
    cr_assert_eq(debloat_ctl_recalc(&d, 2000, 1), 0u);    /* not again */
    /* testAnnouncedMinBufferSizeEvenDespiteLastDiffLessThanThreshold */
    d = ctl(1000, 50, 1100, 25);
    cr_assert_eq(debloat_ctl_recalc(&d, 60, 1), 60u);
    cr_assert_eq(debloat_ctl_recalc(&d, 60, 1), 0u);
    cr_assert_eq(debloat_ctl_recalc(&d, 40, 1), 50u);     /* the min, 17 % away */
    cr_assert_eq(debloat_ctl_recalc(&d, 40, 1), 0u);
}

BS_TEST(debloat, flink_skip_update)
{
    /* testSkipUpdate: 30 % threshold, the last size half of the max */
    const uint32_t max = 32768, min = 256, cur = max / 2, delta = (uint32_t)(cur * 0.3);
    debloat_ctl d = ctl(1000, min, max, 30);
    cr_assert_eq(debloat_ctl_recalc(&d, cur, 1), cur);
    cr_assert(debloat_ctl_skip(&d, cur));
    cr_assert(debloat_ctl_skip(&d, cur - 1));
    cr_assert(debloat_ctl_skip(&d, cur + 1));
    cr_assert(debloat_ctl_skip(&d, cur - delta + 1));
    cr_assert(debloat_ctl_skip(&d, cur + delta - 1));
    cr_assert_not(debloat_ctl_skip(&d, cur - delta));
    cr_assert_not(debloat_ctl_skip(&d, cur + delta));
    cr_assert_not(debloat_ctl_skip(&d, min + 1));
    cr_assert_not(debloat_ctl_skip(&d, min));
    cr_assert_not(debloat_ctl_skip(&d, max - 1));
    cr_assert_not(debloat_ctl_skip(&d, max));
    cr_assert_not(debloat_ctl_skip(&d, max + 1));
    cr_assert_not(debloat_ctl_skip(&d, min - 1));
}

/* BufferSizeEMA with 20 samples (alpha 2/21), from 32 KiB: with nothing measured each step
 * takes 2/21 of the size off; with a large throughput each step is capped at twice the
 * current size, so growing takes as long as shrinking. Expected values are the Java
 * formula's (lastBufferSize += alpha * (desirable - lastBufferSize); Math.round). */
BS_TEST(debloat, moving_average_steps_as_buffer_size_ema)
{
    sim_debloat cfg = {.enabled = true, .target_ns = 1000 * MS, .period_ns = 200 * MS, .samples = 20,
                       .threshold_pct = 0, .min_segment_bytes = 256};
    debloat_ctl d;
    debloat_ctl_init(&d, &cfg, 32768);
    static const uint32_t down[] = {29647, 26824, 24269, 21958, 19867};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(debloat_ctl_recalc(&d, 0, 1), down[i], "step %zu", i);
    static const uint32_t up[] = {21756, 23828, 26097, 28583, 31305, 32768};
    d.ema = 19864; /* BufferSizeEMA's comment example */
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(debloat_ctl_recalc(&d, 1000000000, 1), up[i], "step %zu", i);
    cr_assert_eq(debloat_ctl_recalc(&d, 1000000000, 1), 0u); /* stays at the max */
}

/* A nanosecond target that is not a whole millisecond: total = throughput x target. */
BS_TEST(debloat, nanosecond_targets)
{
    sim_debloat cfg = {.enabled = true, .target_ns = 1500, .period_ns = 1000, .samples = 1, .threshold_pct = 25,
                       .min_segment_bytes = 64};
    debloat_ctl d;
    debloat_ctl_init(&d, &cfg, 32768);
    /* 2e9 B/s for 1.5 us is 3000 bytes over 4 buffers: 750 */
    cr_assert_eq(debloat_ctl_recalc(&d, 2000000000, 4), 750u);
    cr_assert_eq(d.est_ns, 1500u);
    /* a throughput near 2^64 does not overflow: the size is the max */
    cr_assert_eq(debloat_ctl_recalc(&d, UINT64_MAX, 1), 1500u); /* capped at twice 750 */
}

BS_TEST(debloat, flink_throughput_calculator_cases)
{
    /* testCorrectThroughputCalculation: 10000 bytes over 100 ms */
    debloat_meter m;
    debloat_meter_init(&m);
    uint64_t t = 0;
    debloat_meter_add(&m, t, 6666);
    t += 1 * MS;
    debloat_meter_add(&m, t, 3333);
    t += 33 * MS;
    debloat_meter_add(&m, t, 1);
    t += 66 * MS;
    cr_assert_eq(debloat_meter_take(&m, t), 10000ULL * 1000 / 100);
    /* testResetValueAfterCalculation: the last value when no time passed, 0 for none */
    debloat_meter_init(&m);
    t = 0;
    debloat_meter_add(&m, t, 666);
    t += 100 * MS;
    cr_assert_eq(debloat_meter_take(&m, t), 6660u);
    cr_assert_eq(debloat_meter_take(&m, t), 6660u);
    t += 1 * MS;
    cr_assert_eq(debloat_meter_take(&m, t), 0u);
    /* testResumeMeasurement / pause: time while paused does not count */
    debloat_meter_init(&m);
    t = 0;
    debloat_meter_add(&m, t, 1000);
    t += 10 * MS;
    debloat_meter_pause(&m, t);
    t += 1000 * MS;
    debloat_meter_resume(&m, t);
    t += 10 * MS;
    cr_assert_eq(debloat_meter_take(&m, t), 1000ULL * 1000 / 20);
    /* nothing measured at all: the previous value (here none) */
    debloat_meter_init(&m);
    debloat_meter_pause(&m, 5);
    cr_assert_eq(debloat_meter_take(&m, 100), 0u);
}

/* Two sources into one slow sink (2 us per record) through the byte network: the sink's
 * gate is back-pressured for the whole run, and every aligned checkpoint waits for the
 * bytes in flight ahead of its barrier. */
static sim_config backpressured(uint32_t segment, uint32_t buffers_per_channel, bool debloat)
{
    sim_config c;
    sim_config_default(&c);
    c.sources = 2;
    c.stages = 1;
    c.parallelism = 1;
    c.records_per_source = 60000;
    c.payload_len = 64;
    c.latency = (sim_dist){1000, 1000, 1000};
    c.service[0] = (sim_dist){2000, 2000, 2000};
    c.source_interval_ns = 500;
    c.checkpoint_interval_ns = 400000;
    c.checkpoint_timeout_ns = 0;
    c.checkpoint_bound_ns = 0;
    c.stall_bound_ns = 0;
    c.strategy = "block";
    c.net.model = SIM_NET_BYTES;
    c.net.segment_bytes = segment;
    c.net.buffers_per_channel = buffers_per_channel;
    c.net.debloat.enabled = debloat;
    c.net.debloat.target_ns = 1 * MS;
    c.net.debloat.period_ns = 50000;
    return c;
}

/* The median duration of the checkpoints that started after `from_ns` (the buffers have
 * filled and the controller has converged by then), from the trace's "complete K after
 * D ns" lines. */
static uint64_t settled_duration(const sim_config *c, uint64_t from_ns, size_t n_min, sim_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    cr_assert_eq(sim_run(c, 1, r, f), 0, "%s", r->message);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(r->outcome, SIM_OK, "%s", r->message);
    uint64_t d[1024];
    size_t n = 0;
    for (char *p = buf; (p = strstr(p, " complete ")) != NULL && n < 1024; p++) {
        char *line = p;
        while (line > buf && line[-1] != '\n')
            line--;
        uint64_t at = strtoull(line, NULL, 10);
        char *after = strstr(p, " after ");
        cr_assert_not_null(after);
        uint64_t took = strtoull(after + 7, NULL, 10);
        if (at - took >= from_ns) /* started once the buffers had filled */
            d[n++] = took;
    }
    free(buf);
    cr_assert_geq(n, n_min, "only %zu checkpoints completed after %llu ns", n, (unsigned long long)from_ns);
    for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
        for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
            uint64_t x = d[j];
            d[j] = d[j - 1];
            d[j - 1] = x;
        }
    return d[n / 2];
}

/* Issue 9's "Done when": with debloating the aligned checkpoint duration under
 * back-pressure stays near the target whatever the buffer configuration; without it, it
 * follows the in-flight bytes the configuration allows. */
BS_TEST(debloat, aligned_duration_stays_near_the_target)
{
    static const struct {
        uint32_t segment, bpc;
    } cfgs[] = {{32768, 2}, {4096, 2}, {32768, 8}, {4096, 8}};
    uint64_t off[4], on[4];
    for (size_t i = 0; i < 4; i++) {
        sim_result r;
        sim_config c = backpressured(cfgs[i].segment, cfgs[i].bpc, true);
        on[i] = settled_duration(&c, 10 * MS, 10, &r);
        cr_assert_gt(r.debloat_announcements, 0u);
        /* near the 1 ms target: the buffers in use hold 1 ms of the measured throughput;
         * the barrier also waits for the sender's open buffer and the link */
        cr_assert(on[i] >= 800000 && on[i] <= 1500000, "segment %u, %u per channel: %llu ns with debloating",
                  cfgs[i].segment, cfgs[i].bpc, (unsigned long long)on[i]);
        c.net.debloat.enabled = false;
        off[i] = settled_duration(&c, 10 * MS, 2, &r);
        cr_assert_eq(r.debloat_announcements, 0u);
    }
    /* without debloating the duration follows the buffers: 8x fewer bytes per buffer give
     * a much shorter checkpoint, more exclusive buffers a longer one */
    cr_assert(off[0] > 4 * off[1], "32 KiB %llu ns, 4 KiB %llu ns", (unsigned long long)off[0],
              (unsigned long long)off[1]);
    cr_assert(off[2] > off[0] && off[3] > off[1], "off %llu %llu %llu %llu, on %llu %llu %llu %llu",
              (unsigned long long)off[0], (unsigned long long)off[1], (unsigned long long)off[2],
              (unsigned long long)off[3], (unsigned long long)on[0], (unsigned long long)on[1],
              (unsigned long long)on[2], (unsigned long long)on[3]);
    cr_assert(off[0] > 10 * on[0]);
}

/* Debloating off: the byte network runs exactly as before, whatever its knobs say. */
BS_TEST(debloat, off_changes_nothing)
{
    sim_config c = backpressured(4096, 2, false);
    c.records_per_source = 2000;
    sim_result a, b;
    cr_assert_eq(sim_run(&c, 3, &a, NULL), 0, "%s", a.message);
    c.net.debloat.target_ns = 7;
    c.net.debloat.min_segment_bytes = 64;
    c.net.debloat.samples = 1;
    cr_assert_eq(sim_run(&c, 3, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    c.net.debloat.enabled = true;
    cr_assert_eq(sim_run(&c, 3, &b, NULL), 0, "%s", b.message);
    cr_assert_neq(a.trace_hash, b.trace_hash);
    /* a 7 ns target shrinks every buffer to the minimum at once */
    cr_assert_eq(b.debloat_size_min, 64u);
    cr_assert_eq(b.outcome, SIM_OK, "%s", b.message);
}

BS_TEST(debloat, runs_are_deterministic_with_restarts)
{
    sim_config c = backpressured(1024, 2, true);
    c.records_per_source = 3000;
    c.strategy = "unaligned";
    c.net.debloat.target_ns = 20000;
    c.net.debloat.period_ns = 5000;
    static sim_fault f[] = {{.kind = SIM_FAULT_FAIL, .target = 2, .checkpoint = 2, .at_ns = 10000}};
    c.faults = f;
    c.n_faults = 1;
    c.stall_bound_ns = 100 * MS;
    sim_result a, b;
    cr_assert_eq(sim_run(&c, 5, &a, NULL), 0, "%s", a.message);
    cr_assert_eq(sim_run(&c, 5, &b, NULL), 0, "%s", b.message);
    cr_assert_eq(a.outcome, SIM_OK, "%s", a.message);
    cr_assert_eq(a.restarts, 1u);
    cr_assert_gt(a.debloat_announcements, 1u);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    cr_assert_eq(a.events, b.events);
}

BS_TEST(debloat, invalid_knobs_are_rejected)
{
    sim_config c = backpressured(4096, 2, true);
    sim_result r;
    c.net.debloat.min_segment_bytes = 8192;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    cr_assert(strstr(r.message, "min-segment-size"), "%s", r.message);
    c.net.debloat.min_segment_bytes = 256;
    c.net.debloat.samples = 0;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    c.net.debloat.samples = 20;
    c.net.debloat.period_ns = 10;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    c.net.debloat.period_ns = 50000;
    c.net.debloat.threshold_pct = 101;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
}
