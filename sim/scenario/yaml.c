/*
 * yaml.c: libfyaml's event stream turned into a small tree of our own (sc_tree).
 *
 * Contract: sc_yaml_parse runs libfyaml over screened text and must only run where a crash
 * or hang cannot hurt (the child of isolate.c, or the fuzzer). It keeps libfyaml quiet (its
 * diagnostics are collected, never printed) and reports the first syntax error at its
 * line:col with libfyaml's message. It refuses what scenarios never need, at the place it
 * is written: anchors, aliases, tags, a second document, nesting deeper than SC_DEPTH_MAX,
 * more than SC_NODES_MAX nodes. The tree keeps byte offsets into the text; it is built
 * with an explicit stack, so input depth never becomes C recursion.
 */
#include "sc_int.h"

#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>

typedef struct sc_builder {
    const sc_text *text;
    sc_tree *tree;
    sc_err *err;
    uint32_t open[SC_DEPTH_MAX];  /* collections being filled, outermost first */
    uint32_t last[SC_DEPTH_MAX];  /* their last child so far (SC_NONE) */
    uint32_t depth;
    uint32_t docs;
} sc_builder;

static uint32_t sc_mark_off(const sc_text *t, const struct fy_mark *m)
{
    if (!m)
        return 0;
    return (uint32_t)(m->input_pos < t->len ? m->input_pos : t->len);
}

static uint32_t sc_token_off(const sc_text *t, struct fy_token *tok)
{
    return tok ? sc_mark_off(t, fy_token_start_mark(tok)) : 0;
}

/* Steps back over the indicator c ('&', '*', a quote) that precedes a token's text. */
static uint32_t sc_back_to(const sc_text *t, uint32_t off, char c)
{
    return off > 0 && t->buf[off - 1] == c ? off - 1 : off;
}

/* Appends a node under the innermost open collection. Returns its index or SC_NONE. */
static uint32_t sc_tree_add(sc_builder *b, sc_node_kind kind, uint32_t at)
{
    sc_tree *tr = b->tree;
    if (tr->len >= SC_NODES_MAX) {
        sc_err_at(b->err, b->text, at, "too many YAML nodes (more than %u)", SC_NODES_MAX);
        return SC_NONE;
    }
    if (tr->len > 0 && b->depth == 0) {
        sc_err_at(b->err, b->text, at, "more than one value at the top of the document");
        return SC_NONE;
    }
    if (tr->len == tr->cap) {
        uint32_t cap = tr->cap ? tr->cap * 2 : 64;
        sc_node *p = realloc(tr->nodes, cap * sizeof *p);
        if (!p) {
            sc_err_at(b->err, b->text, at, "out of memory");
            return SC_NONE;
        }
        tr->nodes = p;
        tr->cap = cap;
    }
    uint32_t i = tr->len++;
    tr->nodes[i] = (sc_node){.kind = kind, .at = at, .first = SC_NONE, .next = SC_NONE};
    if (b->depth > 0) {
        uint32_t parent = b->open[b->depth - 1];
        uint32_t prev = b->last[b->depth - 1];
        if (prev == SC_NONE)
            tr->nodes[parent].first = i;
        else
            tr->nodes[prev].next = i;
        b->last[b->depth - 1] = i;
        tr->nodes[parent].count++;
    }
    return i;
}

/* Refuses anchors and tags on a node. 0 or -1. */
static int sc_yaml_refuse(sc_builder *b, struct fy_token *anchor, struct fy_token *tag)
{
    if (anchor) {
        sc_err_at(b->err, b->text, sc_back_to(b->text, sc_token_off(b->text, anchor), '&'),
                  "anchors (&name) are not supported in scenario files");
        return -1;
    }
    if (tag) {
        sc_err_at(b->err, b->text, sc_token_off(b->text, tag),
                  "tags (!name) are not supported in scenario files");
        return -1;
    }
    return 0;
}

static sc_style sc_yaml_style(enum fy_scalar_style s)
{
    switch (s) {
    case FYSS_SINGLE_QUOTED: return SC_STYLE_SINGLE;
    case FYSS_DOUBLE_QUOTED: return SC_STYLE_DOUBLE;
    case FYSS_LITERAL: return SC_STYLE_LITERAL;
    case FYSS_FOLDED: return SC_STYLE_FOLDED;
    default: return SC_STYLE_PLAIN;
    }
}

