/*
 * metrics.h: what a simulation measures, for `barriersim compare` (sim_run_ex).
 *
 * Collected by sim/engine/metrics.c from hooks in the engine; collecting never writes a
 * trace line, draws a random number or schedules an event, so a run's trace, trace hash and
 * event order are the same with and without metrics. Everything is in simulated time; the
 * wall clock is never read. Memory is bounded: at most SIM_MX_CHECKPOINTS_MAX checkpoints
 * and SIM_MX_ALIGNMENTS_MAX (checkpoint, task) alignments are recorded one by one (later
 * ones are counted in the run totals and in *_dropped), SIM_MX_SAMPLES_MAX time-series
 * samples (the grid doubles when it fills), a fixed latency histogram.
 *
 * Definitions (simulated nanoseconds, bytes = data records x payload bytes unless said):
 *  - checkpoint duration: from the coordinator putting b<K> into the sources' outboxes to
 *    its completion (or its decline, timeout or abandonment; for one still pending at the
 *    end, to the end of the run).
 *  - back-pressure at a checkpoint's start: in_flight_bytes_start, the data queued in every
 *    channel (in flight or arrived, not consumed) and every sender's outbox; and
 *    credit_wait_share, the share of the senders' time since the previous checkpoint
 *    started (or the run started) spent waiting for credit (0..1, summed over senders
 *    and divided by senders x elapsed).
 *  - a task's alignment of K: from the handler adopting K (listener begin: its first b<K>
 *    or x<K>) to its trigger t<K> (alignment_ns), or to its abort. Unaligned checkpoints
 *    trigger at once (alignment_ns ~ 0) and then persist channel state until d<K>
 *    (channel_state_ns = d<K> - t<K>). The tracker never blocks: its alignment_ns is the
 *    time it waits for the last barrier, with nothing held back.
 *  - spilled_bytes: bytes the task's handler wrote to spill files during the alignment
 *    (record headers included). blocked_bytes_peak: the peak, during the alignment, of the
 *    data held back in the channels the handler blocks (the `blocked` set it passes to its
 *    gate): queued on those channels and in their senders' outboxes. buffered_bytes =
 *    spilled_bytes + blocked_bytes_peak.
 *  - channel_state_bytes: the payload bytes the handler reported as channel state of K.
 *  - record latency: from a record's (latest) emission at its source to its return to a
 *    sink's operator; percentiles from a log-linear histogram (exact below 128 ns, within
 *    1/256 relative above), min, max and mean exact.
 *  - throughput: records returned to the sinks per simulated second of the run.
 *  - records_replayed: records re-emitted by sources rewound by a restore (an offset they
 *    had emitted before) plus channel-state items recovered on restore.
 *  - duplicates: records returned to a sink while its state already held them (after a
 *    restore, at-least-once); counted only when the run tracks per-record counts
 *    (duplicates_tracked).
 *  - buffered time series: on a fixed grid, the live bytes in every task's handler files
 *    (spill files, and the channel-state files of unaligned checkpoints), the bytes held in
 *    blocked channels, the channel state of unfinished unaligned checkpoints (payload
 *    bytes, which may also sit in those files), and the data in flight (as
 *    in_flight_bytes_start). sim_mx_buffered() combines them without counting twice.
 *
 * Checkpoint statistics, as Flink's web UI and REST API show them (docs
 * ops/monitoring/checkpoint_monitoring; CheckpointStatsTracker, SubtaskStateStats), per
 * task (sim_al_metrics) and per checkpoint over the tasks that acknowledged it:
 *  - end-to-end duration: duration_ns ("from the trigger timestamp until the latest
 *    acknowledgement"; with checkpoint costs, until the metadata is written as well).
 *  - start delay (checkpointStartDelayNanos): from the checkpoint's start to the task's
 *    first barrier (begin_ns); per checkpoint the largest.
 *  - alignment duration: alignment_ns (first to last barrier for aligned checkpoints).
 *  - sync duration: the synchronous phase (0 without costs); async duration: from its end
 *    to the acknowledgement: the storage writes, and for an unaligned checkpoint the wait
 *    for the last barrier and the channel-state write (without costs: d<K> - t<K>).
 *  - checkpointed size: operator state plus persisted in-flight data, summed.
 *  - persisted in-flight data: the channel state and output state of unaligned
 *    checkpoints (payload bytes; 0 for aligned ones), summed.
 *  - processed in-flight data: the data bytes returned to the operators during their
 *    alignments, summed.
 */
