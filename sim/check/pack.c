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

#include <stdbool.h>
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

/* A whole group of 8 bytes as load_le reads it (one load on a little-endian host). */
static uint64_t load8(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
#else
    return load_le(p, 8);
#endif
}

size_t mc_pack(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 8) {
        size_t n = len - i < 8 ? len - i : 8;
        unsigned mask = nonzero_mask(n == 8 ? load8(in + i) : load_le(in + i, n));
        out[o++] = (uint8_t)mask;
        if (mask == 0xff) { /* the common cases first: a group all zero or none zero */
            memcpy(out + o, in + i, 8);
            o += 8;
            continue;
        }
        for (unsigned m = mask; m; m &= m - 1) /* each non-zero byte, lowest first */
            out[o++] = in[i + (size_t)__builtin_ctz(m)];
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
        if (mask == 0xff && packed_len - p >= 8) { /* the common cases first */
            memcpy(out + i, packed + p, 8);
            p += 8;
            continue;
        }
        memset(out + i, 0, n);
        for (unsigned m = mask; m; m &= m - 1) { /* each non-zero byte, lowest first */
            if (p == packed_len)
                return -1;
            out[i + (size_t)__builtin_ctz(m)] = packed[p++];
        }
    }
    return p == packed_len ? 0 : -1;
}
