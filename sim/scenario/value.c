/*
 * value.c: reading typed values out of YAML scalars, with messages that say what was
 * expected and what was found.
 *
 * Contract: a plain scalar is typed as YAML 1.2's core schema would (null, boolean,
 * integer, float, else string); a quoted or block scalar is always a string. Integers are
 * decimal, 0x hex or 0o octal, optionally signed; anything out of min..max (negative or
 * beyond uint64 included) is "key: <as written> is out of range (min..max)". A string read
 * with sc_get_str is any non-null scalar holding valid UTF-8 and no control characters (LF
 * only when multiline). Every failure fills cx->err at the value and returns -1. User text
 * quoted in messages goes through sc_show: bounded and free of control characters.
 */
#include "sc_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const sc_node *sc_node_at(const sc_ctx *cx, uint32_t i)
{
    static char empty[1];
    static const sc_node none = {.kind = SC_NODE_SCALAR, .str = empty, .first = SC_NONE,
                                 .next = SC_NONE};
    if (i >= cx->tree->len)
        return &none;
    return &cx->tree->nodes[i];
}

static bool sc_is_one_of(const char *s, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

static size_t sc_span(const char *s, const char *set)
{
    return strspn(s, set);
}

static bool sc_plain_is_int(const char *s)
{
    if (s[0] == '0' && s[1] == 'x')
        return s[2] && s[2 + sc_span(s + 2, "0123456789abcdefABCDEF")] == '\0';
    if (s[0] == '0' && s[1] == 'o')
        return s[2] && s[2 + sc_span(s + 2, "01234567")] == '\0';
    if (*s == '-' || *s == '+')
        s++;
    return *s && s[sc_span(s, "0123456789")] == '\0';
}

static bool sc_plain_is_float(const char *s)
{
    static const char *const special[] = {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", NULL};
    if (*s == '-' || *s == '+')
        s++;
    if (sc_is_one_of(s, special))
        return true;
    size_t whole = sc_span(s, "0123456789");
    s += whole;
    size_t frac = 0;
    if (*s == '.') {
        frac = sc_span(s + 1, "0123456789");
        s += 1 + frac;
    } else if (whole == 0) {
        return false;
    }
    if (whole == 0 && frac == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        size_t exp = sc_span(s, "0123456789");
        if (exp == 0)
            return false;
        s += exp;
    }
    return *s == '\0';
}

sc_vtype sc_node_vtype(const sc_node *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
    if (n->kind == SC_NODE_MAP)
        return SC_V_MAP;
    if (n->kind == SC_NODE_SEQ)
        return SC_V_SEQ;
    if (n->style != SC_STYLE_PLAIN || strlen(n->str) != n->len)
        return SC_V_STRING;
    if (sc_is_one_of(n->str, nulls))
        return SC_V_NULL;
    if (sc_is_one_of(n->str, bools))
        return SC_V_BOOL;
    if (sc_plain_is_int(n->str))
        return SC_V_INT;
    return sc_plain_is_float(n->str) ? SC_V_FLOAT : SC_V_STRING;
}

const char *sc_vtype_name(sc_vtype v)
{
    static const char *const names[] = {"null", "a boolean", "an integer", "a float", "a string",
                                        "a sequence", "a mapping"};
    return (size_t)v < sizeof names / sizeof names[0] ? names[v] : "something else";
}

static void sc_copy_clean(char *dst, size_t cap, const char *s, size_t len, size_t max_chars)
{
    size_t o = 0, chars = 0, i = 0;
    for (; i < len && chars < max_chars; chars++) {
        size_t n = 1;
        while (i + n < len && ((uint8_t)s[i + n] & 0xC0) == 0x80 && n < 4)
            n++;
        if (o + n + 4 >= cap)
            break;
        uint8_t c0 = (uint8_t)s[i], c1 = n > 1 ? (uint8_t)s[i + 1] : 0;
        bool ctl = c0 < 0x20 || c0 == 0x7F || (c0 == 0xC2 && c1 >= 0x80 && c1 <= 0x9F);
        if (ctl || ((uint8_t)s[i] >= 0x80 && n == 1)) {
            dst[o++] = '?';
        } else {
            memcpy(dst + o, s + i, n);
            o += n;
        }
        i += n;
    }
    if (i < len && o + 3 < cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    if (cap > 0)
        dst[o < cap ? o : cap - 1] = '\0';
}

void sc_show(char *dst, size_t cap, const char *s, size_t len)
{
    sc_copy_clean(dst, cap, s, len, SC_SHOW_MAX);
}

void sc_sanitize(char *dst, size_t cap, const char *s, size_t len)
{
    sc_copy_clean(dst, cap, s, len, SIZE_MAX);
}

int sc_type_error(const sc_ctx *cx, uint32_t node, const char *key, const char *want)
{
    const sc_node *n = sc_node_at(cx, node);
    sc_err_at(cx->err, cx->text, n->at, "%s: expected %s, got %s", key, want,
              sc_vtype_name(sc_node_vtype(n)));
    return -1;
}

/* Parses a core-schema integer; false when negative or beyond uint64. */
static bool sc_parse_u64(const char *s, uint64_t *out)
{
    unsigned base = 10;
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o'))
        base = s[1] == 'x' ? 16 : 8, s += 2;
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d = *s <= '9' ? (unsigned)(*s - '0') : (unsigned)((*s | 0x20) - 'a' + 10);
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return !neg || v == 0;
}

int sc_get_u64(const sc_ctx *cx, uint32_t node, const char *key, uint64_t min, uint64_t max,
               uint64_t *out)
{
    const sc_node *n = sc_node_at(cx, node);
    if (sc_node_vtype(n) != SC_V_INT)
        return sc_type_error(cx, node, key, "an integer");
    uint64_t v = 0;
    if (sc_parse_u64(n->str, &v) && v >= min && v <= max) {
        *out = v;
        return 0;
    }
    char shown[SC_SHOW_MAX * 4 + 8];
    sc_show(shown, sizeof shown, n->str, n->len);
    if (max == UINT64_MAX)
        sc_err_at(cx->err, cx->text, n->at, "%s: %s is out of range (at least %" PRIu64 ")", key,
                  shown, min);
    else
        sc_err_at(cx->err, cx->text, n->at, "%s: %s is out of range (%" PRIu64 "..%" PRIu64 ")",
                  key, shown, min, max);
    return -1;
}

int sc_get_str(const sc_ctx *cx, uint32_t node, const char *key, bool multiline,
               const char **out, size_t *len)
{
    const sc_node *n = sc_node_at(cx, node);
    sc_vtype v = sc_node_vtype(n);
    if (v == SC_V_NULL || v == SC_V_MAP || v == SC_V_SEQ)
        return sc_type_error(cx, node, key, "a string");
    const char *why = sc_string_problem(n->str, n->len, multiline);
    if (why) {
        sc_err_at(cx->err, cx->text, n->at, "%s: the text contains %s", key, why);
        return -1;
    }
    *out = n->str;
    if (len)
        *len = n->len;
    return 0;
}
