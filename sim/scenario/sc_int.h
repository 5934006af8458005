/*
 * sc_int.h: internals of the scenario loader, shared by the files of sim/scenario/ and by
 * its unit tests and fuzzer. Other modules include only scenario.h and, to build a loader
 * of their own on the same toolkit (sim/simscen), loader.h.
 *
 * The loader is a pipeline, each stage a file:
 *   screen.c   raw bytes -> sc_text (size cap, UTF-8, no tabs/controls, CRLF folded)
 *   yaml.c     sc_text -> sc_tree with libfyaml (run only in the child, see isolate.c)
 *   schema.c   sc_tree -> scenario: top-level keys, options, expect (faults.c, items.c)
 *   check.c    the invariants of a loaded scenario, checked on both sides of the pipe
 *   wire.c     the private serialization the child sends back to the parent
 *   isolate.c  fork, limits, time-out, reaping
 *   load.c     the public entry points
 * Positions travel as byte offsets into sc_text.buf and become line:col (1-based, col in
 * characters) only when a message or an item position is made.
 */
#ifndef SIM_SCENARIO_SC_INT_H
#define SIM_SCENARIO_SC_INT_H

#include "loader.h"
#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_PARSE_TIMEOUT_MS 2000u       /* the child's wall-clock budget */
#define SC_CHILD_CPU_S 2u               /* the child's CPU budget (RLIMIT_CPU) */
#define SC_CHILD_AS_EXTRA (512ul << 20) /* address space the child may add (RLIMIT_AS) */
#define SC_WIRE_BYTES_MAX (64u << 20)   /* largest reply accepted from the child */

/* ---- schema (schema.c, faults.c, items.c) ------------------------------------------ */
/* Validates the tree into *out (free with scenario_free; zeroed on failure). */
int sc_schema_load(const sc_tree *tree, const sc_text *text, scenario *out, sc_err *err);
/* The name of an option whose value is out of range or set for another strategy, or NULL. */
const char *sc_options_problem(const scenario *sc);
int sc_faults_load(const sc_ctx *cx, uint32_t node, scenario *sc);
int sc_items_load(const sc_ctx *cx, uint32_t node, scenario *sc);
/* Errno names accepted by faults: the name of err, or NULL; and the reverse. */
const char *sc_errno_name(int err);
int sc_errno_find(const char *name);

/* ---- invariants (check.c) ---------------------------------------------------------- */
/* 0 when the scenario is well formed (everything the schema promises), else -1 and why. */
int sc_scenario_check(const scenario *sc, char *why, size_t why_len);

/* ---- wire (wire.c) ----------------------------------------------------------------- */
typedef struct sc_wbuf {
    uint8_t *p;
    size_t len, cap;
    bool failed;              /* an allocation failed; the content is incomplete */
} sc_wbuf;

void sc_wire_put_scenario(sc_wbuf *b, const scenario *sc);
void sc_wire_put_error(sc_wbuf *b, const sc_err *e);
void sc_wbuf_free(sc_wbuf *b);
/*
 * Decodes a reply: 0 with *out filled (checked by sc_scenario_check), 1 with the child's
 * error in *err, or -1 when the reply is malformed (what is wrong in err->msg).
 */
int sc_wire_decode(const uint8_t *p, size_t len, scenario *out, sc_err *err);

/* Test hooks: a function the child runs before its work (NULL: none), and the time limit
 * in milliseconds (0: SC_PARSE_TIMEOUT_MS). Not for production use. */
void sc_test_set_child_hook(void (*hook)(void));
void sc_test_set_timeout_ms(unsigned ms);

/* ---- loading (load.c) -------------------------------------------------------------- */
/* Screened text -> scenario, in this process (libfyaml included). The child's work. */
int sc_parse_validate(const sc_text *t, scenario *out, sc_err *err);
/*
 * As scenario_load_bytes, but runs libfyaml in the calling process, then sends the result
 * through the wire format and back. For the fuzzer only: untrusted bytes must not reach
 * libfyaml outside a child.
 */
int sc_load_inprocess(const char *path, const uint8_t *bytes, size_t len, scenario *out,
                      char *err, size_t err_len);

#endif
