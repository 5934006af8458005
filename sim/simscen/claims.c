/*
 * claims.c: the `study:` and `claims:` keys of a simulation scenario (simscen.h; the
 * format with examples is docs/compare.md). Runs in the loader's child like the rest of
 * the schema: every error is "line:col: what is wrong" at the offending node.
 *
 * Only the shape is checked here (types, ranges, operators, required keys); whether a
 * metric, strategy or key name exists is compare's to check (sim/compare/cmp_claims.c),
 * with the positions recorded here, because the metric table lives above this module.
 */
#include "ss_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static simscen_pos ss_pos(const sc_ctx *cx, uint32_t node)
{
    sc_pos p = sc_text_pos(cx->text, sc_node_at(cx, node)->at);
    return (simscen_pos){p.line, p.col};
}

static int ss_copy(const sc_ctx *cx, uint32_t node, const char *key, bool multiline, char *dst, size_t cap)
{
    const char *s;
    size_t len;
    if (sc_get_str(cx, node, key, multiline, &s, &len) != 0)
        return -1;
    if (len == 0 || len >= cap) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at, "%s: %s (at most %zu characters)", key,
                  len == 0 ? "is empty" : "is too long", cap - 1);
        return -1;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

/* A sequence node: its children into kids (at most max). */
static int ss_seq(const sc_ctx *cx, uint32_t node, const char *key, uint32_t max, uint32_t *kids, uint32_t *n)
{
    const sc_node *seq = sc_node_at(cx, node);
    if (seq->kind != SC_NODE_SEQ)
        return sc_type_error(cx, node, key, "a sequence");
    if (seq->count == 0 || seq->count > max) {
        sc_err_at(cx->err, cx->text, seq->at, "%s: %s (1 .. %u entries)", key, seq->count ? "too many" : "is empty",
                  max);
        return -1;
    }
    *n = 0;
    for (uint32_t e = seq->first; e != SC_NONE && *n < seq->count; e = sc_node_at(cx, e)->next)
        kids[(*n)++] = e;
    return 0;
}

/* A mapping's pairs in order: key nodes and value nodes (at most max). */
static int ss_pairs(const sc_ctx *cx, uint32_t node, const char *key, uint32_t max, uint32_t *keys, uint32_t *vals,
                    uint32_t *n)
{
    const sc_node *m = sc_node_at(cx, node);
    if (m->kind != SC_NODE_MAP)
        return sc_type_error(cx, node, key, "a mapping");
    *n = 0;
    for (uint32_t k = m->first; k != SC_NONE; k = sc_node_at(cx, sc_node_at(cx, k)->next)->next) {
        uint32_t v = sc_node_at(cx, k)->next;
        if (*n == max) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, k)->at, "%s: at most %u keys", key, max);
            return -1;
        }
        if (sc_node_at(cx, k)->kind != SC_NODE_SCALAR)
            return sc_type_error(cx, k, key, "a mapping with scalar keys");
        for (uint32_t i = 0; i < *n; i++)
            if (strcmp(sc_node_at(cx, keys[i])->str, sc_node_at(cx, k)->str) == 0) {
                sc_err_at(cx->err, cx->text, sc_node_at(cx, k)->at, "%s: key '%s' is given twice", key,
                          sc_node_at(cx, k)->str);
                return -1;
            }
        keys[*n] = k;
        vals[(*n)++] = v;
        if (v == SC_NONE)
            break;
    }
    return 0;
}

static int ss_key_name(const sc_ctx *cx, uint32_t k, char *dst, size_t cap)
{
    const sc_node *n = sc_node_at(cx, k);
    if (n->len == 0 || n->len >= cap) {
        sc_err_at(cx->err, cx->text, n->at, "'%.40s': not a simulation key", n->str);
        return -1;
    }
    memcpy(dst, n->str, n->len + 1);
    return 0;
}

