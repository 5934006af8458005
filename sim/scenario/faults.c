/*
 * faults.c: the `faults` key of a scenario file, and the names of errnos (the names of I/O
 * calls are the fault seam's, sim/fault/io_fault.c).
 *
 * Contract: `faults` is a sequence of at most SC_FAULTS_MAX mappings, each
 * {call: open|write|read|close|unlink, nth: >= 1, and exactly one of error: <errno name>
 * or short: <bytes >= 1>}; only write and read may be short. Each fault keeps the position
 * of its mapping. Errors point at the offending key or value.
 */
#include "sc_int.h"
#include "../fault/io_fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A scenario's calls are the fault seam's (sim/fault/io_fault.c): one names table, and
 * the enums agree value for value, so that a call is never spelt in two places. */
_Static_assert((int)SC_CALL_COUNT == (int)IO_CALLS, "scenario calls are the I/O seam's calls");
_Static_assert((int)SC_CALL_OPEN == (int)IO_OPEN && (int)SC_CALL_WRITE == (int)IO_WRITE &&
                   (int)SC_CALL_READ == (int)IO_READ && (int)SC_CALL_CLOSE == (int)IO_CLOSE &&
                   (int)SC_CALL_UNLINK == (int)IO_UNLINK,
               "sc_call and io_call number the calls alike");

const char *sc_call_name(sc_call c)
{
    return (unsigned)c < SC_CALL_COUNT ? io_call_names[c] : "?";
}

int sc_call_find(const char *name)
{
    for (int i = 0; name && i < SC_CALL_COUNT; i++)
        if (strcmp(io_call_names[i], name) == 0)
            return i;
    return -1;
}

typedef struct sc_errno_entry {
    const char *name;
    int value;
} sc_errno_entry;

static const sc_errno_entry sc_errnos[] = {
    {"ENOSPC", ENOSPC}, {"EIO", EIO},       {"EACCES", EACCES}, {"EMFILE", EMFILE},
    {"ENFILE", ENFILE}, {"EROFS", EROFS},   {"EDQUOT", EDQUOT}, {"EFBIG", EFBIG},
    {"EPERM", EPERM},   {"ENOENT", ENOENT}, {"EBADF", EBADF},   {"EINTR", EINTR},
};
#define SC_ERRNOS_LEN (sizeof sc_errnos / sizeof sc_errnos[0])

const char *sc_errno_name(int err)
{
    for (size_t i = 0; i < SC_ERRNOS_LEN; i++)
        if (sc_errnos[i].value == err)
            return sc_errnos[i].name;
    return NULL;
}

int sc_errno_find(const char *name)
{
    for (size_t i = 0; name && i < SC_ERRNOS_LEN; i++)
        if (strcmp(sc_errnos[i].name, name) == 0)
            return sc_errnos[i].value;
    return 0;
}

/* "key: unknown <what> 'x' (did you mean 'y'?)" or "(expected a, b or c)". */
static int sc_unknown_name(const sc_ctx *cx, uint32_t node, const char *key, const char *what,
                           const char *const *names, size_t n)
{
    const sc_node *v = sc_node_at(cx, node);
    char shown[SC_SHOW_MAX * 4 + 8], list[256];
    sc_show(shown, sizeof shown, v->str, v->len);
    const char *best = sc_suggest(v->str, v->len, names, n);
    if (best) {
        sc_err_at(cx->err, cx->text, v->at, "%s: unknown %s '%s' (did you mean '%s'?)", key, what,
                  shown, best);
    } else {
        sc_join(list, sizeof list, names, n);
        sc_err_at(cx->err, cx->text, v->at, "%s: unknown %s '%s' (expected %s)", key, what, shown,
                  list);
    }
    return -1;
}

static int sc_fault_call(const sc_ctx *cx, uint32_t node, sc_fault *f)
{
    const char *s;
    if (sc_get_str(cx, node, "call", false, &s, NULL) != 0)
        return -1;
    int c = sc_call_find(s);
    if (c < 0)
        return sc_unknown_name(cx, node, "call", "call", io_call_names, SC_CALL_COUNT);
    f->call = (sc_call)c;
    return 0;
}

