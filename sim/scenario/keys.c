/*
 * keys.c: the keys of a YAML mapping checked against what that mapping allows, and
 * "did you mean" suggestions for any misspelt name (keys, strategies, calls, errno names).
 *
 * Contract: sc_map_keys reports the first problem in document order: a key that is not a
 * scalar, an unknown key (with the closest allowed key when it is a likely typo, else the
 * list of allowed keys), a duplicate (at the second occurrence); then the first missing
 * required key, at the mapping. Suggestions use the optimal string alignment distance
 * (insert, delete, substitute, swap two neighbours), ignoring ASCII case, and are offered
 * only within max(1, min(2, len/3)) edits of the candidate.
 */
#include "sc_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SC_WORD_MAX 64u   /* longer words get no suggestion */
#define SC_KEYS_MAX 16u   /* keys a mapping may allow */

unsigned sc_edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen > SC_WORD_MAX || blen > SC_WORD_MAX)
        return 255;
    unsigned rows[3][SC_WORD_MAX + 1]; /* row i lives in rows[i % 3] */
    for (size_t j = 0; j <= blen; j++)
        rows[0][j] = (unsigned)j;
    for (size_t i = 1; i <= alen; i++) {
        unsigned *c = rows[i % 3], *p = rows[(i - 1) % 3], *pp = rows[(i + 1) % 3];
        c[0] = (unsigned)i;
        for (size_t j = 1; j <= blen; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            unsigned best = p[j - 1] + (ca != cb);
            if (p[j] + 1 < best)
                best = p[j] + 1;
            if (c[j - 1] + 1 < best)
                best = c[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            c[j] = best;
        }
    }
    return rows[alen % 3][blen];
}

const char *sc_suggest(const char *word, size_t len, const char *const *cands, size_t n)
{
    const char *best = NULL;
    unsigned best_d = 255;
    for (size_t i = 0; i < n; i++) {
        size_t clen = strlen(cands[i]);
        unsigned d = sc_edit_distance(word, len, cands[i], clen);
        unsigned limit = clen / 3 < 1 ? 1 : clen / 3 > 2 ? 2 : (unsigned)(clen / 3);
        if (d <= limit && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

void sc_join(char *dst, size_t cap, const char *const *cands, size_t n)
{
    size_t o = 0;
    if (cap == 0)
        return;
    dst[0] = '\0';
    for (size_t i = 0; i < n && o < cap; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(dst + o, cap - o, "%s%s", sep, cands[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static int sc_key_unknown(const sc_ctx *cx, const sc_node *k, const sc_keyspec *keys, size_t n)
{
    const char *names[SC_KEYS_MAX];
    for (size_t i = 0; i < n && i < SC_KEYS_MAX; i++)
        names[i] = keys[i].name;
    size_t nn = n < SC_KEYS_MAX ? n : SC_KEYS_MAX;
    char shown[SC_SHOW_MAX * 4 + 8];
    sc_show(shown, sizeof shown, k->str, k->len);
    const char *best = sc_suggest(k->str, k->len, names, nn);
    if (best) {
        sc_err_at(cx->err, cx->text, k->at, "unknown key '%s' (did you mean '%s'?)", shown, best);
    } else {
        char list[256];
        sc_join(list, sizeof list, names, nn);
        sc_err_at(cx->err, cx->text, k->at, "unknown key '%s' (expected %s)", shown, list);
    }
    return -1;
}

/* Checks one pair; records its value under the key's slot. */
static int sc_map_key(const sc_ctx *cx, uint32_t key, uint32_t val, const sc_keyspec *keys,
                      size_t n, uint32_t *vals, uint32_t *keys_at)
{
    const sc_node *k = sc_node_at(cx, key);
    if (k->kind != SC_NODE_SCALAR) {
        sc_err_at(cx->err, cx->text, k->at, "a key must be a plain string, not %s",
                  sc_vtype_name(sc_node_vtype(k)));
        return -1;
    }
    size_t i = 0;
    while (i < n && !(strlen(keys[i].name) == k->len && memcmp(keys[i].name, k->str, k->len) == 0))
        i++;
    if (i == n)
        return sc_key_unknown(cx, k, keys, n);
    if (keys_at[i] != SC_NONE) {
        sc_pos first = sc_text_pos(cx->text, sc_node_at(cx, keys_at[i])->at);
        sc_err_at(cx->err, cx->text, k->at, "duplicate key '%s' (first given at %u:%u)",
                  keys[i].name, first.line, first.col);
        return -1;
    }
    keys_at[i] = key;
    vals[i] = val;
    return 0;
}

int sc_map_keys(const sc_ctx *cx, uint32_t map, const sc_keyspec *keys, size_t n,
                uint32_t *vals, uint32_t *keys_at)
{
    for (size_t i = 0; i < n; i++)
        vals[i] = keys_at[i] = SC_NONE;
    const sc_node *m = sc_node_at(cx, map);
    uint32_t k = m->first;
    for (uint32_t pairs = 0; k != SC_NONE && pairs < SC_NODES_MAX; pairs++) {
        uint32_t v = sc_node_at(cx, k)->next;
        if (sc_map_key(cx, k, v, keys, n, vals, keys_at) != 0)
            return -1;
        k = v == SC_NONE ? SC_NONE : sc_node_at(cx, v)->next;
    }
    for (size_t i = 0; i < n; i++) {
        if (keys[i].required && vals[i] == SC_NONE) {
            sc_err_at(cx->err, cx->text, m->at, "missing required key '%s'", keys[i].name);
            return -1;
        }
    }
    return 0;
}
