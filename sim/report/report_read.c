/*
 * report_read.c: reading a JSON report back, and merging reports (see report.h).
 * The reader is a cursor over the whole text: scalars are read where the shape expects
 * them; unknown keys' values are skipped by a bounded scan, never by recursion.
 */
#include "report.h"

#include "../../core/barriersim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_BYTES (64u << 20)
#define REPORT_DEPTH_MAX 32

typedef struct jcur {
    const char *s;
    size_t len, pos;
    const char *path;
    char *err;
    size_t err_len;
    bool failed;
} jcur;

static bool jfail(jcur *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool jfail(jcur *c, const char *fmt, ...)
{
    if (c->failed)
        return false;
    c->failed = true;
    int n = snprintf(c->err, c->err_len, "%s: byte %zu: ", c->path, c->pos);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < c->err_len)
        vsnprintf(c->err + n, c->err_len - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static void ws(jcur *c)
{
    while (c->pos < c->len && strchr(" \t\r\n", c->s[c->pos]) && c->s[c->pos])
        c->pos++;
}

static bool peek(jcur *c, char ch)
{
    ws(c);
    return c->pos < c->len && c->s[c->pos] == ch;
}

static bool eat(jcur *c, char ch)
{
    if (!peek(c, ch))
        return jfail(c, "expected '%c'", ch);
    c->pos++;
    return true;
}

static int hexval(char h)
{
    return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
}

/* A string into out (truncated to out_len - 1 bytes; \u escapes become UTF-8). */
static bool jstring(jcur *c, char *out, size_t out_len)
{
    if (!eat(c, '"'))
        return false;
    size_t n = 0;
    while (c->pos < c->len && c->s[c->pos] != '"') {
        unsigned char ch = (unsigned char)c->s[c->pos++];
        unsigned cp = ch;
        if (ch < 0x20)
            return jfail(c, "control character in a string");
        if (ch == '\\') {
            if (c->pos >= c->len)
                break;
            char e = c->s[c->pos++];
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *k = strchr(from, e);
            if (e == 'u') {
                cp = 0;
                for (int i = 0; i < 4; i++) {
                    int v = c->pos < c->len ? hexval(c->s[c->pos++]) : -1;
                    if (v < 0)
                        return jfail(c, "bad \\u escape");
                    cp = cp * 16 + (unsigned)v;
                }
            } else if (k && e) {
                cp = (unsigned char)to[k - from];
            } else {
                return jfail(c, "bad escape '\\%c'", e);
            }
        }
        char u[4];
        size_t un = 1;
        if (cp < 0x80) u[0] = (char)cp;
        else if (cp < 0x800) { u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3f)); un = 2; }
        else { u[0] = (char)(0xe0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3f)); u[2] = (char)(0x80 | (cp & 0x3f)); un = 3; }
        if (ch != '\\')
            u[0] = (char)ch, un = 1;
        for (size_t i = 0; i < un; i++)
            if (n + 1 < out_len)
                out[n++] = u[i];
    }
    if (c->pos >= c->len)
        return jfail(c, "unterminated string");
    c->pos++;
    if (out_len)
        out[n] = '\0';
    return true;
}

static bool ju64(jcur *c, uint64_t *out)
{
    ws(c);
    const char *p = c->s + c->pos;
    if (c->pos >= c->len || *p < '0' || *p > '9')
        return jfail(c, "expected a whole number");
    errno = 0;
    char *e;
    unsigned long long v = strtoull(p, &e, 10);
    if (errno || *e == '.' || *e == 'e' || *e == 'E')
        return jfail(c, "expected a whole number below 2^64");
    *out = v;
    c->pos += (size_t)(e - p);
    return true;
}

static bool jdouble(jcur *c, double *out)
{
    ws(c);
    char *e;
    errno = 0;
    double v = strtod(c->s + c->pos, &e);
    if (e == c->s + c->pos || errno)
        return jfail(c, "expected a number");
    *out = v;
    c->pos += (size_t)(e - (c->s + c->pos));
    return true;
}