static int sc_fault_errno(const sc_ctx *cx, uint32_t node, sc_fault *f)
{
    const char *s;
    if (sc_get_str(cx, node, "error", false, &s, NULL) != 0)
        return -1;
    f->err = sc_errno_find(s);
    if (f->err != 0)
        return 0;
    const char *names[SC_ERRNOS_LEN];
    for (size_t i = 0; i < SC_ERRNOS_LEN; i++)
        names[i] = sc_errnos[i].name;
    return sc_unknown_name(cx, node, "error", "errno name", names, SC_ERRNOS_LEN);
}

enum { F_CALL, F_NTH, F_ERROR, F_SHORT, F_COUNT };

static int sc_fault_kind(const sc_ctx *cx, uint32_t map, const uint32_t *v, const uint32_t *at,
                         sc_fault *f)
{
    if (v[F_ERROR] != SC_NONE && v[F_SHORT] != SC_NONE) {
        uint32_t second = sc_node_at(cx, at[F_ERROR])->at > sc_node_at(cx, at[F_SHORT])->at
                              ? at[F_ERROR] : at[F_SHORT];
        sc_err_at(cx->err, cx->text, sc_node_at(cx, second)->at,
                  "a fault has either 'error' or 'short', not both");
        return -1;
    }
    if (v[F_ERROR] == SC_NONE && v[F_SHORT] == SC_NONE) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, map)->at,
                  "a fault needs 'error' (an errno name) or 'short' (a byte count)");
        return -1;
    }
    if (v[F_ERROR] != SC_NONE)
        return sc_fault_errno(cx, v[F_ERROR], f);
    if (f->call != SC_CALL_WRITE && f->call != SC_CALL_READ) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, at[F_SHORT])->at,
                  "short: only write and read calls can be short, not %s", sc_call_name(f->call));
        return -1;
    }
    uint64_t bytes = 0;
    if (sc_get_u64(cx, v[F_SHORT], "short", 1, UINT32_MAX, &bytes) != 0)
        return -1;
    f->short_bytes = (uint32_t)bytes;
    return 0;
}

static int sc_fault_load(const sc_ctx *cx, uint32_t map, sc_fault *f)
{
    static const sc_keyspec keys[F_COUNT] = {
        [F_CALL] = {"call", true}, [F_NTH] = {"nth", true},
        [F_ERROR] = {"error", false}, [F_SHORT] = {"short", false},
    };
    uint32_t v[F_COUNT], at[F_COUNT];
    if (sc_node_at(cx, map)->kind != SC_NODE_MAP)
        return sc_type_error(cx, map, "fault", "a mapping");
    if (sc_map_keys(cx, map, keys, F_COUNT, v, at) != 0 || sc_fault_call(cx, v[F_CALL], f) != 0 ||
        sc_get_u64(cx, v[F_NTH], "nth", 1, UINT64_MAX, &f->nth) != 0)
        return -1;
    f->pos = sc_text_pos(cx->text, sc_node_at(cx, map)->at);
    return sc_fault_kind(cx, map, v, at, f);
}

int sc_faults_load(const sc_ctx *cx, uint32_t node, scenario *sc)
{
    const sc_node *seq = sc_node_at(cx, node);
    if (seq->kind != SC_NODE_SEQ)
        return sc_type_error(cx, node, "faults", "a sequence");
    if (seq->count > SC_FAULTS_MAX) {
        sc_err_at(cx->err, cx->text, seq->at, "faults: more than %u faults", SC_FAULTS_MAX);
        return -1;
    }
    if (seq->count == 0)
        return 0;
    sc->faults = calloc(seq->count, sizeof *sc->faults);
    if (!sc->faults) {
        sc_err_at(cx->err, cx->text, seq->at, "out of memory");
        return -1;
    }
    uint32_t f = seq->first;
    for (uint32_t i = 0; i < seq->count && f != SC_NONE; i++, f = sc_node_at(cx, f)->next) {
        if (sc_fault_load(cx, f, &sc->faults[i]) != 0)
            return -1;
        sc->faults_len++;
    }
    return 0;
}
