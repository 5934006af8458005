/*
 * rng.c: splitmix64, xoshiro256** and the distributions of rng.h. Every function is pure
 * integer or IEEE arithmetic, so results are identical on every machine.
 */
#include "rng.h"

#include <string.h>

/* No fused multiply-adds: a*b+c must round twice everywhere. GCC does not contract under
 * -std=c11; clang contracts unless told so here (GCC does not know this pragma). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

uint64_t rng_mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t rng_splitmix64(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return rng_mix64(*state);
}

void rng_stream(rng *r, uint64_t seed, uint64_t stream)
{
    /* Mix the stream id before combining so that nearby ids give unrelated states. */
    uint64_t st = seed ^ rng_mix64(stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&st);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1; /* the all-zero state is xoshiro's only fixed point */
}

void rng_stream_named(rng *r, uint64_t seed, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; name[i] && i < 4096; i++) {
        h ^= (unsigned char)name[i];
        h *= 0x100000001b3ULL;
    }
    rng_stream(r, seed, h);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* High and low halves of a 64x64-bit product, portably. */
static uint64_t mul_hi(uint64_t a, uint64_t b, uint64_t *lo)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

uint64_t rng_below(rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t lo, hi = mul_hi(rng_next(r), n, &lo);
    if (lo < n) {
        uint64_t threshold = (0 - n) % n;
        /* Each retry succeeds with probability > 1/2; 128 failures in a row do not happen
         * with a working generator, and the bound keeps the loop finite regardless. */
        for (int i = 0; i < 128 && lo < threshold; i++)
            hi = mul_hi(rng_next(r), n, &lo);
    }
    return hi;
}

uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    if (lo == 0 && hi == UINT64_MAX)
        return rng_next(r);
    return lo + rng_below(r, hi - lo + 1);
}

double rng_double(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

double rng_log(double x)
{
    if (!(x > 0))
        return -1e308;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff);
    if (e == 0) { /* subnormal: scale into the normal range first */
        x *= 0x1.0p54;
        memcpy(&bits, &x, sizeof bits);
        e = (int)((bits >> 52) & 0x7ff) - 54;
    }
    e -= 1023;
    bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double m;
    memcpy(&m, &bits, sizeof m); /* x = m * 2^e, m in [1, 2) */
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e += 1;
    }
    /* log(m) = 2 atanh(z), z = (m-1)/(m+1), |z| < 0.1716: the series z + z^3/3 + ... to
     * z^23 (Horner form, coefficients 1/k) is exact to well below one ulp. */
    static const double inv_odd[12] = {1.0,        1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11,
                                       1.0 / 13,   1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23};
    /* Horner starts at the top coefficient: the step 0.0 * z2 + 1/23 it saves gives
     * exactly 1/23, so the result is bit for bit the one of a loop starting from 0. */
    double z = (m - 1.0) / (m + 1.0), z2 = z * z, poly = inv_odd[11];
    for (int i = 10; i >= 0; i--)
        poly = poly * z2 + inv_odd[i];
    return 2.0 * z * poly + (double)e * 0.6931471805599453;
}

double rng_exp(rng *r, double mean)
{
    if (!(mean > 0))
        return 0.0;
    double u = 1.0 - rng_double(r); /* (0, 1] */
    return -mean * rng_log(u);
}

uint64_t rng_bounded(rng *r, uint64_t min, uint64_t mean, uint64_t max)
{
    if (max < min)
        max = min;
    if (mean <= min)
        return min;
    double v = rng_exp(r, (double)(mean - min));
    double room = (double)(max - min);
    if (v >= room)
        return max;
    return min + (uint64_t)v;
}