static bool jbool(jcur *c, bool *out)
{
    ws(c);
    if (c->len - c->pos >= 4 && strncmp(c->s + c->pos, "true", 4) == 0) {
        c->pos += 4;
        *out = true;
    } else if (c->len - c->pos >= 5 && strncmp(c->s + c->pos, "false", 5) == 0) {
        c->pos += 5;
        *out = false;
    } else {
        return jfail(c, "expected true or false");
    }
    return true;
}

/* A bare scalar (number, true, false, null): its characters, at least one. */
static bool jscalar(jcur *c)
{
    size_t start = c->pos;
    while (c->pos < c->len && strchr("-+.0123456789eEtruefalsn", c->s[c->pos]) && c->s[c->pos])
        c->pos++;
    return c->pos > start || jfail(c, "expected a value");
}

/* Skips one value of any kind: strings are read, brackets counted (bounded depth). */
static bool jskip(jcur *c)
{
    ws(c);
    if (c->pos < c->len && c->s[c->pos] != '{' && c->s[c->pos] != '[') {
        char sink[1];
        return c->s[c->pos] == '"' ? jstring(c, sink, sizeof sink) : jscalar(c);
    }
    int depth = 0;
    do {
        ws(c);
        if (c->pos >= c->len)
            return jfail(c, "unexpected end");
        char ch = c->s[c->pos];
        if (ch == '"') {
            char sink[1];
            if (!jstring(c, sink, sizeof sink))
                return false;
        } else if (ch == '{' || ch == '[') {
            if (++depth > REPORT_DEPTH_MAX)
                return jfail(c, "nested deeper than %d", REPORT_DEPTH_MAX);
            c->pos++;
        } else if (ch == '}' || ch == ']') {
            depth--;
            c->pos++;
        } else if (ch == ',' || ch == ':') {
            c->pos++;
        } else if (!jscalar(c)) {
            return false;
        }
    } while (depth > 0);
    return true;
}

/* Iterates over an object's members: *key gets each key; returns false at the end. */
static bool jmember(jcur *c, bool *first, char *key, size_t key_len)
{
    if (c->failed)
        return false;
    if (peek(c, '}')) {
        c->pos++;
        return false;
    }
    if (!*first && !eat(c, ','))
        return false;
    *first = false;
    return jstring(c, key, key_len) && eat(c, ':');
}

static bool jelement(jcur *c, bool *first)
{
    if (c->failed)
        return false;
    if (peek(c, ']')) {
        c->pos++;
        return false;
    }
    if (!*first && !eat(c, ','))
        return false;
    *first = false;
    return true;
}

static bool read_totals(jcur *c, fuzz_totals *t)
{
    struct { const char *k; uint64_t *v; } f[] = {
        {"seeds", &t->seeds}, {"passed", &t->passed}, {"failed", &t->failed}, {"events", &t->events},
        {"checkpoints_started", &t->checkpoints_started}, {"checkpoints_completed", &t->checkpoints_completed},
        {"checkpoints_declined", &t->checkpoints_declined}, {"checkpoints_timed_out", &t->checkpoints_timed_out},
        {"checkpoints_abandoned", &t->checkpoints_abandoned},
        {"records_delivered", &t->records_delivered}, {"faults_fired", &t->faults_fired},
        {"restarts", &t->restarts},
    };
    if (!eat(c, '{'))
        return false;
    bool first = true;
    char key[64];
    while (jmember(c, &first, key, sizeof key)) {
        size_t i = 0;
        while (i < sizeof f / sizeof f[0] && strcmp(f[i].k, key) != 0)
            i++;
        if (i < sizeof f / sizeof f[0]) {
            ju64(c, f[i].v);
        } else if (strcmp(key, "hash_sum") == 0) {
            char hex[32];
            char *e;
            if (jstring(c, hex, sizeof hex)) {
                t->hash_sum = strtoull(hex, &e, 16);
                if (!hex[0] || *e)
                    jfail(c, "hash_sum: '%s' is not hexadecimal", hex);
            }
        } else {
            jskip(c);
        }
    }
    return !c->failed;
}

