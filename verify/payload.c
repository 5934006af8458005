/*
 * payload.c: the payload of generated data items. Bytes 0..7 carry the input number
 * (little-endian); byte j >= 8 is a mix of the number and j, so that a returned buffer
 * names its input item and any corruption or truncation is detected.
 */
#include "verify.h"

static uint8_t payload_byte(uint64_t index, uint32_t j)
{
    uint64_t x = index * 0x9E3779B97F4A7C15ull + j * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return (uint8_t)(x ^ (x >> 17));
}

void verify_payload_fill(uint8_t *buf, uint32_t len, uint64_t index)
{
    for (uint32_t j = 0; j < len && j < 8; j++)
        buf[j] = (uint8_t)(index >> (8 * j));
    for (uint32_t j = 8; j < len; j++)
        buf[j] = payload_byte(index, j);
}

bool verify_payload_parse(const uint8_t *buf, uint32_t len, uint64_t *index)
{
    if (len < 8 || !buf)
        return false;
    uint64_t x = 0;
    for (uint32_t j = 0; j < 8; j++)
        x |= (uint64_t)buf[j] << (8 * j);
    for (uint32_t j = 8; j < len; j++)
        if (buf[j] != payload_byte(x, j))
            return false;
    *index = x;
    return true;
}
