/*
 * wire.c: the private format in which the parser child sends its result to the parent.
 *
 * Contract: a reply is "SCW1", a status byte, a body, "END."; integers little-endian,
 * strings as u32 length + bytes (no NUL inside), optional strings behind a presence byte.
 *   status 0 (scenario): name, strategy, description?, u32 channels, u32 page size,
 *     u64 max-buffered-bytes, u64 alignment-timeout, u32 n + n faults
 *     (u8 call, u64 nth, i32 errno, u32 short, u32 line, u32 col), u64 n + n items
 *     (u8 kind, u32 channel, u64 id, u32 len, u32 line, u32 col), trace?, error?
 *   status 1 (error): u32 line, u32 col, message
 * The decoder trusts nothing: every length is bounded by what is left, counts by the
 * loader's limits, and a decoded scenario must pass sc_scenario_check.
 */
#include "sc_int.h"

#include <stdlib.h>
#include <string.h>

#define SC_WIRE_FAULT_BYTES 25u
#define SC_WIRE_ITEM_BYTES 25u

/* ---- writing ------------------------------------------------------------------------ */
static void sc_put(sc_wbuf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n && cap <= SC_WIRE_BYTES_MAX)
            cap *= 2;
        uint8_t *q = cap - b->len >= n ? realloc(b->p, cap) : NULL;
        if (!q) {
            b->failed = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void sc_put_u8(sc_wbuf *b, uint8_t v) { sc_put(b, &v, 1); }

static void sc_put_uint(sc_wbuf *b, uint64_t v, unsigned bytes)
{
    uint8_t le[8];
    for (unsigned i = 0; i < bytes; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    sc_put(b, le, bytes);
}

static void sc_put_str(sc_wbuf *b, const char *s)
{
    size_t n = strlen(s);
    sc_put_uint(b, n, 4);
    sc_put(b, s, n);
}

static void sc_put_opt(sc_wbuf *b, const char *s)
{
    sc_put_u8(b, s != NULL);
    if (s)
        sc_put_str(b, s);
}

static void sc_put_pos(sc_wbuf *b, sc_pos p)
{
    sc_put_uint(b, p.line, 4);
    sc_put_uint(b, p.col, 4);
}

void sc_wire_put_scenario(sc_wbuf *b, const scenario *sc)
{
    sc_put(b, "SCW1", 4);
    sc_put_u8(b, 0);
    sc_put_str(b, sc->name);
    sc_put_str(b, sc->strategy);
    sc_put_opt(b, sc->description);
    sc_put_uint(b, sc->channels, 4);
    sc_put_uint(b, sc->page_size, 4);
    sc_put_uint(b, sc->max_buffered_bytes, 8);
    sc_put_uint(b, sc->alignment_timeout_ns, 8);
    sc_put_uint(b, sc->faults_len, 4);
    for (size_t i = 0; i < sc->faults_len; i++) {
        const sc_fault *f = &sc->faults[i];
        sc_put_u8(b, (uint8_t)f->call);
        sc_put_uint(b, f->nth, 8);
        sc_put_uint(b, (uint32_t)f->err, 4);
        sc_put_uint(b, f->short_bytes, 4);
        sc_put_pos(b, f->pos);
    }
    sc_put_uint(b, sc->items_len, 8);
    for (size_t i = 0; i < sc->items_len; i++) {
        const sc_item *it = &sc->items[i];
        sc_put_u8(b, it->wait ? 4 : (uint8_t)it->kind); /* 4: the `wait` token */
        sc_put_uint(b, it->channel, 4);
        sc_put_uint(b, it->id, 8);
        sc_put_uint(b, it->len, 4);
        sc_put_pos(b, it->pos);
    }
    sc_put_opt(b, sc->expect_trace);
    sc_put_opt(b, sc->expect_error);
    sc_put(b, "END.", 4);
}

void sc_wire_put_error(sc_wbuf *b, const sc_err *e)
{
    sc_put(b, "SCW1", 4);
    sc_put_u8(b, 1);
    sc_put_pos(b, e->pos);
    sc_put_str(b, e->msg);
    sc_put(b, "END.", 4);
}

void sc_wbuf_free(sc_wbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- reading ------------------------------------------------------------------------ */
typedef struct sc_rd {
    const uint8_t *p;
    size_t len, off;
    bool bad;
} sc_rd;

static const uint8_t *sc_take(sc_rd *r, size_t n)
{
    if (r->bad || r->len - r->off < n) {
        r->bad = true;
        return NULL;
    }
    r->off += n;
    return r->p + r->off - n;
}

static uint64_t sc_get_uint(sc_rd *r, unsigned bytes)
{
    const uint8_t *q = sc_take(r, bytes);
    uint64_t v = 0;
    for (unsigned i = 0; q && i < bytes; i++)
        v |= (uint64_t)q[i] << (8 * i);
    return v;
}

static sc_pos sc_get_pos(sc_rd *r)
{
    sc_pos p;
    p.line = (uint32_t)sc_get_uint(r, 4);
    p.col = (uint32_t)sc_get_uint(r, 4);
    return p;
}

/* Reads a string into dst (cap bytes, NUL added) or, with dst NULL, into *heap. */
static void sc_get_str_into(sc_rd *r, char *dst, size_t cap, char **heap)
{
    size_t n = (size_t)sc_get_uint(r, 4);
    const uint8_t *q = sc_take(r, n);
    if (!q || memchr(q, 0, n) || (dst && n >= cap)) {
        r->bad = true;
        return;
    }
    if (!dst) {
        dst = *heap = malloc(n + 1);
        if (!dst) {
            r->bad = true;
            return;
        }
    }
    memcpy(dst, q, n);
    dst[n] = '\0';
}

static void sc_get_opt(sc_rd *r, char **heap)
{
    uint8_t present = (uint8_t)sc_get_uint(r, 1);
    if (present > 1)
        r->bad = true;
    else if (present)
        sc_get_str_into(r, NULL, 0, heap);
}

static void sc_get_faults(sc_rd *r, scenario *sc)
{
    uint64_t n = sc_get_uint(r, 4);
    if (n > SC_FAULTS_MAX || n * SC_WIRE_FAULT_BYTES > r->len - r->off) {
        r->bad = true;
        return;
    }
    if (n == 0)
        return;
    sc->faults = calloc((size_t)n, sizeof *sc->faults);
    if (!sc->faults) {
        r->bad = true;
        return;
    }
    sc->faults_len = (size_t)n;
    for (size_t i = 0; i < sc->faults_len; i++) {
        sc_fault *f = &sc->faults[i];
        f->call = (sc_call)sc_get_uint(r, 1);
        f->nth = sc_get_uint(r, 8);
        f->err = (int)(int32_t)(uint32_t)sc_get_uint(r, 4);
        f->short_bytes = (uint32_t)sc_get_uint(r, 4);
        f->pos = sc_get_pos(r);
    }
}

static void sc_get_items(sc_rd *r, scenario *sc)
{
    uint64_t n = sc_get_uint(r, 8);
    if (n > SC_ITEMS_MAX || n * SC_WIRE_ITEM_BYTES > r->len - r->off) {
        r->bad = true;
        return;
    }
    if (n == 0)
        return;
    sc->items = calloc((size_t)n, sizeof *sc->items);
    if (!sc->items) {
        r->bad = true;
        return;
    }
    sc->items_len = (size_t)n;
    for (size_t i = 0; i < sc->items_len; i++) {
        sc_item *it = &sc->items[i];
        uint8_t kind = (uint8_t)sc_get_uint(r, 1);
        it->kind = kind <= BS_EOP ? (bs_kind)kind : BS_DATA;
        it->wait = kind == 4;
        r->bad |= kind > 4;
        it->channel = (uint32_t)sc_get_uint(r, 4);
        it->id = sc_get_uint(r, 8);
        it->len = (uint32_t)sc_get_uint(r, 4);
        it->pos = sc_get_pos(r);
    }
}

static void sc_get_scenario(sc_rd *r, scenario *sc)
{
    sc_get_str_into(r, sc->name, sizeof sc->name, NULL);
    sc_get_str_into(r, sc->strategy, sizeof sc->strategy, NULL);
    sc_get_opt(r, &sc->description);
    sc->channels = (uint32_t)sc_get_uint(r, 4);
    sc->page_size = (uint32_t)sc_get_uint(r, 4);
    sc->max_buffered_bytes = sc_get_uint(r, 8);
    sc->alignment_timeout_ns = sc_get_uint(r, 8);
    sc_get_faults(r, sc);
    sc_get_items(r, sc);
    sc_get_opt(r, &sc->expect_trace);
    sc_get_opt(r, &sc->expect_error);
}

static void sc_get_error(sc_rd *r, sc_err *err)
{
    char msg[SC_ERR_MSG_MAX];
    err->pos = sc_get_pos(r);
    sc_get_str_into(r, msg, sizeof msg, NULL);
    if (r->bad || err->pos.line < 1 || err->pos.col < 1) {
        r->bad = true;
        return;
    }
    sc_sanitize(err->msg, sizeof err->msg, msg, strlen(msg));
}

int sc_wire_decode(const uint8_t *p, size_t len, scenario *out, sc_err *err)
{
    sc_rd r = {.p = p, .len = len};
    memset(out, 0, sizeof *out);
    const uint8_t *magic = sc_take(&r, 4);
    uint8_t status = (uint8_t)sc_get_uint(&r, 1);
    if (!magic || memcmp(magic, "SCW1", 4) != 0 || status > 1)
        r.bad = true;
    else if (status == 0)
        sc_get_scenario(&r, out);
    else
        sc_get_error(&r, err);
    const uint8_t *end = sc_take(&r, 4);
    char why[128] = "malformed reply";
    if (!r.bad && (!end || memcmp(end, "END.", 4) != 0 || r.off != r.len))
        r.bad = true;
    if (!r.bad && status == 0 && sc_scenario_check(out, why, sizeof why) == 0)
        return 0;
    scenario_free(out);
    if (!r.bad && status == 1)
        return 1;
    sc_err_set(err, (sc_pos){1, 1}, "internal error: the YAML parser process sent a %s (%s)",
               r.bad ? "malformed reply" : "scenario that fails its checks", why);
    return -1;
}