/* Where an empty value without a mark is: just after the key or item before it. */
static uint32_t sc_yaml_empty_at(const sc_builder *b)
{
    if (b->depth == 0)
        return 0;
    uint32_t prev = b->last[b->depth - 1];
    const sc_node *n = &b->tree->nodes[prev == SC_NONE ? b->open[b->depth - 1] : prev];
    return n->kind == SC_NODE_SCALAR ? n->vend : n->at;
}

static int sc_yaml_scalar(sc_builder *b, struct fy_event *e)
{
    struct fy_token *tok = e->scalar.value;
    if (sc_yaml_refuse(b, e->scalar.anchor, e->scalar.tag) != 0)
        return -1;
    const struct fy_mark *sm = tok ? fy_token_start_mark(tok) : fy_event_start_mark(e);
    const struct fy_mark *em = tok ? fy_token_end_mark(tok) : fy_event_end_mark(e);
    uint32_t start = sm ? sc_mark_off(b->text, sm) : sc_yaml_empty_at(b);
    uint32_t end = em ? sc_mark_off(b->text, em) : start;
    sc_style style = tok ? sc_yaml_style(fy_token_scalar_style(tok)) : SC_STYLE_PLAIN;
    char q = style == SC_STYLE_SINGLE ? '\'' : style == SC_STYLE_DOUBLE ? '"' : 0;
    uint32_t at = q ? sc_back_to(b->text, start, q) : start; /* at the opening quote */
    uint32_t i = sc_tree_add(b, SC_NODE_SCALAR, at);
    if (i == SC_NONE)
        return -1;
    sc_node *n = &b->tree->nodes[i];
    n->style = style;
    n->vstart = start;
    n->vend = end < start ? start : end;
    size_t len = 0;
    const char *s = tok ? fy_token_get_text(tok, &len) : NULL;
    n->str = malloc(len + 1);
    if (!n->str) {
        sc_err_at(b->err, b->text, at, "out of memory");
        return -1;
    }
    if (len)
        memcpy(n->str, s, len);
    n->str[len] = '\0';
    n->len = len;
    return 0;
}

static int sc_yaml_open(sc_builder *b, struct fy_event *e, sc_node_kind kind)
{
    bool map = kind == SC_NODE_MAP;
    struct fy_token *anchor = map ? e->mapping_start.anchor : e->sequence_start.anchor;
    struct fy_token *tag = map ? e->mapping_start.tag : e->sequence_start.tag;
    struct fy_token *start = map ? e->mapping_start.mapping_start
                                 : e->sequence_start.sequence_start;
    uint32_t at = sc_mark_off(b->text, fy_event_start_mark(e));
    if (sc_yaml_refuse(b, anchor, tag) != 0)
        return -1;
    if (b->depth >= SC_DEPTH_MAX) {
        sc_err_at(b->err, b->text, at, "nesting too deep (more than %u levels)", SC_DEPTH_MAX);
        return -1;
    }
    uint32_t i = sc_tree_add(b, kind, at);
    if (i == SC_NONE)
        return -1;
    bool flow = start && (fy_token_get_type(start) == FYTT_FLOW_MAPPING_START ||
                          fy_token_get_type(start) == FYTT_FLOW_SEQUENCE_START);
    b->tree->nodes[i].style = flow ? SC_STYLE_FLOW : SC_STYLE_BLOCK;
    b->open[b->depth] = i;
    b->last[b->depth] = SC_NONE;
    b->depth++;
    return 0;
}

