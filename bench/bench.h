/*
 * bench.h: the pieces shared by the benchmarks of build/bench.
 *
 * The machine a benchmark runs on is shared and noisy, so no benchmark ever judges an
 * absolute time. Each one pits a subject (barriersim code) against a baseline doing the
 * same work by the plainest means (memcpy, write/read of the same bytes), both measured
 * in the same run, their rounds interleaved, and judges the ratio of their median rates.
 * Each round is timed twice: by the CPU time this process used (CLOCK_PROCESS_CPUTIME_ID,
 * user and system; the default, since other processes on the machine do not add to it)
 * and by the wall clock (CLOCK_MONOTONIC); --clock wall judges by the latter.
 *
 * Adding a benchmark: one file bench/bench_<name>.c defining a `const bench_def`, plus one
 * line in the table of bench/main.c. Its run() builds its sides, calls bench_measure()
 * and hands each comparison to bench_report(); main.c prints the table or the JSON.
 * Timing is main.c's business (both clocks around each round); a side only does the
 * work, checks that it got every byte, and says so.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_ROUNDS_MAX 101u

/* Command-line options every benchmark sees. */
typedef struct bench_opts {
    bool quick;      /* smoke test: small rounds, few of them (whole program < 5 s) */
    unsigned rounds; /* timed rounds per side (a warm-up round of each comes first) */
    bool clock_wall; /* judge by wall-clock time instead of this process's CPU time */
    bool json;       /* the output is JSON: a benchmark prints nothing on stdout itself */
} bench_opts;

/*
 * One way of doing a round's work. round() does all of it once and returns 0, or -1 after
 * printing the reason on stderr; it checks its own result (that every byte arrived) either
 * outside the work or identically on both sides, so that neither side can skip work.
 */
typedef struct bench_side {
    const char *label; /* "memcpy", "spill handler", ... */
    int (*round)(void *ctx);
    void *ctx;
} bench_side;

/* Round times of one side, in nanoseconds: ns[] by the clock judged (opts.clock_wall),
 * cpu_ns[] and wall_ns[] both clocks as measured. */
typedef struct bench_stats {
    unsigned n;
    double ns[BENCH_ROUNDS_MAX];
    double cpu_ns[BENCH_ROUNDS_MAX], wall_ns[BENCH_ROUNDS_MAX];
    double ns_median, ns_min, ns_max;
} bench_stats;

/*
 * Runs one warm-up round of each side, then o->rounds timed rounds of each, interleaved
 * (round r runs the sides in an order rotated by r, so that none always goes first).
 * Fills out[i] for sides[i]. Returns 0, or -1 when a round failed (already reported).
 */
int bench_measure(const bench_opts *o, const bench_side *sides, size_t n_sides,
                  bench_stats *out);

/* A subject measured against a baseline; both did `bytes` and `items` per round, unless
 * base_items is set: then the baseline did base_items (and as many bytes) per round, and
 * the ratio is of the two sides' items per second (the simulator's two network models
 * deliver the same records in different numbers of events). */
typedef struct bench_result {
    const char *name;        /* "passthrough/spill": benchmark/variant */
    const char *baseline;    /* label of the baseline side */
    const char *subject;     /* label of the subject side */
    uint64_t bytes, items;   /* work per round of the subject (and of the baseline) */
    uint64_t base_items;     /* 0, or the baseline's items (= its bytes) per round */
    double rate_div;         /* bytes/s shown divided by this: 1e9 (GB/s) or 1e6 (MB/s) */
    const char *rate_unit;   /* "GB/s", "MB/s" */
    double target_ratio_min; /* subject/baseline must be >= this; 0: no target */
    /* The subject's items/s in its fastest round must be >= this; 0: none. The fastest, not
     * the median: other processes only ever add time to a round (caches, memory bandwidth
     * and hyperthreads are shared even in CPU time), so the best round is the closest
     * estimate of what the code does on this machine; the median is printed beside it. */
    double target_items_per_s_min;
    bool cost_per_item;      /* also print ns per item and the cost ratio (subject/baseline) */
    bench_stats base, subj;
} bench_result;

/* Records a comparison for the final table (copied; at most 64 per run). */
void bench_report(const bench_result *r);

/* The monotonic clock in nanoseconds. */
uint64_t bench_clock_ns(void);
/* The CPU time this process has used (user and system, every thread), in nanoseconds. */
uint64_t bench_cpu_ns(void);

/*
 * The operator's touch of a payload: copies len (>= 8) bytes from src to dst and returns
 * the sum of dst's first and last little-endian uint64, read back from dst so that the
 * copy cannot be elided. Out of line, so that subject and baseline run the same code.
 */
uint64_t bench_copy_touch(uint8_t *dst, const uint8_t *src, size_t len);

uint64_t bench_get_le64(const uint8_t *p);
void bench_put_le64(uint8_t *p, uint64_t v);

/* A benchmark in the table of main.c. run() returns 0, or -1 when it could not run. */
typedef struct bench_def {
    const char *name;
    const char *summary;
    int (*run)(const bench_opts *o);
} bench_def;

extern const bench_def bench_passthrough;
extern const bench_def bench_spill;
extern const bench_def bench_sim;
extern const bench_def bench_cost;

#endif
