/*
 * payload.c: the payload of generated data items. Bytes 0..7 carry the input number
 * (little-endian); the rest is a pattern of 64-bit words, word w (bytes 8w .. 8w+7,
 * little-endian, the last one cut at `len`) a mix of the number and w, so that a returned
 * buffer names its input item and any corruption or truncation is detected. Words, not
 * bytes, because the simulator fills and checks a payload for every item it moves.
 */
#include "verify.h"

#include <string.h>

static uint64_t payload_word(uint64_t index, uint32_t w)
{
    uint64_t x = index * 0x9E3779B97F4A7C15ull + w * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 32);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PAYLOAD_HOST_LE 1
#else
#define PAYLOAD_HOST_LE 0
#endif

static void put_le(uint8_t *p, uint64_t v, uint32_t n)
{
    if (PAYLOAD_HOST_LE && n == 8) {
        memcpy(p, &v, 8);
        return;
    }
    for (uint32_t k = 0; k < n; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static uint64_t get_le(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;
    if (PAYLOAD_HOST_LE && n == 8) {
        memcpy(&v, p, 8);
        return v;
    }
    for (uint32_t k = 0; k < n; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
}

void verify_payload_fill(uint8_t *buf, uint32_t len, uint64_t index)
{
    put_le(buf, index, len < 8 ? len : 8);
    for (uint32_t j = 8, w = 1; j < len; j += 8, w++)
        put_le(buf + j, payload_word(index, w), len - j < 8 ? len - j : 8);
}

bool verify_payload_parse(const uint8_t *buf, uint32_t len, uint64_t *index)
{
    if (len < 8 || !buf)
        return false;
    uint64_t x = get_le(buf, 8);
    for (uint32_t j = 8, w = 1; j < len; j += 8, w++) {
        uint32_t n = len - j < 8 ? len - j : 8;
        if (get_le(buf + j, n) != (payload_word(x, w) & (n == 8 ? ~0ull : (1ull << (8 * n)) - 1)))
            return false;
    }
    *index = x;
    return true;
}
