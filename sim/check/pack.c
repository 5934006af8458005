/*
 * pack.c: zero-byte packing of state blobs (see pack.h for the format and contract).
 *
 * Speed matters more than ratio here: every blob of a large level is packed once and
 * unpacked once. A group's mask comes from one 64-bit word (SWAR: a byte's high bit is set
 * when the byte is not zero, then the eight high bits are gathered by a multiply), and the
 * non-zero bytes are copied in a loop of at most 8.
 */
#include "pack.h"

#include "../../core/bs_assert.h"

#include <string.h>

/* Bit i of the result: byte i of w (little-endian order) is not zero. */
static unsigned nonzero_mask(uint64_t w)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7full, high = 0x8080808080808080ull;
    uint64_t t = ((w & low7) + low7) | w;  /* a byte's high bit: it is not zero */
    t &= high;
    return (unsigned)((t >> 7) * 0x0102040810204080ull >> 56);
}

static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

size_t mc_pack(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 8) {
        size_t n = len - i < 8 ? len - i : 8;
        unsigned mask = nonzero_mask(load_le(in + i, n));
        out[o++] = (uint8_t)mask;
        for (size_t b = 0; b < n; b++)
            if (mask >> b & 1)
                out[o++] = in[i + b];
    }
    BS_ASSERT(o <= MC_PACK_BOUND(len));
    return o;
}

int mc_unpack(const uint8_t *packed, size_t packed_len, uint8_t *out, size_t len)
{
    size_t p = 0;
    for (size_t i = 0; i < len; i += 8) {
        size_t n = len - i < 8 ? len - i : 8;
        if (p >= packed_len)
            return -1;
        unsigned mask = packed[p++];
        if (mask >> n)
            return -1; /* a byte past the blob's end */
        if ((size_t)__builtin_popcount(mask) > packed_len - p)
            return -1;
        for (size_t b = 0; b < n; b++)
            out[i + b] = mask >> b & 1 ? packed[p++] : 0;
    }
    return p == packed_len ? 0 : -1;
}
