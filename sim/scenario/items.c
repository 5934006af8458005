/*
 * items.c: the `input` key: items such as `0:d`, `1:d/64`, `2:b3`, `0:x4`, `1:eop`, and
 * `wait` (no item: time passes until the handler's wake-up, see scenario.h), separated
 * by spaces or line breaks, each located at its own line:col in the file.
 *
 * Contract: C < channels, 8 <= N <= page size, 1 <= K <= UINT64_MAX, at most SC_ITEMS_MAX
 * items, nothing on a channel after its eop. Positions: the raw source of the scalar (from
 * libfyaml's marks, quotes excluded, a block header line skipped) is cut into tokens the
 * same way as the parsed value; when both token sequences are equal (any plain, literal or
 * folded scalar, and quoted ones without escapes) each item gets its raw token's position;
 * otherwise every item falls back to the scalar's position. An error about an item points
 * at that item's position.
 */
#include "sc_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sc_tok {
    size_t off, len;
} sc_tok;

/* The next token of s[0..len) from *pos: false at the end. */
static bool sc_tok_next(const char *s, size_t len, size_t *pos, sc_tok *t)
{
    size_t i = *pos;
    while (i < len && (s[i] == ' ' || s[i] == '\n'))
        i++;
    if (i >= len)
        return false;
    t->off = i;
    while (i < len && s[i] != ' ' && s[i] != '\n')
        i++;
    t->len = i - t->off;
    *pos = i;
    return true;
}

/* Fills offs[i] with the byte offset in the file of value token i (n of them), or with the
 * scalar's position for all when the raw text does not line up with the value. */
static void sc_items_locate(const sc_text *t, const sc_node *n, uint32_t *offs, size_t count)
{
    const char *raw = t->buf + n->vstart;
    size_t rlen = n->vend - n->vstart, rpos = 0, vpos = 0, i = 0;
    if ((n->style == SC_STYLE_LITERAL || n->style == SC_STYLE_FOLDED) && rlen > 0 &&
        (raw[0] == '|' || raw[0] == '>')) {
        const char *nl = memchr(raw, '\n', rlen);
        rpos = nl ? (size_t)(nl - raw) + 1 : rlen;
    }
    sc_tok vt, rt;
    for (; i < count && sc_tok_next(n->str, n->len, &vpos, &vt); i++) {
        if (!sc_tok_next(raw, rlen, &rpos, &rt) || rt.len != vt.len ||
            memcmp(raw + rt.off, n->str + vt.off, vt.len) != 0)
            break;
        offs[i] = (uint32_t)(n->vstart + rt.off);
    }
    if (i == count && !sc_tok_next(raw, rlen, &rpos, &rt))
        return;
    for (i = 0; i < count; i++)
        offs[i] = n->at;
}

/* Reads decimal digits s[0..len) into *v; false when empty, not digits, or too large. */
static bool sc_digits(const char *s, size_t len, uint64_t *v)
{
    *v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (*v > (UINT64_MAX - d) / 10)
            return false;
        *v = *v * 10 + d;
    }
    return true;
}

static bool sc_all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return len > 0;
}

typedef struct sc_items_job {
    const sc_ctx *cx;
    scenario *sc;
    uint64_t *eop;          /* channels that have seen their eop */
    sc_cursor cur;
} sc_items_job;

static int sc_item_fail(sc_items_job *j, uint32_t off, const char *tok, size_t len,
                        const char *what, const char *arg)
{
    char shown[SC_SHOW_MAX * 4 + 8];
    sc_show(shown, sizeof shown, tok, len);
    sc_err_at(j->cx->err, j->cx->text, off, "item '%s'%s%s", shown, what, arg ? arg : "");
    return -1;
}

