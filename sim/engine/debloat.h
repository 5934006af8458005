/*
 * debloat.h: buffer debloating (FLIP-183), the arithmetic of one input gate's controller,
 * engine-internal (engine_int.h includes it; the unit tests call it directly).
 *
 * Two pieces, each Flink's class of the same role (flink-runtime, package
 * org.apache.flink.runtime.throughput):
 * - debloat_meter is ThroughputCalculator: it adds the bytes the gate yields
 *   (incomingDataSize), counts time only while the gate has data (pauseMeasurement when a
 *   poll finds nothing, resumeMeasurement when it finds something), and turns both into
 *   bytes per second once a period (calculateThroughput; no time counted: the last value).
 * - debloat_ctl is BufferDebloater with its BufferSizeEMA: the total bytes the buffers in
 *   use should hold is throughput x target; the size of one buffer moves towards that total
 *   over the buffers in use by an exponential moving average (alpha = 2 / (samples + 1)),
 *   its step capped at twice the current size, clamped to [min, max]; a new size within
 *   threshold percent of the last announced one is not announced, unless it is min or max.
 *
 * Time is simulated nanoseconds (Flink's clock has milliseconds); a target that is a whole
 * number of milliseconds gives Flink's numbers exactly (tests/test_engine_debloat.c runs
 * Flink's own BufferDebloaterTest and ThroughputCalculatorTest cases). Deterministic: the
 * doubles follow Flink's formula step by step and nothing here reads a clock.
 */
#ifndef SIM_ENGINE_DEBLOAT_H
#define SIM_ENGINE_DEBLOAT_H

#include "sim.h"

#include <stdbool.h>
#include <stdint.h>

#define DEBLOAT_NOT_TRACKED UINT64_MAX

typedef struct debloat_meter {
    uint64_t bytes;       /* accumulated since the last calculation */
    uint64_t time_ns;     /* measured time since the last calculation */
    uint64_t start_ns;    /* when the running measurement started, or DEBLOAT_NOT_TRACKED */
    uint64_t last_bps;    /* the last throughput calculated, bytes per second */
} debloat_meter;

void debloat_meter_init(debloat_meter *m);
/* incomingDataSize: counts `bytes`, and starts the measurement when it was paused. */
void debloat_meter_add(debloat_meter *m, uint64_t now_ns, uint64_t bytes);
void debloat_meter_pause(debloat_meter *m, uint64_t now_ns);
void debloat_meter_resume(debloat_meter *m, uint64_t now_ns);
/* calculateThroughput: bytes per second over the measured time since the last call (the
 * previous value when no time was measured), then starts a new period. */
uint64_t debloat_meter_take(debloat_meter *m, uint64_t now_ns);

typedef struct debloat_ctl {
    double ema;           /* BufferSizeEMA.lastBufferSize */
    double alpha;         /* 2 / (samples + 1) */
    double threshold;     /* threshold-percentages / 100 */
    uint32_t last;        /* the size announced last (starts at max) */
    uint32_t min, max;    /* min-segment-size, segment-size */
    uint64_t target_ns;   /* buffer-debloat.target */
    uint64_t est_ns;      /* the last estimated time to consume the buffers in use */
} debloat_ctl;

/* Starts at max_bytes (BufferDebloater's lastBufferSize = maxBufferSize). Needs
 * 1 <= min_segment_bytes <= max_bytes, samples >= 1 and target_ns >= 1. */
void debloat_ctl_init(debloat_ctl *d, const sim_debloat *cfg, uint32_t max_bytes);
/* recalculateBufferSize: the new size to announce, or 0 when the change is too small. */
uint32_t debloat_ctl_recalc(debloat_ctl *d, uint64_t throughput_bps, uint32_t buffers_in_use);
/* skipUpdate: true when `size` is not announced after the last announced size. */
bool debloat_ctl_skip(const debloat_ctl *d, uint32_t size);

#endif
