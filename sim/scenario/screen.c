/*
 * screen.c: the first look at a scenario file's bytes, before any parser sees them.
 *
 * Contract: sc_screen accepts at most SC_FILE_BYTES_MAX bytes of valid UTF-8 (no overlong
 * forms, no surrogates, nothing above U+10FFFF) holding no NUL, no tab, no control
 * character but LF (CRLF is folded to LF, a lone CR is an error), no byte order mark but a
 * leading UTF-8 one (stripped), and no U+2028/U+2029 (parsers disagree on whether they end
 * a line). The first offence is reported at its line:col in the file. Folding CRLF and
 * stripping the BOM change no line or column, so positions in the screened text are
 * positions in the file. Also here: byte offset -> line:col, and error formatting.
 */
#include "sc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum sc_bad {
    SC_BAD_NONE, SC_BAD_CONT, SC_BAD_BYTE, SC_BAD_TRUNC, SC_BAD_OVERLONG, SC_BAD_SURROGATE,
    SC_BAD_RANGE, SC_BAD_NUL, SC_BAD_TAB, SC_BAD_CR, SC_BAD_BOM, SC_BAD_LSEP, SC_BAD_NONCHAR,
    SC_BAD_CONTROL,
} sc_bad;

/* Decodes one UTF-8 sequence at b[0..avail). Returns its length, or 0 with *bad set. */
static size_t sc_utf8_decode(const uint8_t *b, size_t avail, uint32_t *cp, sc_bad *bad)
{
    static const uint8_t need[8] = {1, 1, 1, 1, 1, 1, 2, 3}; /* by b0 >> 4 & 7, b0 >= 0xC0 */
    static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
    uint8_t b0 = b[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 < 0xC0 || b0 > 0xF4) {
        *bad = b0 < 0xC0 ? SC_BAD_CONT : SC_BAD_BYTE;
        return 0;
    }
    size_t extra = b0 >= 0xF0 ? 3 : need[(b0 >> 4) & 7];
    uint32_t v = b0 & (0x3Fu >> extra);
    for (size_t k = 1; k <= extra; k++) {
        if (k >= avail || (b[k] & 0xC0) != 0x80) {
            *bad = SC_BAD_TRUNC;
            return 0;
        }
        v = (v << 6) | (b[k] & 0x3Fu);
    }
    *bad = v < min[extra] ? SC_BAD_OVERLONG
         : (v >= 0xD800 && v <= 0xDFFF) ? SC_BAD_SURROGATE
         : v > 0x10FFFF ? SC_BAD_RANGE : SC_BAD_NONE;
    *cp = v;
    return *bad == SC_BAD_NONE ? extra + 1 : 0;
}

/* Why code point cp (followed by byte `next`, or -1 at the end) is refused. */
static sc_bad sc_screen_refuse(uint32_t cp, int next)
{
    if (cp == 0)
        return SC_BAD_NUL;
    if (cp == '\t')
        return SC_BAD_TAB;
    if (cp == '\r')
        return next == '\n' ? SC_BAD_NONE : SC_BAD_CR;
    if (cp == 0xFEFF)
        return SC_BAD_BOM;
    if (cp == 0x2028 || cp == 0x2029)
        return SC_BAD_LSEP;
    if (cp == 0xFFFE || cp == 0xFFFF)
        return SC_BAD_NONCHAR;
    if ((cp < 0x20 && cp != '\n') || (cp >= 0x7F && cp <= 0x9F))
        return SC_BAD_CONTROL;
    return SC_BAD_NONE;
}

/* Messages by reason: text, then the byte ('b'), the code point ('u') or nothing, then text. */
static const struct {
    const char *pre;
    char arg;
    const char *post;
} sc_bad_text[] = {
    [SC_BAD_CONT] = {"invalid UTF-8 (unexpected continuation byte ", 'b', ")"},
    [SC_BAD_BYTE] = {"invalid UTF-8 (byte ", 'b', " never appears in UTF-8)"},
    [SC_BAD_TRUNC] = {"invalid UTF-8 (incomplete sequence starting with byte ", 'b', ")"},
    [SC_BAD_OVERLONG] = {"invalid UTF-8 (overlong encoding starting with byte ", 'b', ")"},
    [SC_BAD_SURROGATE] = {"invalid UTF-8 (encoded surrogate ", 'u', ")"},
    [SC_BAD_RANGE] = {"invalid UTF-8 (code point above U+10FFFF)", 0, ""},
    [SC_BAD_NUL] = {"NUL byte", 0, ""},
    [SC_BAD_TAB] = {"tab character (use spaces to indent)", 0, ""},
    [SC_BAD_CR] = {"carriage return without a line feed (use LF or CRLF line endings)", 0, ""},
    [SC_BAD_BOM] = {"byte order mark (U+FEFF) after the start of the file", 0, ""},
    [SC_BAD_LSEP] = {"Unicode line separator ", 'u', " (use LF)"},
    [SC_BAD_NONCHAR] = {"Unicode non-character ", 'u', ""},
    [SC_BAD_CONTROL] = {"control character ", 'u', ""},
};

static void sc_screen_fail(sc_err *err, sc_pos pos, sc_bad bad, uint8_t byte, uint32_t cp)
{
    const char *pre = sc_bad_text[bad].pre, *post = sc_bad_text[bad].post;
    if (sc_bad_text[bad].arg == 'b')
        sc_err_set(err, pos, "%s0x%02X%s", pre, byte, post);
    else if (sc_bad_text[bad].arg == 'u')
        sc_err_set(err, pos, "%sU+%04X%s", pre, (unsigned)cp, post);
    else
        sc_err_set(err, pos, "%s%s", pre, post);
}