static bool read_failure(jcur *c, fuzz_report *r)
{
    fuzz_failure x;
    memset(&x, 0, sizeof x);
    if (!eat(c, '{'))
        return false;
    bool first = true, seed_seen = false;
    char key[64];
    while (jmember(c, &first, key, sizeof key)) {
        if (strcmp(key, "seed") == 0) seed_seen = ju64(c, &x.seed);
        else if (strcmp(key, "kind") == 0) jstring(c, x.kind, sizeof x.kind);
        else if (strcmp(key, "invariant") == 0) jstring(c, x.invariant, sizeof x.invariant);
        else if (strcmp(key, "message") == 0) jstring(c, x.message, sizeof x.message);
        else if (strcmp(key, "shrunk") == 0 && peek(c, '"')) jstring(c, x.shrunk, sizeof x.shrunk);
        else jskip(c);
    }
    if (c->failed)
        return false;
    if (!seed_seen)
        return jfail(c, "a failure without a seed");
    if (fuzz_report_add_failure(r, &x))
        return jfail(c, "out of memory");
    return true;
}

static bool read_array(jcur *c, fuzz_report *r, bool failures)
{
    if (!eat(c, '['))
        return false;
    bool first = true;
    while (jelement(c, &first)) {
        if (failures) {
            read_failure(c, r);
            continue;
        }
        uint64_t k;
        if (ju64(c, &k) && k >= FUZZ_SHARDS_MAX)
            return jfail(c, "shard index %llu too large", (unsigned long long)k);
        if (!c->failed)
            r->shard_bits[k / 64] |= 1ULL << (k % 64);
    }
    return !c->failed;
}

static bool read_member(jcur *c, fuzz_report *r, const char *key, bool *saw_format)
{
    uint64_t v;
    if (strcmp(key, "format") == 0) {
        char fmt[64];
        if (jstring(c, fmt, sizeof fmt) && strcmp(fmt, "barriersim-fuzz-1") != 0)
            return jfail(c, "format '%s' is not barriersim-fuzz-1", fmt);
        *saw_format = true;
    } else if (strcmp(key, "strategy") == 0) jstring(c, r->strategy, sizeof r->strategy);
    else if (strcmp(key, "seed_base") == 0) ju64(c, &r->seed_base);
    else if (strcmp(key, "seeds_requested") == 0) ju64(c, &r->seeds_requested);
    else if (strcmp(key, "seconds_requested") == 0) jdouble(c, &r->seconds_requested);
    else if (strcmp(key, "shards") == 0) {
        if (ju64(c, &v) && (v < 1 || v > FUZZ_SHARDS_MAX))
            return jfail(c, "shards must be 1 .. %d", FUZZ_SHARDS_MAX);
        r->shards = (uint32_t)v;
    } else if (strcmp(key, "shards_included") == 0) read_array(c, r, false);
    else if (strcmp(key, "check_determinism") == 0) jbool(c, &r->check_determinism);
    else if (strcmp(key, "max_events") == 0) ju64(c, &r->max_events);
    else if (strcmp(key, "faults") == 0) jstring(c, r->faults, sizeof r->faults);
    else if (strcmp(key, "plant") == 0) jstring(c, r->plant, sizeof r->plant);
    else if (strcmp(key, "network") == 0) jstring(c, r->network, sizeof r->network);
    else if (strcmp(key, "costs") == 0) jstring(c, r->costs, sizeof r->costs);
    else if (strcmp(key, "topology") == 0) jstring(c, r->topology, sizeof r->topology);
    else if (strcmp(key, "totals") == 0) read_totals(c, &r->totals);
    else if (strcmp(key, "seconds") == 0) jdouble(c, &r->totals.seconds);
    else if (strcmp(key, "failures_unlisted") == 0) ju64(c, &r->failures_unlisted);
    else if (strcmp(key, "failures") == 0) read_array(c, r, true);
    else jskip(c);
    return !c->failed;
}