/* ---- study ---------------------------------------------------------------------------- */
static int ss_study_sweep(const sc_ctx *cx, uint32_t node, simscen_study *st)
{
    uint32_t keys[SIMSCEN_STUDY_SWEEPS_MAX], vals[SIMSCEN_STUDY_SWEEPS_MAX];
    if (ss_pairs(cx, node, "sweep", SIMSCEN_STUDY_SWEEPS_MAX, keys, vals, &st->n_sweeps) != 0)
        return -1;
    for (uint32_t i = 0; i < st->n_sweeps; i++) {
        uint32_t kids[SIMSCEN_STUDY_VALUES_MAX], n = 0;
        if (ss_key_name(cx, keys[i], st->sweep_key[i], sizeof st->sweep_key[i]) != 0 ||
            ss_seq(cx, vals[i], st->sweep_key[i], SIMSCEN_STUDY_VALUES_MAX, kids, &n) != 0)
            return -1;
        st->sweep_pos[i] = ss_pos(cx, keys[i]);
        for (uint32_t j = 0; j < n; j++)
            if (sc_get_u64(cx, kids[j], st->sweep_key[i], 0, UINT64_MAX, &st->values[i][j]) != 0)
                return -1;
        st->n_values[i] = n;
    }
    return 0;
}

int ss_study(const sc_ctx *cx, uint32_t node, simscen *sc)
{
    enum { K_STRAT, K_SEEDS, K_WARMUP, K_COOLDOWN, K_SWEEP, K_N };
    static const sc_keyspec keys[K_N] = {
        {"strategies", false}, {"seeds", false}, {"warmup", false}, {"cooldown", false}, {"sweep", false}};
    uint32_t v[K_N];
    simscen_study *st = &sc->study;
    if (node == SC_NONE)
        return 0;
    if (ss_map(cx, node, "study", keys, K_N, v) != 0)
        return -1;
    st->given = true;
    if (v[K_STRAT] != SC_NONE) {
        uint32_t kids[SIMSCEN_STUDY_STRATEGIES_MAX];
        if (ss_seq(cx, v[K_STRAT], "strategies", SIMSCEN_STUDY_STRATEGIES_MAX, kids, &st->n_strategies) != 0)
            return -1;
        for (uint32_t i = 0; i < st->n_strategies; i++)
            if (ss_copy(cx, kids[i], "strategies", false, st->strategies[i], sizeof st->strategies[i]) != 0)
                return -1;
    }
    if (ss_u64(cx, v[K_SEEDS], "seeds", 1, 1000, &st->seeds) != 0)
        return -1;
    if (v[K_WARMUP] != SC_NONE) {
        if (ss_duration(cx, v[K_WARMUP], "warmup", &st->warmup_ns) != 0)
            return -1;
        st->warmup_given = true;
    }
    if (v[K_COOLDOWN] != SC_NONE) {
        if (ss_duration(cx, v[K_COOLDOWN], "cooldown", &st->cooldown_ns) != 0)
            return -1;
        st->cooldown_given = true;
    }
    return v[K_SWEEP] != SC_NONE ? ss_study_sweep(cx, v[K_SWEEP], st) : 0;
}

/* ---- claims --------------------------------------------------------------------------- */
static int ss_at(const sc_ctx *cx, uint32_t node, simscen_side *side)
{
    uint32_t keys[SIMSCEN_AT_MAX], vals[SIMSCEN_AT_MAX];
    if (node == SC_NONE)
        return 0;
    if (ss_pairs(cx, node, "at", SIMSCEN_AT_MAX, keys, vals, &side->n_at) != 0)
        return -1;
    for (uint32_t i = 0; i < side->n_at; i++) {
        simscen_at *a = &side->at[i];
        if (ss_key_name(cx, keys[i], a->key, sizeof a->key) != 0 ||
            sc_get_u64(cx, vals[i], a->key, 0, UINT64_MAX, &a->value) != 0)
            return -1;
        a->pos = ss_pos(cx, keys[i]);
    }
    return 0;
}

static int ss_side(const sc_ctx *cx, uint32_t strat, uint32_t at, simscen_side *side)
{
    if (strat != SC_NONE) {
        if (ss_copy(cx, strat, "strategy", false, side->strategy, sizeof side->strategy) != 0)
            return -1;
        side->strategy_pos = ss_pos(cx, strat);
    }
    return ss_at(cx, at, side);
}

