/*
 * schema.c: the shape of a scenario file (DESIGN.md section 3) checked on the YAML tree
 * and turned into a `scenario`.
 *
 * Contract: sc_schema_load accepts a document that is one mapping with the required keys
 * name, strategy, channels and input and the optional description, options, faults and
 * expect; each value of the right type and range; options only for the strategies they
 * belong to (one table, sc_options). The first problem is reported at the node it is
 * about, checks running in a fixed order: keys (document order), name, description,
 * strategy, channels, options, faults, expect, input. On failure *out is zeroed.
 */
#include "sc_int.h"

#include "../strategies.h"

#include <stdlib.h>
#include <string.h>

enum {
    K_NAME, K_DESCRIPTION, K_STRATEGY, K_CHANNELS, K_OPTIONS, K_FAULTS, K_INPUT, K_EXPECT, K_COUNT
};

static const sc_keyspec sc_top_keys[K_COUNT] = {
    [K_NAME] = {"name", true},         [K_DESCRIPTION] = {"description", false},
    [K_STRATEGY] = {"strategy", true}, [K_CHANNELS] = {"channels", true},
    [K_OPTIONS] = {"options", false},  [K_FAULTS] = {"faults", false},
    [K_INPUT] = {"input", true},       [K_EXPECT] = {"expect", false},
};

/* ---- options: page-size, then the strategies' (their descriptors' options tables) ---- */
#define SC_OPTIONS_LEN (1u + BS_OPT_SLOTS)

/* The strategy's row for `slot`, or NULL when it does not read it. */
static const bs_option *sc_strategy_option(const scenario *sc, bs_option_slot slot)
{
    sim_strategy st;
    return sim_strategy_find(sc->strategy, &st) ? bs_strategy_option_slot(st.ops, slot) : NULL;
}

const char *sc_options_problem(const scenario *sc)
{
    if (sc->page_size < SC_DATA_BYTES_MIN || sc->page_size > SC_PAGE_SIZE_MAX)
        return "page-size";
    for (unsigned k = 0; k < BS_OPT_SLOTS; k++) {
        uint64_t v = sc->options[k];
        if (v == 0)
            continue;
        const bs_option *o = sc_strategy_option(sc, (bs_option_slot)k);
        if (!o || v < o->min || v > o->max)
            return o ? o->name : sim_option_of_slot((bs_option_slot)k) ? sim_option_of_slot((bs_option_slot)k)->name : "?";
    }
    return NULL;
}

static int sc_schema_option(const sc_ctx *cx, uint32_t val, uint32_t at, bs_option_slot slot, scenario *sc)
{
    const bs_option *any = sim_option_of_slot(slot), *o = sc_strategy_option(sc, slot);
    if (!o) {
        char owners[256];
        sc_err_at(cx->err, cx->text, sc_node_at(cx, at)->at,
                  "%s: this option applies only to strategy %s, not '%s'", any->name,
                  sim_option_owners(slot, owners, sizeof owners), sc->strategy);
        return -1;
    }
    return sc_get_u64(cx, val, o->name, o->min, o->max, &sc->options[slot]);
}

static int sc_schema_options(const sc_ctx *cx, uint32_t node, scenario *sc)
{
    if (node == SC_NONE)
        return 0;
    if (sc_node_at(cx, node)->kind != SC_NODE_MAP)
        return sc_type_error(cx, node, "options", "a mapping");
    sc_keyspec keys[SC_OPTIONS_LEN];
    uint32_t vals[SC_OPTIONS_LEN], at[SC_OPTIONS_LEN];
    bs_option_slot slot_of[SC_OPTIONS_LEN];
    size_t n = 0;
    keys[n++] = (sc_keyspec){"page-size", false};
    for (unsigned k = 0; k < BS_OPT_SLOTS; k++) {
        const bs_option *o = sim_option_of_slot((bs_option_slot)k);
        if (o) {
            slot_of[n] = (bs_option_slot)k;
            keys[n++] = (sc_keyspec){o->name, false};
        }
    }
    if (sc_map_keys(cx, node, keys, n, vals, at) != 0)
        return -1;
    uint64_t page = 0;
    if (vals[0] != SC_NONE) {
        if (sc_get_u64(cx, vals[0], "page-size", SC_DATA_BYTES_MIN, SC_PAGE_SIZE_MAX, &page) != 0)
            return -1;
        sc->page_size = (uint32_t)page;
    }
    for (size_t i = 1; i < n; i++)
        if (vals[i] != SC_NONE && sc_schema_option(cx, vals[i], at[i], slot_of[i], sc) != 0)
            return -1;
    return 0;
}

