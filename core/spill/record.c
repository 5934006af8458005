/*
 * record.c: encoding of one spill record (DESIGN.md section 4). The header is
 * little-endian `int32 channel | int32 length | uint8 kind`; event payloads are big-endian.
 */
#include "../bs_spill.h"
#include "../core_int.h"

#include <string.h>

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint32_t payload_bytes(const bs_item *it)
{
    switch (it->kind) {
    case BS_DATA: return it->len;
    case BS_BARRIER: return BS_SPILL_EVENT_BARRIER_BYTES;
    case BS_CANCEL: return BS_SPILL_EVENT_CANCEL_BYTES;
    case BS_EOP: return BS_SPILL_EVENT_EOP_BYTES;
    }
    BS_ASSERT(!"unknown item kind");
    return 0;
}

uint64_t bs_spill_record_bytes(const bs_item *it)
{
    return BS_SPILL_HEADER_BYTES + (uint64_t)payload_bytes(it);
}

size_t bs_spill_encode(const bs_item *it, uint8_t *buf)
{
    uint32_t len = payload_bytes(it);
    BS_ASSERT(len <= INT32_MAX && it->channel <= INT32_MAX);
    put_le32(buf, it->channel);
    put_le32(buf + 4, len);
    buf[8] = (uint8_t)(it->kind == BS_DATA ? BS_SPILL_KIND_DATA : BS_SPILL_KIND_EVENT);
    uint8_t *p = buf + BS_SPILL_HEADER_BYTES;
    switch (it->kind) {
    case BS_DATA:
        if (len)
            memcpy(p, it->data, len);
        break;
    case BS_BARRIER:
        put_be32(p, BS_SPILL_TAG_BARRIER);
        put_be64(p + 4, it->id);
        put_be64(p + 12, it->timestamp);
        put_be32(p + 20, it->type);
        break;
    case BS_CANCEL:
        put_be32(p, BS_SPILL_TAG_CANCEL);
        put_be64(p + 4, it->id);
        break;
    case BS_EOP:
        put_be32(p, BS_SPILL_TAG_EOP);
        break;
    }
    return BS_SPILL_HEADER_BYTES + len;
}