/* holds-if: "OP NUMBER" or "OP NUMBER * KEY", OP one of < <= > >=. */
static int ss_holds(const sc_ctx *cx, uint32_t node, simscen_claim *c)
{
    char text[128], *p = text, *end;
    if (ss_copy(cx, node, "holds-if", false, text, sizeof text) != 0)
        return -1;
    c->holds_pos = ss_pos(cx, node);
    static const char *const ops[] = {"<=", ">=", "<", ">"};
    static const simscen_op opv[] = {SIMSCEN_OP_LE, SIMSCEN_OP_GE, SIMSCEN_OP_LT, SIMSCEN_OP_GT};
    size_t i = 0;
    while (i < 4 && strncmp(p, ops[i], strlen(ops[i])) != 0)
        i++;
    if (i == 4)
        goto bad;
    c->op = opv[i];
    p += strlen(ops[i]);
    errno = 0;
    c->threshold = strtod(p, &end);
    if (end == p || errno || !isfinite(c->threshold))
        goto bad;
    p = end + strspn(end, " ");
    if (*p == '*') {
        p += 1 + strspn(p + 1, " ");
        size_t n = strcspn(p, " ");
        if (n == 0 || n >= sizeof c->threshold_key || p[n + strspn(p + n, " ")] != '\0')
            goto bad;
        memcpy(c->threshold_key, p, n);
        c->threshold_key[n] = '\0';
    } else if (*p != '\0') {
        goto bad;
    }
    return 0;
bad:
    sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at,
              "holds-if: '%s' is not \"OP NUMBER\" or \"OP NUMBER * KEY\" (OP: <, <=, >, >=)", text);
    return -1;
}

static int ss_claim(const sc_ctx *cx, uint32_t node, simscen_claim *c)
{
    enum { C_CLAIM, C_SOURCE, C_METRIC, C_STAT, C_STRAT, C_AT, C_COMPARE, C_TO, C_HOLDS, C_N };
    static const sc_keyspec keys[C_N] = {
        {"claim", true},   {"source", true}, {"metric", true}, {"statistic", false}, {"strategy", true},
        {"at", false},     {"compare", false}, {"to", false},  {"holds-if", true}};
    static const char *const cmps[] = {"value", "ratio", "difference"};
    uint32_t v[C_N];
    int cmp = 0;
    if (ss_map(cx, node, "claim", keys, C_N, v) != 0)
        return -1;
    c->pos = ss_pos(cx, node);
    if (ss_copy(cx, v[C_CLAIM], "claim", true, c->text, sizeof c->text) != 0 ||
        ss_copy(cx, v[C_SOURCE], "source", true, c->source, sizeof c->source) != 0 ||
        ss_copy(cx, v[C_METRIC], "metric", false, c->metric, sizeof c->metric) != 0 ||
        ss_side(cx, v[C_STRAT], v[C_AT], &c->of) != 0 || ss_holds(cx, v[C_HOLDS], c) != 0)
        return -1;
    c->metric_pos = ss_pos(cx, v[C_METRIC]);
    snprintf(c->statistic, sizeof c->statistic, "median");
    c->statistic_pos = c->metric_pos;
    if (v[C_STAT] != SC_NONE) {
        if (ss_copy(cx, v[C_STAT], "statistic", false, c->statistic, sizeof c->statistic) != 0)
            return -1;
        c->statistic_pos = ss_pos(cx, v[C_STAT]);
    }
    if (v[C_COMPARE] != SC_NONE && ss_name(cx, v[C_COMPARE], "compare", "comparison", cmps, 3, &cmp) != 0)
        return -1;
    c->compare = (simscen_cmp)cmp;
    if ((c->compare == SIMSCEN_CMP_VALUE) != (v[C_TO] == SC_NONE)) {
        uint32_t at = v[C_TO] != SC_NONE ? v[C_TO] : node;
        sc_err_at(cx->err, cx->text, sc_node_at(cx, at)->at, "%s",
                  c->compare == SIMSCEN_CMP_VALUE ? "to: only a ratio or a difference compares with another group"
                                                  : "a ratio or a difference needs 'to: {strategy: S, at: {...}}'");
        return -1;
    }
    if (v[C_TO] != SC_NONE) {
        static const sc_keyspec tkeys[] = {{"strategy", false}, {"at", false}};
        uint32_t tv[2];
        if (ss_map(cx, v[C_TO], "to", tkeys, 2, tv) != 0 || ss_side(cx, tv[0], tv[1], &c->to) != 0)
            return -1;
    }
    return 0;
}

int ss_claims(const sc_ctx *cx, uint32_t node, simscen *sc)
{
    uint32_t kids[SIMSCEN_CLAIMS_MAX];
    if (node == SC_NONE)
        return 0;
    if (ss_seq(cx, node, "claims", SIMSCEN_CLAIMS_MAX, kids, &sc->n_claims) != 0)
        return -1;
    for (uint32_t i = 0; i < sc->n_claims; i++)
        if (ss_claim(cx, kids[i], &sc->claims[i]) != 0)
            return -1;
    return 0;
}
