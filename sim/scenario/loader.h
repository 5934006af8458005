/*
 * loader.h: the scenario loader's toolkit, public to the loaders of other YAML formats
 * (sim/simscen builds the simulation-scenario loader on it): screened text, the YAML tree
 * parsed by libfyaml, typed readers of its values, key checking with suggestions, errors
 * with line:col, and the isolated child that runs the parser. Everything else of the
 * loader (its schema, wire format, limits of the child) is internal (sc_int.h).
 *
 * Contract: a loader screens the bytes (sc_screen), parses them only inside a child
 * (sc_isolate_run, then sc_yaml_parse there), reads the tree through an sc_ctx, and every
 * reader reports "key: what is wrong" at the node's line:col into cx->err and returns -1.
 * Positions travel as byte offsets into sc_text.buf and become line:col (1-based, col in
 * characters) only when a message or an item position is made.
 */
#ifndef SIM_SCENARIO_LOADER_H
#define SIM_SCENARIO_LOADER_H

#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_ERR_MSG_MAX 480u             /* one message, without "path:line:col: " */
#define SC_DEPTH_MAX 16u                /* nesting of YAML collections */
#define SC_NODES_MAX 8192u              /* YAML nodes in a file */
#define SC_SHOW_MAX 40u                 /* characters of user text quoted in a message */
#define SC_NONE UINT32_MAX              /* no node */

#if defined(__GNUC__) || defined(__clang__)
#define SC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SC_PRINTF(f, a)
#endif

/* ---- errors ----------------------------------------------------------------------- */
typedef struct sc_err {
    sc_pos pos;
    char msg[SC_ERR_MSG_MAX];
} sc_err;

/* ---- screened text (screen.c) ------------------------------------------------------ */
typedef struct sc_text {
    char *buf;                /* screened bytes, NUL-terminated (no NUL inside) */
    size_t len;
    uint32_t *line_starts;    /* line_starts[i]: offset of line i + 1 */
    size_t lines;
} sc_text;

/* Walks positions forward cheaply (items are located in increasing order). */
typedef struct sc_cursor {
    size_t off;
    size_t line_idx;
    uint32_t col;
    bool valid;
} sc_cursor;

/*
 * Screens raw file bytes: returns 0 and fills *out (free with sc_text_free), or -1 with the
 * offending byte's line:col in *err. Strips a leading UTF-8 BOM and folds CRLF to LF.
 */
int sc_screen(const uint8_t *bytes, size_t len, sc_text *out, sc_err *err);
void sc_text_free(sc_text *t);
/* The position of byte offset `off` (clamped to the text). */
sc_pos sc_text_pos(const sc_text *t, size_t off);
/* As sc_text_pos, cheap when called with increasing offsets on the same cursor. */
sc_pos sc_text_pos_next(const sc_text *t, sc_cursor *cur, size_t off);

/* Why a parsed string may not be kept ("a NUL character", "invalid UTF-8", ...), or NULL.
 * LF is allowed only when multiline; CR, tabs and other controls never. */
const char *sc_string_problem(const char *s, size_t len, bool multiline);

void sc_err_set(sc_err *e, sc_pos pos, const char *fmt, ...) SC_PRINTF(3, 4);
void sc_err_at(sc_err *e, const sc_text *t, size_t off, const char *fmt, ...) SC_PRINTF(4, 5);

/* ---- YAML tree (yaml.c) ------------------------------------------------------------ */
typedef enum sc_node_kind { SC_NODE_SCALAR, SC_NODE_MAP, SC_NODE_SEQ } sc_node_kind;
typedef enum sc_style {
    SC_STYLE_PLAIN, SC_STYLE_SINGLE, SC_STYLE_DOUBLE, SC_STYLE_LITERAL, SC_STYLE_FOLDED,
    SC_STYLE_FLOW, SC_STYLE_BLOCK,
} sc_style;

typedef struct sc_node {
    sc_node_kind kind;
    sc_style style;
    uint32_t at;              /* where messages about the node point (a quote included) */
    uint32_t vstart, vend;    /* scalars: the raw source of the value, quotes excluded */
    char *str;                /* scalars: the parsed value, NUL-terminated */
    size_t len;               /* scalars: bytes in str (it may hold NULs from escapes) */
    uint32_t first, next;     /* first child, next sibling (SC_NONE) */
    uint32_t count;           /* children; a mapping alternates key, value */
} sc_node;