/* ---- scalars ------------------------------------------------------------------------ */
static int sc_schema_name(const sc_ctx *cx, uint32_t node, scenario *sc)
{
    const char *s;
    size_t len;
    if (sc_get_str(cx, node, "name", false, &s, &len) != 0)
        return -1;
    const sc_node *n = sc_node_at(cx, node);
    size_t ok = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");
    if (len == 0 || ok != len) {
        char shown[SC_SHOW_MAX * 4 + 8];
        sc_show(shown, sizeof shown, s, len);
        sc_err_at(cx->err, cx->text, n->at,
                  "name: '%s' is not a valid name (use letters, digits and '-')", shown);
        return -1;
    }
    if (len >= SC_NAME_MAX) {
        sc_err_at(cx->err, cx->text, n->at, "name: longer than %u characters", SC_NAME_MAX - 1);
        return -1;
    }
    memcpy(sc->name, s, len + 1);
    return 0;
}

static int sc_schema_strategy(const sc_ctx *cx, uint32_t node, scenario *sc)
{
    const char *s;
    size_t len;
    if (sc_get_str(cx, node, "strategy", false, &s, &len) != 0)
        return -1;
    sim_strategy found;
    if (len < sizeof sc->strategy && sim_strategy_find(s, &found)) {
        memcpy(sc->strategy, s, len + 1);
        return 0;
    }
    const char *names[32];
    size_t n = 0;
    while (n < 32 && (names[n] = sim_strategy_name(n)) != NULL)
        n++;
    char shown[SC_SHOW_MAX * 4 + 8], list[256];
    sc_show(shown, sizeof shown, s, len);
    const char *best = sc_suggest(s, len, names, n);
    uint32_t at = sc_node_at(cx, node)->at;
    if (best) {
        sc_err_at(cx->err, cx->text, at, "strategy: unknown strategy '%s' (did you mean '%s'?)",
                  shown, best);
    } else {
        sc_join(list, sizeof list, names, n);
        sc_err_at(cx->err, cx->text, at, "strategy: unknown strategy '%s' (expected %s)", shown,
                  list);
    }
    return -1;
}

/* Copies a string value into *out (malloc'd). */
static int sc_schema_dup(const sc_ctx *cx, uint32_t node, const char *s, size_t len, char **out)
{
    *out = malloc(len + 1);
    if (!*out) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at, "out of memory");
        return -1;
    }
    memcpy(*out, s, len);
    (*out)[len] = '\0';
    return 0;
}

static int sc_schema_description(const sc_ctx *cx, uint32_t node, scenario *sc)
{
    const char *s;
    size_t len;
    if (node == SC_NONE)
        return 0;
    if (sc_get_str(cx, node, "description", true, &s, &len) != 0)
        return -1;
    return sc_schema_dup(cx, node, s, len, &sc->description);
}

/* ---- expect ------------------------------------------------------------------------- */
/* Reads a string with every run of spaces and line breaks made one space, ends trimmed. */
static int sc_schema_words(const sc_ctx *cx, uint32_t node, const char *key, bool multiline,
                           char **out)
{
    const char *s;
    size_t len;
    if (sc_get_str(cx, node, key, multiline, &s, &len) != 0 ||
        sc_schema_dup(cx, node, s, len, out) != 0)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        bool space = s[i] == ' ' || s[i] == '\n';
        if (space && (o == 0 || (*out)[o - 1] == ' '))
            continue;
        (*out)[o++] = space ? ' ' : s[i];
    }
    while (o > 0 && (*out)[o - 1] == ' ')
        o--;
    (*out)[o] = '\0';
    if (o == 0) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at, "%s: is empty", key);
        return -1;
    }
    return 0;
}

/* One token of an expected trace (docs/trace.md): an item number, tK, dK, aK:reason or end. */
static bool sc_trace_token_ok(const char *t, size_t len)
{
    size_t i = 0;
    if (len == 3 && memcmp(t, "end", 3) == 0)
        return true;
    if (len > 1 && (t[0] == 't' || t[0] == 'd' || t[0] == 'a'))
        i = 1;
    size_t digits = i;
    while (digits < len && t[digits] >= '0' && t[digits] <= '9')
        digits++;
    if (digits == i || digits - i > 20)
        return false;
    if (t[0] != 'a' || i == 0)
        return digits == len;
    if (digits == len || t[digits] != ':')
        return false;
    for (int why = BS_ABORT_SUBSUMED; why <= BS_ABORT_TIMEOUT; why++) {
        const char *name = bs_abort_reason_name((bs_abort_reason)why);
        if (strlen(name) == len - digits - 1 && memcmp(t + digits + 1, name, len - digits - 1) == 0)
            return true;
    }
    return false;
}