static int sc_screen_index(sc_text *t)
{
    size_t lines = 1;
    for (size_t i = 0; i < t->len; i++)
        lines += t->buf[i] == '\n';
    t->line_starts = malloc(lines * sizeof *t->line_starts);
    if (!t->line_starts)
        return -1;
    size_t k = 0;
    t->line_starts[k++] = 0;
    for (size_t i = 0; i < t->len && k < lines; i++)
        if (t->buf[i] == '\n')
            t->line_starts[k++] = (uint32_t)(i + 1);
    t->lines = k;
    return 0;
}

/* Copies the body, checking every code point. 0, or -1 with *err. */
static int sc_screen_copy(const uint8_t *b, size_t len, sc_text *t, sc_err *err)
{
    sc_pos pos = {1, 1};
    size_t i = 0;
    while (i < len) {
        uint32_t cp = 0;
        sc_bad bad = SC_BAD_NONE;
        size_t n = sc_utf8_decode(b + i, len - i, &cp, &bad);
        if (n != 0)
            bad = sc_screen_refuse(cp, i + 1 < len ? b[i + 1] : -1);
        if (bad != SC_BAD_NONE) {
            sc_screen_fail(err, pos, bad, b[i], cp);
            return -1;
        }
        if (cp != '\r') {
            memcpy(t->buf + t->len, b + i, n);
            t->len += n;
        }
        if (cp == '\n') {
            pos.line++;
            pos.col = 1;
        } else if (cp != '\r') {
            pos.col++;
        }
        i += n;
    }
    t->buf[t->len] = '\0';
    return 0;
}

int sc_screen(const uint8_t *bytes, size_t len, sc_text *out, sc_err *err)
{
    memset(out, 0, sizeof *out);
    sc_pos start = {1, 1};
    if (len > SC_FILE_BYTES_MAX) {
        sc_err_set(err, start, "the file is too large (%zu bytes; at most %u)", len,
                   (unsigned)SC_FILE_BYTES_MAX);
        return -1;
    }
    bool utf16 = len >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) ||
                              (bytes[0] == 0xFE && bytes[1] == 0xFF));
    if (utf16) {
        sc_err_set(err, start, "the file is UTF-16 or UTF-32 (byte order mark); save it as UTF-8");
        return -1;
    }
    if (len >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) {
        bytes += 3;
        len -= 3;
    }
    out->buf = malloc(len + 1);
    if (!out->buf) {
        sc_err_set(err, start, "out of memory");
        return -1;
    }
    if (sc_screen_copy(bytes, len, out, err) != 0)
        goto out_free;
    if (sc_screen_index(out) != 0) {
        sc_err_set(err, start, "out of memory");
        goto out_free;
    }
    return 0;
out_free:
    sc_text_free(out);
    return -1;
}

void sc_text_free(sc_text *t)
{
    free(t->buf);
    free(t->line_starts);
    memset(t, 0, sizeof *t);
}

static uint32_t sc_count_chars(const char *s, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((uint8_t)s[i] & 0xC0) != 0x80;
    return c;
}

sc_pos sc_text_pos(const sc_text *t, size_t off)
{
    sc_pos p = {1, 1};
    if (!t->line_starts || t->lines == 0)
        return p;
    if (off > t->len)
        off = t->len;
    size_t lo = 0, hi = t->lines; /* the answer is in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    p.line = (uint32_t)(lo + 1);
    p.col = 1 + sc_count_chars(t->buf + t->line_starts[lo], off - t->line_starts[lo]);
    return p;
}

sc_pos sc_text_pos_next(const sc_text *t, sc_cursor *cur, size_t off)
{
    if (off > t->len)
        off = t->len;
    if (!cur->valid || off < cur->off) {
        sc_pos p = sc_text_pos(t, off);
        *cur = (sc_cursor){.off = off, .line_idx = p.line - 1, .col = p.col, .valid = true};
        return p;
    }
    for (size_t i = cur->off; i < off; i++) {
        uint8_t c = (uint8_t)t->buf[i];
        if (c == '\n') {
            cur->line_idx++;
            cur->col = 1;
        } else if ((c & 0xC0) != 0x80) {
            cur->col++;
        }
    }
    cur->off = off;
    return (sc_pos){(uint32_t)cur->line_idx + 1, cur->col};
}

static void sc_err_vset(sc_err *e, sc_pos pos, const char *fmt, va_list ap) SC_PRINTF(3, 0);
static void sc_err_vset(sc_err *e, sc_pos pos, const char *fmt, va_list ap)
{
    e->pos = pos;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

void sc_err_set(sc_err *e, sc_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_err_vset(e, pos, fmt, ap);
    va_end(ap);
}

void sc_err_at(sc_err *e, const sc_text *t, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_err_vset(e, sc_text_pos(t, off), fmt, ap);
    va_end(ap);
}

const char *sc_string_problem(const char *s, size_t len, bool multiline)
{
    const uint8_t *b = (const uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp = 0;
        sc_bad bad = SC_BAD_NONE;
        size_t n = sc_utf8_decode(b + i, len - i, &cp, &bad);
        if (n == 0)
            return "invalid UTF-8";
        if (cp == '\n' && !multiline)
            return "a line break";
        bad = cp == '\n' ? SC_BAD_NONE : sc_screen_refuse(cp, i + 1 < len ? b[i + 1] : -1);
        if (cp == '\r' || bad == SC_BAD_CR)
            return "a carriage return";
        if (bad == SC_BAD_NUL)
            return "a NUL character";
        if (bad != SC_BAD_NONE)
            return "a control or non-printable character";
        i += n;
    }
    return NULL;
}