/* Handles one event. 0, or -1 with b->err. */
static int sc_yaml_event(sc_builder *b, struct fy_event *e)
{
    switch (e->type) {
    case FYET_DOCUMENT_START:
        if (++b->docs > 1) {
            sc_err_at(b->err, b->text, sc_mark_off(b->text, fy_event_start_mark(e)),
                      "a second YAML document; a scenario file holds one document");
            return -1;
        }
        return 0;
    case FYET_ALIAS:
        sc_err_at(b->err, b->text,
                  sc_back_to(b->text, sc_mark_off(b->text, fy_event_start_mark(e)), '*'),
                  "aliases (*name) are not supported in scenario files");
        return -1;
    case FYET_SCALAR:
        return sc_yaml_scalar(b, e);
    case FYET_MAPPING_START:
        return sc_yaml_open(b, e, SC_NODE_MAP);
    case FYET_SEQUENCE_START:
        return sc_yaml_open(b, e, SC_NODE_SEQ);
    case FYET_MAPPING_END:
    case FYET_SEQUENCE_END:
        if (b->depth == 0) {
            sc_err_at(b->err, b->text, sc_mark_off(b->text, fy_event_start_mark(e)),
                      "unbalanced YAML collection");
            return -1;
        }
        b->depth--;
        return 0;
    default:
        return 0;
    }
}

static void sc_yaml_sink(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag, (void)user, (void)buf, (void)len; /* libfyaml never prints */
}

/* Turns libfyaml's first collected error into *err. */
static void sc_yaml_syntax_error(const sc_text *t, struct fy_diag *diag, sc_err *err)
{
    void *it = NULL;
    struct fy_diag_error *de;
    for (unsigned guard = 0; guard < 1000 && (de = fy_diag_errors_iterate(diag, &it)); guard++) {
        if (de->type < FYET_ERROR)
            continue;
        char msg[SC_ERR_MSG_MAX - 20];
        const char *m = de->msg ? de->msg : "syntax error";
        sc_sanitize(msg, sizeof msg, m, strnlen(m, sizeof msg));
        if (de->line > 0 && de->column > 0 && (size_t)de->line <= t->lines)
            sc_err_set(err, (sc_pos){(uint32_t)de->line, (uint32_t)de->column}, "%s", msg);
        else
            sc_err_at(err, t, sc_token_off(t, de->fyt), "%s", msg);
        return;
    }
    sc_err_set(err, (sc_pos){1, 1}, "YAML syntax error");
}

/* Pulls every event; 0, or -1 with *err (ours or libfyaml's). */
static int sc_yaml_run(sc_builder *b, struct fy_parser *fyp, struct fy_diag *diag)
{
    struct fy_event *e;
    unsigned long events = 0;
    while ((e = fy_parser_parse(fyp)) != NULL) {
        int rc = -1;
        if (++events > 2ul * SC_NODES_MAX + 64)
            sc_err_at(b->err, b->text, sc_mark_off(b->text, fy_event_start_mark(e)),
                      "too many YAML events");
        else
            rc = sc_yaml_event(b, e);
        fy_parser_event_free(fyp, e);
        if (rc != 0)
            return -1;
    }
    if (fy_parser_get_stream_error(fyp)) {
        sc_yaml_syntax_error(b->text, diag, b->err);
        return -1;
    }
    return 0;
}

int sc_yaml_parse(const sc_text *t, sc_tree *tree, sc_err *err)
{
    memset(tree, 0, sizeof *tree);
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = sc_yaml_sink;
    dcfg.colorize = false;
    dcfg.level = FYET_WARNING;
    int rc = -1;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag) {
        sc_err_set(err, (sc_pos){1, 1}, "out of memory (YAML diagnostics)");
        return -1;
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg pcfg = {.flags = FYPCF_QUIET | FYPCF_JSON_NONE, .diag = diag};
    struct fy_parser *fyp = fy_parser_create(&pcfg);
    if (!fyp) {
        sc_err_set(err, (sc_pos){1, 1}, "out of memory (YAML parser)");
        goto out_diag;
    }
    if (fy_parser_set_string(fyp, t->buf, t->len) != 0) {
        sc_err_set(err, (sc_pos){1, 1}, "cannot start the YAML parser");
        goto out_parser;
    }
    sc_builder b = {.text = t, .tree = tree, .err = err};
    rc = sc_yaml_run(&b, fyp, diag);
out_parser:
    fy_parser_destroy(fyp);
out_diag:
    fy_diag_destroy(diag);
    if (rc != 0)
        sc_tree_free(tree);
    return rc;
}

void sc_tree_free(sc_tree *tree)
{
    for (uint32_t i = 0; i < tree->len; i++)
        free(tree->nodes[i].str);
    free(tree->nodes);
    memset(tree, 0, sizeof *tree);
}