typedef struct sc_tree {
    sc_node *nodes;           /* nodes[0] is the root when len > 0 */
    uint32_t len, cap;
} sc_tree;

/* Parses the text with libfyaml into *tree (free with sc_tree_free). 0, or -1 with *err:
 * a syntax error, or a feature we refuse (anchors, aliases, tags, a second document, too
 * deep, too many nodes). An empty stream gives an empty tree. */
int sc_yaml_parse(const sc_text *t, sc_tree *tree, sc_err *err);
void sc_tree_free(sc_tree *tree);

/* ---- values (value.c) -------------------------------------------------------------- */
typedef struct sc_ctx {
    const sc_tree *tree;
    const sc_text *text;
    sc_err *err;
} sc_ctx;

typedef enum sc_vtype {
    SC_V_NULL, SC_V_BOOL, SC_V_INT, SC_V_FLOAT, SC_V_STRING, SC_V_SEQ, SC_V_MAP,
} sc_vtype;

sc_vtype sc_node_vtype(const sc_node *n);
const char *sc_vtype_name(sc_vtype v);      /* "an integer", "a sequence", "null", ... */
const sc_node *sc_node_at(const sc_ctx *cx, uint32_t i);
/* Copies user text into dst for a message: at most SC_SHOW_MAX characters, controls as '?'. */
void sc_show(char *dst, size_t cap, const char *s, size_t len);
/* Copies text into dst (truncated to cap - 1 bytes on a character boundary), controls as '?'. */
void sc_sanitize(char *dst, size_t cap, const char *s, size_t len);

/* Reads a plain integer scalar in min..max; -1 with "key: ..." in cx->err otherwise. */
int sc_get_u64(const sc_ctx *cx, uint32_t node, const char *key, uint64_t min, uint64_t max,
               uint64_t *out);
/* Reads a non-null scalar as text (no NUL; no control character but LF when multiline). */
int sc_get_str(const sc_ctx *cx, uint32_t node, const char *key, bool multiline,
               const char **out, size_t *len);
/* Fails with "key: expected <want>, got <what the node is>". */
int sc_type_error(const sc_ctx *cx, uint32_t node, const char *key, const char *want);

/* ---- keys and suggestions (keys.c) ---------------------------------------------- */
/* Optimal string alignment distance, saturating at 255 for long words. */
unsigned sc_edit_distance(const char *a, size_t alen, const char *b, size_t blen);
/* The candidate closest to word when close enough to be a likely typo, else NULL. */
const char *sc_suggest(const char *word, size_t len, const char *const *cands, size_t n);
/* Writes "a, b or c" into dst. */
void sc_join(char *dst, size_t cap, const char *const *cands, size_t n);

typedef struct sc_keyspec {
    const char *name;
    bool required;
} sc_keyspec;

/*
 * Walks a mapping's pairs: every key must be a scalar among `keys` (else "unknown key 'x'
 * (did you mean 'y'?)"), given once (a duplicate is reported at the second), and every
 * required key present (else at the mapping). Fills vals[i] / keys_at[i] with the value and
 * key node of keys[i] (SC_NONE when absent). 0 or -1 with cx->err.
 */
int sc_map_keys(const sc_ctx *cx, uint32_t map, const sc_keyspec *keys, size_t n,
                uint32_t *vals, uint32_t *keys_at);

/* ---- isolation (isolate.c) --------------------------------------------------------- */
/* Runs in the child: writes the reply to fd; returns the child's exit status. */
typedef int (*sc_child_fn)(void *ctx, int fd);

#define SC_CHILD_EXIT_OK 0
#define SC_CHILD_EXIT_NOMEM 3
#define SC_CHILD_EXIT_IO 4

/*
 * Forks a child that runs fn under a time and memory limit and collects what it writes.
 * Returns 0 with the reply in *reply and *reply_len (malloc'd, the caller frees), or -1 with
 * a sentence in why ("the YAML parser crashed (signal 11)", "... timed out", ...). The
 * child is always reaped and every descriptor closed.
 */
int sc_isolate_run(sc_child_fn fn, void *ctx, uint8_t **reply, size_t *reply_len, char *why,
                   size_t why_len);

#endif