#ifndef SIM_ENGINE_METRICS_H
#define SIM_ENGINE_METRICS_H

#include "sim.h"

#include "../../core/barriersim.h"

#define SIM_MX_CHECKPOINTS_MAX 4096u
#define SIM_MX_ALIGNMENTS_MAX 65536u
#define SIM_MX_SAMPLES_MAX 1024u
#define SIM_MX_HIST_BUCKETS 7424u
#define SIM_MX_REASONS 5u /* bs_abort_reason values */

typedef enum sim_ck_outcome {
    SIM_CK_PENDING = 0,   /* still pending when the run ended */
    SIM_CK_COMPLETED,
    SIM_CK_DECLINED,      /* a handler aborted it: see reason */
    SIM_CK_TIMED_OUT,
    SIM_CK_ABANDONED,     /* an overlapping start or a restart gave it up */
} sim_ck_outcome;

typedef struct sim_ck_metrics {
    uint64_t id, start_ns, end_ns, duration_ns;
    sim_ck_outcome outcome;
    bs_abort_reason reason;          /* SIM_CK_DECLINED only */
    uint64_t in_flight_bytes_start;
    double credit_wait_share;
    /* over its alignments, at the end of the run */
    uint32_t tasks_aligned;          /* alignments recorded */
    uint64_t alignment_ns_max;
    uint64_t buffered_bytes;         /* sum over tasks */
    uint64_t channel_state_bytes;    /* sum over tasks */
    /* Flink's checkpoint statistics (see "Checkpoint statistics" above), over the tasks
     * that acknowledged it (tasks_acked) */
    uint32_t tasks_acked;
    uint64_t start_delay_ns_max, sync_ns_max, async_ns_max;
    uint64_t state_bytes;            /* operator state, sum */
    uint64_t persisted_bytes;        /* persisted in-flight data (channel + output state), sum */
    uint64_t checkpointed_bytes;     /* state_bytes + persisted_bytes */
    uint64_t processed_bytes;        /* processed in-flight data during the alignments, sum */
    uint64_t acks_in_ns;             /* when the last acknowledgement arrived; 0: never */
    uint64_t metadata_ns;            /* completed: from acks_in_ns to the end (metadata write) */
} sim_ck_metrics;

typedef enum sim_al_end {
    SIM_AL_OPEN = 0,      /* not ended when the run ended */
    SIM_AL_TRIGGERED,     /* aligned: t<K> */
    SIM_AL_DONE,          /* unaligned: t<K>, then d<K> */
    SIM_AL_ABORTED,       /* a<K> (before or after an unaligned trigger) */
    SIM_AL_ABANDONED,     /* a restart closed the handler */
} sim_al_end;

typedef struct sim_al_metrics {
    uint64_t checkpoint;
    uint32_t task;                   /* node id */
    sim_al_end end;
    bs_abort_reason reason;          /* SIM_AL_ABORTED only */
    bool unaligned;                  /* taken unaligned (unaligned, or aligned-timeout past it) */
    bool triggered;
    uint64_t begin_ns, trigger_ns, end_ns; /* trigger_ns 0 unless triggered */
    uint64_t alignment_ns;           /* trigger - begin; 0 unless triggered */
    uint64_t channel_state_ns;       /* unaligned: d<K> - t<K> */
    uint64_t spilled_bytes, blocked_bytes_peak, buffered_bytes;
    uint64_t channel_state_bytes, channel_state_items;
    uint64_t cs_pending_bytes;       /* of channel_state_bytes, those d<K> or a<K> will persist
                                        or give up (the buffered series' channel state) */
    /* Flink's per-subtask checkpoint statistics (see "Checkpoint statistics" above) */
    uint64_t start_delay_ns;         /* begin_ns - the checkpoint's start */
    uint64_t processed_bytes;        /* data returned to the operator from begin to t<K>
                                        (unaligned: to d<K>, the last barrier) */
    bool acked;                      /* the task acknowledged: the figures below are set */
    uint64_t sync_ns, async_ns;      /* its synchronous and asynchronous phases */
    uint64_t state_bytes;            /* its operator state */
    uint64_t persisted_bytes;        /* its channel and output state, payload bytes */
} sim_al_metrics;