static int parse_report(jcur *c, fuzz_report *r)
{
    bool saw_format = false, first = true;
    char key[64];
    if (!eat(c, '{'))
        return -1;
    while (jmember(c, &first, key, sizeof key))
        if (!read_member(c, r, key, &saw_format))
            return -1;
    if (c->failed)
        return -1;
    ws(c);
    if (c->pos != c->len)
        return jfail(c, "text after the report"), -1;
    if (!saw_format)
        return jfail(c, "no \"format\": not a barriersim fuzz report"), -1;
    if (!r->shards)
        return jfail(c, "no \"shards\""), -1;
    return 0;
}

uint32_t report_shards_covered(const fuzz_report *r)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < r->shards && k < FUZZ_SHARDS_MAX; k++)
        n += (uint32_t)(r->shard_bits[k / 64] >> (k % 64) & 1);
    return n;
}

static int merge_err(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int merge_err(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Seeds of [base, base + len) in the shards of `r` (each shard K: the s with s % N == K). */
static uint64_t report_seeds_expected(const fuzz_report *r)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < r->shards && k < FUZZ_SHARDS_MAX; k++) {
        uint64_t first;
        if (!(r->shard_bits[k / 64] >> (k % 64) & 1) || !fuzz_shard_first(r->seed_base, k, r->shards, &first) ||
            first - r->seed_base >= r->seeds_requested)
            continue;
        n += (r->seeds_requested - (first - r->seed_base) - 1) / r->shards + 1;
    }
    return n;
}

/* A report whose figures contradict each other (hand-edited, or truncated and patched)
 * must not be merged into a passing run. 0, or -1 with "path: what is inconsistent". */
static int report_check(const char *path, const fuzz_report *r, char *err, size_t err_len)
{
    const fuzz_totals *t = &r->totals;
    if (report_shards_covered(r) == 0)
        return merge_err(err, err_len, "%s: inconsistent: \"shards_included\" lists no shard", path);
    if (t->passed > t->seeds || t->failed != t->seeds - t->passed)
        return merge_err(err, err_len, "%s: inconsistent totals: %llu run, but %llu passed and %llu failed", path,
                         (unsigned long long)t->seeds, (unsigned long long)t->passed, (unsigned long long)t->failed);
    uint64_t seed_failures = 0;
    for (size_t i = 0; i < r->n_failures; i++) {
        const fuzz_failure *x = &r->failures[i];
        seed_failures += strcmp(x->kind, "leak") != 0;
        bool in_range = x->seed >= r->seed_base &&
                        (!r->seeds_requested || x->seed - r->seed_base < r->seeds_requested);
        uint32_t k = (uint32_t)(x->seed % r->shards);
        if (!in_range || !(r->shard_bits[k / 64] >> (k % 64) & 1))
            return merge_err(err, err_len, "%s: inconsistent: failing seed %llu is not one of the report's seeds",
                             path, (unsigned long long)x->seed);
    }
    if (seed_failures > t->failed || t->failed > r->n_failures + r->failures_unlisted)
        return merge_err(err, err_len, "%s: inconsistent: %llu failed, but %zu failures listed and %llu unlisted",
                         path, (unsigned long long)t->failed, r->n_failures,
                         (unsigned long long)r->failures_unlisted);
    if (r->seeds_requested) {
        uint64_t want = report_seeds_expected(r);
        bool timed = r->seconds_requested > 0; /* a time budget may end a run early */
        if (t->seeds > want || (!timed && t->seeds != want))
            return merge_err(err, err_len, "%s: inconsistent: %llu seeds run, but its shards of seeds %llu..%llu "
                             "hold %llu", path, (unsigned long long)t->seeds, (unsigned long long)r->seed_base,
                             (unsigned long long)(r->seed_base + r->seeds_requested - 1), (unsigned long long)want);
    }
    return 0;
}

