/*
 * prio_gate.h: a test input gate with a priority read and a clock, and a harness that
 * runs a handler over it with every observation checked by verify/.
 *
 * The input is a line of items in arrival order ("0:d 1:b1 0:x2 1:eop", data of 16
 * bytes labelled by input number). next() yields the first queued item of an unblocked
 * channel; next_priority() (when enabled) the earliest queued barrier or cancel of an
 * unblocked channel that has no older marker or eop queued, with the count of data it
 * overtakes; peek() (when enabled) the i-th queued item of a channel while it and those
 * before it are data. Clock: 1000 ns per item yielded plus idle time advanced by wake-ups.
 * A barrier may carry its checkpoint's start (`0:b1@500`: BS_BARRIER_STARTED, timestamp
 * 500) and be marked converted upstream (`0:b1u`: BS_BARRIER_UNALIGNED). With `announce`
 * the gate offers next_announcement (every queued barrier once, in input order: all items
 * are queued from the start) and convert (b<id> when it is its channel's first queued
 * marker, with the data queued before it as overtaken); their tokens are `n<K>:<ch>` for
 * an announcement the handler took and `v<K>:<ch>+<overtaken>` for a conversion.
 * The trace has hrun's tokens plus `cK:I` for each channel-state report (and, on request,
 * `w<at>@<now>` for each wake-up request: when the handler asked, for when).
 */
#ifndef TESTS_PRIO_GATE_H
#define TESTS_PRIO_GATE_H

#include "../core/bs_strategy.h"
#include "../verify/verify.h"

#define PG_ITEMS_MAX 256

typedef struct pg_run {
    const char *strategy;         /* a core strategy, or NULL with ops */
    const bs_strategy *ops;
    uint32_t channels;
    bool priority;                /* offer next_priority */
    bool peek;                    /* offer peek (unaligned: overtaken data persisted at once) */
    bool check;                   /* attach a checker (exactly-once, progress) */
    uint64_t timeout_ns;          /* alignment_timeout_ns */
    int fail_write_nth;           /* > 0: the nth write fails with ENOSPC */
    bool no_clock;                /* the gate offers no now_ns */
    uint64_t max_buffered_bytes;
    bool trace_wakes;             /* each wake-up request is a trace token `w<at>@<now>` */
    bool poll_first;              /* call bs_handler_poll_priority before the first next
                                     (trace token `poll`, then what it notified) */
    bool announce;                /* offer next_announcement and convert (Flink 1.14+) */
    /* results */
    char trace[4096];
    char violation[1024];         /* "" when every invariant held */
    char error[512];              /* the handler's error, "" when none */
    uint64_t live_files;          /* files left after close */
    uint64_t files_created;
} pg_run;

/* Runs `input` through a handler; fills the results. Asserts on harness failures only. */
void pg_run_input(pg_run *r, const char *input);

#endif