typedef struct sim_mx_sample {
    uint64_t t_ns;
    uint64_t file_bytes, blocked_bytes, channel_state_bytes, in_flight_bytes;
} sim_mx_sample;

typedef struct sim_latency {
    uint64_t count, min_ns, max_ns, p50_ns, p90_ns, p99_ns, p999_ns;
    double mean_ns;
} sim_latency;

/* One record's latency, when the caller asks for them (sim_metrics.keep_latencies). */
typedef struct sim_mx_latency {
    uint64_t t_ns;                   /* when the sink's operator got it */
    uint64_t latency_ns;
} sim_mx_latency;

#define SIM_MX_LATENCIES_MAX (1u << 20)

typedef struct sim_metrics {
    /* input: the time-series grid (0: checkpoint_interval_ns / 2, or 100 us) */
    uint64_t sample_grid_ns;
    /* input: also keep every measured record latency with its time (at most
     * SIM_MX_LATENCIES_MAX; later ones are counted in lat_dropped), so that a caller can
     * measure inside a window of its own */
    bool keep_latencies;
    sim_mx_latency *lat;
    uint32_t n_lat;
    uint64_t lat_dropped;
    /* output */
    uint32_t n_tasks;
    char (*task_names)[16];          /* by node id - sources; n_tasks of them */
    uint32_t sources;
    sim_ck_metrics *ck;
    uint32_t n_ck;
    uint64_t ck_dropped;
    sim_al_metrics *al;
    uint32_t n_al;
    uint64_t al_dropped;
    sim_mx_sample *samples;
    uint32_t n_samples;
    uint64_t grid_ns;                /* the grid at the end (it doubles when full) */
    sim_latency latency;
    uint64_t *hist;                  /* SIM_MX_HIST_BUCKETS latency counts */
    double throughput_rps;
    double credit_wait_share;        /* over the whole run, as at a checkpoint's start */
    uint64_t sink_records;           /* records returned to the sinks (with duplicates) */
    uint64_t completed, declined, timed_out, abandoned, pending_at_end;
    uint64_t declined_by[SIM_MX_REASONS];
    uint64_t task_aborts_by[SIM_MX_REASONS];  /* handler aborts, every task */
    uint64_t records_replayed, channel_state_recovered, duplicates;
    bool duplicates_tracked;
    uint64_t run_ns;
} sim_metrics;

/* Bytes buffered for alignment at a sample: held in blocked channels, plus the larger of
 * the handlers' file bytes and the pending channel state (channel state may be in the
 * files; no strategy both spills and keeps channel state). */
static inline uint64_t sim_mx_buffered(const sim_mx_sample *x)
{
    return x->blocked_bytes + (x->file_bytes > x->channel_state_bytes ? x->file_bytes : x->channel_state_bytes);
}

/* Frees what sim_run_ex put in m (not m itself); m stays zeroed. NULL is fine. */
void sim_metrics_free(sim_metrics *m);

/* "pending", "completed", "declined", "timed-out", "abandoned". */
const char *sim_ck_outcome_name(sim_ck_outcome o);
/* "open", "triggered", "done", "aborted", "abandoned". */
const char *sim_al_end_name(sim_al_end e);
/* The bucket of a latency value and a bucket's representative value (its midpoint); the
 * histogram's layout, shared with tests and writers. */
uint32_t sim_mx_bucket(uint64_t v);
uint64_t sim_mx_bucket_value(uint32_t b);
/* The q-quantile (0 < q <= 1, nearest rank) of a histogram of `count` values. */
uint64_t sim_mx_quantile(const uint64_t *hist, uint64_t count, double q);

#endif
