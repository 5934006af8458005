/*
 * rng.h: the simulator's deterministic randomness.
 *
 * One 64-bit master seed; from it, independent PRNG streams derived by number or by name
 * (rng_stream / rng_stream_named), one per concern (schedule, workload, latency, faults), so
 * that drawing more from one concern never shifts the numbers of another. Each stream is a
 * xoshiro256** generator seeded through splitmix64 from (master seed, stream id).
 *
 * Contract: the same seed and stream id give the same sequence on any machine and any
 * compiler. Integer draws use only 64-bit integer arithmetic; doubles are built from 53
 * bits; the logarithm behind rng_exp is computed here from +, -, *, / alone (no libm), and
 * rng.c keeps compilers from contracting them into fused multiply-adds (GCC under -std=c11,
 * clang by pragma), so every IEEE-754 double machine (not x87) rounds the same way.
 * Nothing here reads a clock or allocates.
 */
#ifndef SIM_ENGINE_RNG_H
#define SIM_ENGINE_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng;

/* Well-known stream numbers (any uint64_t is a valid stream id). */
enum {
    RNG_STREAM_SCHEDULE = 1,
    RNG_STREAM_WORKLOAD = 2,
    RNG_STREAM_LATENCY = 3,
    RNG_STREAM_FAULTS = 4,
};

/* One step of splitmix64: advances *state and returns the next output. */
uint64_t rng_splitmix64(uint64_t *state);
/* A 64-bit finaliser (splitmix64's): a bijective mix, usable as a hash of an integer. */
uint64_t rng_mix64(uint64_t x);

/* Seeds `r` as stream `stream` of master seed `seed`. */
void rng_stream(rng *r, uint64_t seed, uint64_t stream);
/* Same, with the stream named by a string (its FNV-1a hash is the stream id). */
void rng_stream_named(rng *r, uint64_t seed, const char *name);

/* The next 64 random bits (xoshiro256**). */
uint64_t rng_next(rng *r);
/* A uniform integer in [0, n); n == 0 gives 0. Unbiased (Lemire's method). */
uint64_t rng_below(rng *r, uint64_t n);
/* A uniform integer in [lo, hi] (lo <= hi; otherwise returns lo). */
uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi);
/* A uniform double in [0, 1), 53 random bits. */
double rng_double(rng *r);
/* The natural logarithm of x > 0, computed without libm (deterministic everywhere). */
double rng_log(double x);
/* An exponential draw with the given mean (>= 0). */
double rng_exp(rng *r, double mean);
/*
 * The bounded distribution used for latencies and service times, in nanoseconds:
 * min + an exponential draw of mean (mean - min), clamped to max. mean <= min gives min
 * (a constant); max < min is treated as max == min.
 */
uint64_t rng_bounded(rng *r, uint64_t min, uint64_t mean, uint64_t max);

#endif