/* Every token before an "error:" or "violation:" (whose message is free text) is one the
 * runner writes, so a misspelt token is a mistake in the file, not a differing trace. */
static int sc_schema_trace_tokens(const sc_ctx *cx, uint32_t node, const char *trace)
{
    for (const char *p = trace; *p;) {
        size_t len = strcspn(p, " ");
        if ((len >= 6 && memcmp(p, "error:", 6) == 0) || (len >= 10 && memcmp(p, "violation:", 10) == 0))
            return 0;
        if (!sc_trace_token_ok(p, len)) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at,
                      "trace: '%.*s' is not a trace token (expected an item number, tK, dK, "
                      "aK:subsumed|cancelled|eop|limit|timeout, end, or error: MESSAGE; see docs/trace.md)",
                      (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        p += len;
        p += strspn(p, " ");
    }
    return 0;
}

static int sc_schema_expect(const sc_ctx *cx, uint32_t node, scenario *sc)
{
    static const sc_keyspec keys[] = {{"trace", false}, {"error", false}};
    uint32_t vals[2], at[2];
    if (node == SC_NONE)
        return 0;
    if (sc_node_at(cx, node)->kind != SC_NODE_MAP)
        return sc_type_error(cx, node, "expect", "a mapping");
    if (sc_map_keys(cx, node, keys, 2, vals, at) != 0)
        return -1;
    if (vals[0] == SC_NONE && vals[1] == SC_NONE) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at,
                  "expect: give 'trace' and/or 'error'");
        return -1;
    }
    if (vals[0] != SC_NONE && (sc_schema_words(cx, vals[0], "trace", true, &sc->expect_trace) != 0 ||
                               sc_schema_trace_tokens(cx, vals[0], sc->expect_trace) != 0))
        return -1;
    if (vals[1] != SC_NONE && sc_schema_words(cx, vals[1], "error", true, &sc->expect_error) != 0)
        return -1;
    return 0;
}

/* ---- the document ------------------------------------------------------------------- */
static int sc_schema_root(const sc_ctx *cx, uint32_t *vals)
{
    uint32_t at[K_COUNT];
    if (cx->tree->len == 0) {
        sc_err_set(cx->err, (sc_pos){1, 1}, "the file is empty (expected a mapping with name, "
                                            "strategy, channels and input)");
        return -1;
    }
    const sc_node *root = sc_node_at(cx, 0);
    if (root->kind != SC_NODE_MAP) {
        sc_err_at(cx->err, cx->text, root->at,
                  "the document must be a mapping (name, strategy, channels, input, ...), not %s",
                  sc_vtype_name(sc_node_vtype(root)));
        return -1;
    }
    return sc_map_keys(cx, 0, sc_top_keys, K_COUNT, vals, at);
}

int sc_schema_load(const sc_tree *tree, const sc_text *text, scenario *out, sc_err *err)
{
    sc_ctx cx = {.tree = tree, .text = text, .err = err};
    uint32_t v[K_COUNT];
    uint64_t channels = 0;
    memset(out, 0, sizeof *out);
    out->page_size = BS_PAGE_SIZE_DEFAULT;
    if (sc_schema_root(&cx, v) != 0 || sc_schema_name(&cx, v[K_NAME], out) != 0 ||
        sc_schema_description(&cx, v[K_DESCRIPTION], out) != 0 ||
        sc_schema_strategy(&cx, v[K_STRATEGY], out) != 0 ||
        sc_get_u64(&cx, v[K_CHANNELS], "channels", 1, BS_CHANNELS_MAX, &channels) != 0)
        goto out_fail;
    out->channels = (uint32_t)channels;
    for (unsigned k = 0; k < BS_OPT_SLOTS; k++) {
        const bs_option *o = sc_strategy_option(out, (bs_option_slot)k);
        out->options[k] = o ? o->def : 0;
    }
    if (sc_schema_options(&cx, v[K_OPTIONS], out) != 0 ||
        (v[K_FAULTS] != SC_NONE && sc_faults_load(&cx, v[K_FAULTS], out) != 0) ||
        sc_schema_expect(&cx, v[K_EXPECT], out) != 0 || sc_items_load(&cx, v[K_INPUT], out) != 0)
        goto out_fail;
    return 0;
out_fail:
    scenario_free(out);
    return -1;
}
