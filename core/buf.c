/*
 * buf.c: growable byte buffers and cursors for state snapshots. Integers are little-endian.
 */
#include "core_int.h"

#include <string.h>

void bs_buf_free(bs_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int bs_buf_put(bs_buf *b, const void *p, size_t n)
{
    if (n > SIZE_MAX / 2 - b->len)
        return BS_ENOMEM;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return BS_ENOMEM;
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

int bs_buf_put_u64(bs_buf *b, uint64_t v)
{
    uint8_t le[8];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(le, &v, sizeof le);
#else
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(v >> (8 * i));
#endif
    if (b->len + sizeof le <= b->cap) {
        memcpy(b->p + b->len, le, sizeof le);
        b->len += sizeof le;
        return 0;
    }
    return bs_buf_put(b, le, sizeof le);
}

bool bs_cursor_get(bs_cursor *c, void *p, size_t n)
{
    if (n > c->len - c->pos)
        return false;
    if (n)
        memcpy(p, c->p + c->pos, n);
    c->pos += n;
    return true;
}

bool bs_cursor_get_u64(bs_cursor *c, uint64_t *v)
{
    uint8_t le[8];
    if (c->len - c->pos < sizeof le)
        return false;
    memcpy(le, c->p + c->pos, sizeof le);
    c->pos += sizeof le;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(v, le, sizeof le);
#else
    *v = 0;
    for (int i = 0; i < 8; i++)
        *v |= (uint64_t)le[i] << (8 * i);
#endif
    return true;
}