int report_read_json(const char *path, fuzz_report *r, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(REPORT_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, REPORT_MAX_BYTES + 1, f) : 0;
    bool bad = !buf || ferror(f);
    fclose(f);
    int rc = -1;
    if (bad)
        snprintf(err, err_len, "%s: cannot read: %s", path, buf ? strerror(errno) : "out of memory");
    else if (n > REPORT_MAX_BYTES)
        snprintf(err, err_len, "%s: larger than %u bytes", path, REPORT_MAX_BYTES);
    else if (memchr(buf, '\0', n))
        snprintf(err, err_len, "%s: a NUL byte: not a JSON report", path);
    else {
        jcur c = {buf, n, 0, path, err, err_len, false};
        rc = parse_report(&c, r);
        if (rc == 0)
            rc = report_check(path, r, err, err_len);
    }
    free(buf);
    if (rc)
        fuzz_report_free(r);
    return rc;
}

/* ---- merging ------------------------------------------------------------------------- */

int report_merge(fuzz_report *dst, const fuzz_report *src, char *err, size_t err_len)
{
    if (!dst->shards) {
        fuzz_failure *keep = dst->failures;
        size_t n = dst->n_failures, cap = dst->cap_failures;
        *dst = *src;
        dst->failures = keep;
        dst->n_failures = n;
        dst->cap_failures = cap;
        dst->failures_unlisted = 0;
        memset(&dst->totals, 0, sizeof dst->totals);
        memset(dst->shard_bits, 0, sizeof dst->shard_bits);
    } else if (strcmp(dst->strategy, src->strategy) || dst->seed_base != src->seed_base ||
               dst->seeds_requested != src->seeds_requested || dst->shards != src->shards ||
               dst->check_determinism != src->check_determinism || dst->max_events != src->max_events ||
               strcmp(dst->faults, src->faults) || strcmp(dst->plant, src->plant) ||
               strcmp(dst->network[0] ? dst->network : "records", src->network[0] ? src->network : "records") ||
               strcmp(dst->costs[0] ? dst->costs : "off", src->costs[0] ? src->costs : "off") ||
               strcmp(dst->topology[0] ? dst->topology : "chain", src->topology[0] ? src->topology : "chain")) {
        return merge_err(err, err_len,
                         "not shards of one run: strategy %s/%s, seed base %llu/%llu, seeds %llu/%llu, "
                         "shards %u/%u, determinism check %d/%d",
                         dst->strategy, src->strategy, (unsigned long long)dst->seed_base,
                         (unsigned long long)src->seed_base, (unsigned long long)dst->seeds_requested,
                         (unsigned long long)src->seeds_requested, dst->shards, src->shards,
                         dst->check_determinism, src->check_determinism);
    }
    for (int i = 0; i < 64; i++) {
        if (dst->shard_bits[i] & src->shard_bits[i])
            return merge_err(err, err_len, "shard %d is given twice",
                             i * 64 + __builtin_ctzll(dst->shard_bits[i] & src->shard_bits[i]));
        dst->shard_bits[i] |= src->shard_bits[i];
    }
    fuzz_totals *a = &dst->totals;
    const fuzz_totals *b = &src->totals;
    a->seeds += b->seeds;
    a->passed += b->passed;
    a->failed += b->failed;
    a->events += b->events;
    a->checkpoints_started += b->checkpoints_started;
    a->checkpoints_completed += b->checkpoints_completed;
    a->checkpoints_declined += b->checkpoints_declined;
    a->checkpoints_timed_out += b->checkpoints_timed_out;
    a->checkpoints_abandoned += b->checkpoints_abandoned;
    a->records_delivered += b->records_delivered;
    a->faults_fired += b->faults_fired;
    a->restarts += b->restarts;
    a->hash_sum += b->hash_sum;
    a->seconds += b->seconds;
    dst->failures_unlisted += src->failures_unlisted;
    for (size_t i = 0; i < src->n_failures; i++)
        if (fuzz_report_add_failure(dst, &src->failures[i]))
            return BS_ENOMEM;
    return 0;
}