/* Parses the part after "C:" into *it. 0, or -1 with the message made. */
static int sc_item_body(sc_items_job *j, uint32_t off, const char *tok, size_t len,
                        const char *b, size_t blen, sc_item *it)
{
    static const char *malformed = " is malformed (expected C:d, C:d/N, C:bK, C:xK, C:eop or wait)";
    char range[96];
    if (blen == 3 && memcmp(b, "eop", 3) == 0) {
        it->kind = BS_EOP;
        return 0;
    }
    if (blen >= 1 && b[0] == 'd' && (blen == 1 || b[1] == '/')) {
        uint64_t n = SC_DATA_BYTES_DEFAULT;
        if (blen > 1 && !sc_all_digits(b + 2, blen - 2))
            return sc_item_fail(j, off, tok, len, malformed, NULL);
        bool fits = blen == 1 || sc_digits(b + 2, blen - 2, &n);
        it->kind = BS_DATA;
        it->len = (uint32_t)n;
        if (fits && n >= SC_DATA_BYTES_MIN && n <= j->sc->page_size)
            return 0;
        snprintf(range, sizeof range, " (%u..%u)", SC_DATA_BYTES_MIN, j->sc->page_size);
        return sc_item_fail(j, off, tok, len, ": size is out of range", range);
    }
    if (blen >= 2 && (b[0] == 'b' || b[0] == 'x') && sc_all_digits(b + 1, blen - 1)) {
        it->kind = b[0] == 'b' ? BS_BARRIER : BS_CANCEL;
        if (sc_digits(b + 1, blen - 1, &it->id) && it->id >= 1)
            return 0;
        snprintf(range, sizeof range, " (1..%" PRIu64 ")", UINT64_MAX);
        const char *what = b[0] == 'b' ? ": barrier id is out of range"
                                       : ": cancel id is out of range";
        return sc_item_fail(j, off, tok, len, what, range);
    }
    return sc_item_fail(j, off, tok, len, malformed, NULL);
}

static int sc_item_parse(sc_items_job *j, uint32_t off, const char *tok, size_t len, sc_item *it)
{
    if (len == 4 && memcmp(tok, "wait", 4) == 0) {
        it->wait = true;
        it->kind = BS_DATA;
        it->pos = sc_text_pos_next(j->cx->text, &j->cur, off);
        return 0;
    }
    const char *colon = memchr(tok, ':', len);
    size_t clen = colon ? (size_t)(colon - tok) : 0;
    if (!colon || !sc_all_digits(tok, clen))
        return sc_item_fail(j, off, tok, len,
                            " is malformed (expected C:d, C:d/N, C:bK, C:xK, C:eop or wait)", NULL);
    if (sc_item_body(j, off, tok, len, colon + 1, len - clen - 1, it) != 0)
        return -1;
    uint64_t c = 0;
    if (!sc_digits(tok, clen, &c) || c >= j->sc->channels) {
        char range[64];
        snprintf(range, sizeof range, " (0..%u)", j->sc->channels - 1);
        return sc_item_fail(j, off, tok, len, ": channel is out of range", range);
    }
    it->channel = (uint32_t)c;
    if (bs_chanset_has(j->eop, it->channel)) {
        char shown[SC_SHOW_MAX * 4 + 8];
        sc_show(shown, sizeof shown, tok, len);
        sc_err_at(j->cx->err, j->cx->text, off, "item '%s' comes after channel %u's eop", shown,
                  it->channel);
        return -1;
    }
    if (it->kind == BS_EOP)
        bs_chanset_add(j->eop, it->channel);
    it->pos = sc_text_pos_next(j->cx->text, &j->cur, off);
    return 0;
}

static size_t sc_items_count(const sc_node *n)
{
    size_t count = 0, pos = 0;
    sc_tok t;
    while (count <= SC_ITEMS_MAX && sc_tok_next(n->str, n->len, &pos, &t))
        count++;
    return count;
}

/* Parses every item of the value; offs holds their file offsets. */
static int sc_items_parse(sc_items_job *j, const sc_node *n, const uint32_t *offs, size_t count)
{
    size_t pos = 0;
    sc_tok t;
    for (size_t i = 0; i < count && sc_tok_next(n->str, n->len, &pos, &t); i++) {
        if (sc_item_parse(j, offs[i], n->str + t.off, t.len, &j->sc->items[i]) != 0)
            return -1;
        j->sc->items_len++;
    }
    return 0;
}

int sc_items_load(const sc_ctx *cx, uint32_t node, scenario *sc)
{
    const char *s;
    if (sc_get_str(cx, node, "input", true, &s, NULL) != 0)
        return -1;
    const sc_node *n = sc_node_at(cx, node);
    size_t count = sc_items_count(n);
    if (count > SC_ITEMS_MAX) {
        sc_err_at(cx->err, cx->text, n->at, "input: more than %u items", SC_ITEMS_MAX);
        return -1;
    }
    if (count == 0)
        return 0;
    int rc = -1;
    sc_items_job j = {.cx = cx, .sc = sc};
    uint32_t *offs = malloc(count * sizeof *offs);
    j.eop = calloc(bs_chanset_words(sc->channels), sizeof *j.eop);
    sc->items = calloc(count, sizeof *sc->items);
    if (!offs || !j.eop || !sc->items) {
        sc_err_at(cx->err, cx->text, n->at, "out of memory");
        goto out_free;
    }
    sc_items_locate(cx->text, n, offs, count);
    rc = sc_items_parse(&j, n, offs, count);
out_free:
    free(offs);
    free(j.eop);
    return rc;
}
